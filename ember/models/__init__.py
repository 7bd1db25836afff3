"""Models: :class:`Model` (subclassing / functional), :class:`Sequential`, saving and loading."""

from ember.models.cloning import clone_model, save_model
from ember.models.functional import Functional
from ember.models.model import Model
from ember.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002 - Keras name
    """Load a ``.keras`` file written by ember or Keras 3, or a Keras 2 ``.h5`` model (:func:`ember.saving.load_model`).

    Classes resolve only through ember's allowlist: a ``Lambda`` layer needs ``safe_mode=False``, a class
    from another module raises :class:`ember.interop.UnsafeFileError`, a Keras layer ember lacks a
    ``ValueError`` naming it. Details: docs/keras_files.md.
    """
    from ember.saving.model_file import load_model as _load_model

    return _load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string: str, custom_objects=None, safe_mode: bool = True):
    """Rebuild a model (fresh weights) from ``model.to_json()``'s output.

    Raises:
        ValueError: for malformed JSON, unknown classes, or a ``Lambda`` layer in safe mode.
    """
    import json

    from ember.models.functional_config import deserialize_layer

    try:
        config = json.loads(json_string)
    except ValueError as exc:
        raise ValueError(f"model_from_json: not valid JSON: {exc}") from exc
    return deserialize_layer(config, custom_objects, safe_mode)


__all__ = ["Model", "Sequential", "Functional", "load_model", "model_from_json", "clone_model", "save_model"]


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
