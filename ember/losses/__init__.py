"""Losses: Keras 3 classes, functions and string names (``'mse'``, ``'binary_crossentropy'``, ...).

Classes reduce per-sample losses over the batch (``reduction``) and accept
``sample_weight``; functions return per-sample losses. Targets must match the
predictions' shape (up to a trailing axis of 1): a mismatch raises a
``ValueError`` naming the loss and the likely fix rather than broadcasting.
"""

from __future__ import annotations

from ember.losses.loss import Loss, LossFunctionWrapper, reduce_values
from ember.losses.losses import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from ember.losses.probabilistic import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    sparse_categorical_crossentropy,
)
from ember.losses.regression import (
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    squared_hinge,
)
from ember.utils.registry import lookup

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
logcosh = log_cosh

_CLASSES = (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber,
            LogCosh, CosineSimilarity, Hinge, SquaredHinge, CategoricalHinge, Poisson, KLDivergence,
            BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
            SparseCategoricalCrossentropy)  # fmt: skip
_REGISTRY = {
    **{c.fn.__name__: c for c in _CLASSES},
    **{c.__name__: c for c in _CLASSES},
    "mse": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "kld": KLDivergence,
    "bce": BinaryCrossentropy,
    "logcosh": LogCosh,
    "huber_loss": Huber,
}


def serialize(loss: Loss) -> dict:
    """``{'module', 'class_name', 'config', 'registered_name'}`` (JSON-ready).

    Raises:
        TypeError: for objects that are not built-in Loss classes (wrapped functions cannot be serialized).
    """
    if not isinstance(loss, Loss) or isinstance(loss, LossFunctionWrapper):
        raise TypeError(f"losses.serialize: expected a Loss instance of a named class. Received: {loss!r}")
    return {"module": "ember.losses", "class_name": type(loss).__name__, "config": loss.get_config(),
            "registered_name": None}  # fmt: skip


def deserialize(config, custom_objects: dict | None = None) -> Loss:
    """Rebuild a loss from :func:`serialize`'s dict (or a name).

    Raises:
        ValueError: for an unknown class name, listing the valid ones.
    """
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"losses.deserialize: expected a dict with 'class_name'. Received: {config!r}")
    cls = lookup("loss", config["class_name"], {**_REGISTRY, **(custom_objects or {})}, allow_callable=False)
    return cls.from_config(config.get("config") or {})


def get(identifier) -> Loss:
    """Resolve a loss: a name (``'mse'``, ``'BinaryCrossentropy'``), a dict, a :class:`Loss`, or a function.

    A function ``(y_true, y_pred) -> per-sample losses`` is wrapped in a :class:`LossFunctionWrapper`.

    Example:
        >>> get("mse").name
        'mean_squared_error'

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup("loss", identifier, _REGISTRY)()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


__all__ = [
    "Loss", "LossFunctionWrapper", "reduce_values", "get", "serialize", "deserialize",
    *(c.__name__ for c in _CLASSES),
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
    "huber", "log_cosh", "cosine_similarity", "hinge", "squared_hinge", "categorical_hinge", "poisson",
    "kl_divergence", "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "sparse_categorical_crossentropy",
    "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD", "logcosh",
]  # fmt: skip


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
