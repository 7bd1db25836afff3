"""Checks on user data before any training step: inputs and targets against the compiled losses.

Every check runs once per ``fit``/``evaluate`` call, so bad data raises before
a single weight changes (RELIABILITY.md E1/E3).
"""

from __future__ import annotations

from ember import losses as losses_mod
from ember.ops.labels import sparse_labels
from ember.utils import batching


def prepare(model, x, y, sample_weight, fn: str):
    """``(x, y, sample_weight)`` as validated arrays (lists of arrays for several inputs/outputs).

    Raises:
        RuntimeError: if the model is not compiled.
        ValueError/TypeError: for non-numeric data, mismatched lengths or an empty dataset.
    """
    if not model.compiled:
        raise RuntimeError(f"Model '{model.name}' must be compiled before {fn}(). Call model.compile(...)")
    if isinstance(x, dict) and hasattr(model, "_flatten_inputs"):
        x = model._flatten_inputs(x)
    x = batching.as_inputs(x, fn)
    specs = model._output_specs
    if len(specs) > 1 and y is not None:
        if isinstance(y, dict):
            y = [y.get(spec.name) for spec in specs]
        if not isinstance(y, (list, tuple)) or len(y) != len(specs):
            raise ValueError(
                f"{fn}: model '{model.name}' has {len(specs)} outputs {[s.name for s in specs]}; expected y as a "
                f"list or dict with one target array per output. Received: {type(y).__name__}"
            )
        y = [batching.as_targets(yi, fn, keep_integers=spec.sparse) for yi, spec in zip(y, specs, strict=True)]
    else:
        y = batching.as_targets(y, fn, keep_integers=specs[0].sparse if specs else False)
    sw = batching.as_targets(sample_weight, fn, keep_integers=False)
    batching.check_lengths(x, y, sw, fn)
    return x, y, sw


def check_target(loss, y, out_shape: tuple, fn: str) -> None:
    """Check labels ``y`` against ``loss`` and the model output shape ``out_shape`` (batch axis first).

    Raises:
        ValueError: naming the loss, the expected and received target shapes, and the fix.
    """
    if y is None or loss is None:
        return
    name = getattr(loss, "name", "loss")
    if isinstance(loss, losses_mod.SparseCategoricalCrossentropy):
        sparse_labels(y, (len(y),) + out_shape[1:], f"{fn}: loss {name}")
        return
    if isinstance(loss, losses_mod.CategoricalCrossentropy):
        if y.ndim == len(out_shape) - 1 or (y.shape[-1] == 1 and out_shape[-1] > 1):
            raise ValueError(
                f"{fn}: loss {name} expects one-hot targets of shape (n, {out_shape[-1]}). Received: targets "
                f"of shape {y.shape}, which look like integer labels. Use "
                "loss='sparse_categorical_crossentropy', or one-hot encode them with "
                "ember.utils.to_categorical(y)"
            )
    if y.shape[1:] != out_shape[1:]:
        squeezable = y.ndim == len(out_shape) - 1 and out_shape[-1] == 1 and y.shape[1:] == out_shape[1:-1]
        if not squeezable:
            raise ValueError(
                f"{fn}: loss {name} expects targets shaped like the model output (n,) + {out_shape[1:]}. "
                f"Received: targets of shape {y.shape}"
            )


def check_targets(model, x, y, fn: str) -> None:
    """Check every output's labels against its loss, once, before any step (builds the model if needed)."""
    specs = model._output_specs
    if y is None or all(spec.loss is None for spec in specs):
        return
    first = batching.pack_x_y_sample_weight(batching.take(x, slice(0, 1)))
    out = model.predict_step(first)  # builds the model; draws no noise
    outs = model._output_list(out)
    ys = y if isinstance(y, list) else [y]
    if len(outs) != len(specs):
        raise ValueError(
            f"{fn}: model '{model.name}' returns {len(outs)} outputs but compile() configured {len(specs)} losses"
        )
    for spec, yi, o in zip(specs, ys, outs, strict=True):
        check_target(spec.loss, yi, tuple(o.shape), fn)
