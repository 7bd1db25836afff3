"""Helpers of :mod:`ember.layers.layer`: the build wrapper and the shape bookkeeping of ``__call__``."""

from __future__ import annotations

import functools

from ember.autograd import Tensor


def _build_wrapper(build):
    """``build`` made idempotent and recording: a second call is a no-op, the first sets ``built``."""

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        if self.built:
            return None
        if self._build_shape is None and args:
            self._build_shape = args[0]
        result = build(self, *args, **kwargs)
        self.built = True
        return result

    wrapper._marks_built = True
    return wrapper


def _as_tensors(inputs):
    if isinstance(inputs, Tensor):
        return inputs
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_as_tensors(x) for x in inputs)
    if inputs is None:
        return None
    return Tensor(inputs)


def _shapes(inputs):
    if isinstance(inputs, Tensor):
        return tuple(inputs.shape)
    return [tuple(x.shape) for x in inputs]


def _is_shape_list(shape) -> bool:
    return isinstance(shape, list) and all(isinstance(s, (tuple, list)) for s in shape)


def _replace_none(shape):
    if _is_shape_list(shape):
        return [_replace_none(tuple(s)) for s in shape]
    return tuple(1 if d is None else d for d in shape)


def input_shape_batch(shape):
    """The batch entry of a shape or of the first shape of a list (None when unknown)."""
    first = shape[0] if _is_shape_list(shape) else shape
    return first[0] if len(first) else None


def _tag_layer_call(layer, inputs, outputs) -> None:
    """Note on the node that made each output that ``layer`` was called on ``inputs``.

    Only the teaching tools read it (``ember.viz.draw_graph`` clusters ops by layer call); one list append
    per layer call and output.
    """
    for out in outputs if isinstance(outputs, (list, tuple)) else (outputs,):
        if isinstance(out, Tensor) and out._ctx is not None and out is not inputs:
            ctx_dict = getattr(out._ctx, "__dict__", None)
            if ctx_dict is not None:
                ctx_dict.setdefault("layer_calls", []).append((layer, inputs))
