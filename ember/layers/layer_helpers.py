"""Helpers of :mod:`ember.layers.layer`: the build wrapper and the shape bookkeeping of ``__call__``."""

from __future__ import annotations

import functools
import inspect
import re
from collections import defaultdict

from ember.autograd import Tensor
from ember.layers.masking_state import set_mask

_NAME_COUNTS: dict[str, int] = defaultdict(int)
_ACCEPTS: dict[tuple, bool] = {}


def to_snake_case(name: str) -> str:
    """``'BatchNormalization'`` → ``'batch_normalization'`` (Keras's auto-naming)."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()  # Keras: digits do not start a word (conv2d)


def unique_name(base: str) -> str:
    """``'dense'``, then ``'dense_1'``, ``'dense_2'``, ... (one counter per base name)."""
    count = _NAME_COUNTS[base]
    _NAME_COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def _accepts(cls, arg: str) -> bool:
    key = (cls, arg)
    if key not in _ACCEPTS:
        params = inspect.signature(cls.call).parameters
        _ACCEPTS[key] = arg in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    return _ACCEPTS[key]


class WeightAllocationError(MemoryError, ValueError):
    """``Layer.add_weight`` could not allocate a weight: names the layer, the weight, its shape and dtype.

    Both a :class:`MemoryError` (what NumPy raised) and a :class:`ValueError` (the usual cause is a bad
    shape, e.g. a model config read from a file asking for a ``(333333333333, 6)`` kernel).
    """


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
def _node_tensor(layer, which: int, attr: str):
    """``layer.input``/``layer.output``: the KerasTensor of the layer's one recorded symbolic call (Keras 3)."""
    nodes = layer.__dict__.get("_inbound_nodes") or []
    if not nodes:
        raise AttributeError(
            f"Layer '{layer.name}' has never been called on a symbolic input and thus has no defined {attr}. "
            f"Call it on an ember.Input (functional model) or put it in a built Sequential model."
        )
    if len(nodes) > 1:
        raise AttributeError(
            f"Layer '{layer.name}' has {len(nodes)} inbound nodes (it was called several times), so `{attr}` "
            f"is ambiguous (as in Keras). Use the KerasTensor returned by each call instead."
        )
    return nodes[0][which]


def layer_input(layer):
    """The input KerasTensor of ``layer``'s only symbolic call; AttributeError when there is none or several."""
    return _node_tensor(layer, 0, "input")


def layer_output(layer):
    """The output KerasTensor of ``layer``'s only symbolic call; AttributeError when there is none or several."""
    return _node_tensor(layer, 1, "output")


def output_shape_without_building(layer, input_shape):
    """Run ``compute_output_shape`` on a copy when ``layer`` is unbuilt, so no weights appear on it (Keras 3)."""
    import copy

    if layer.built:
        return None
    probe = copy.deepcopy(layer)
    probe._maybe_build(input_shape)
    return probe.compute_output_shape(input_shape)


_MAKES_MASKS: dict = {}


def _makes_masks(cls) -> bool:
    """Whether ``cls`` overrides ``compute_mask`` (so it may create a mask from none)."""
    found = _MAKES_MASKS.get(cls)
    if found is None:
        from ember.layers.layer import Layer

        found = _MAKES_MASKS[cls] = cls.compute_mask is not Layer.compute_mask
    return found


_KERAS_TENSOR = []


def _is_symbolic(inputs) -> bool:
    if not _KERAS_TENSOR:
        from ember.layers.input_layer import KerasTensor

        _KERAS_TENSOR.append(KerasTensor)
    kt = _KERAS_TENSOR[0]
    return isinstance(inputs, kt) or (isinstance(inputs, (list, tuple)) and bool(inputs) and isinstance(inputs[0], kt))


def _record_masks(outputs, mask) -> None:
    if isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
        for out, m in zip(outputs, masks, strict=False):
            set_mask(out, m)
    elif isinstance(outputs, Tensor):
        set_mask(outputs, mask)


def add_activity_loss(layer, outputs) -> None:
    """Keras 3's activity regularization: ``add_loss(regularizer(out) / batch_size)`` for each output tensor."""
    for out in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
        if isinstance(out, Tensor):
            loss = layer.activity_regularizer(out)
            layer.add_loss(loss / out.shape[0] if out.ndim > 0 else loss)


def check_keras_only_arguments(cls, given: dict) -> set:
    """The names in ``given`` that are not Keras 3 arguments of ``cls`` at their Keras default.

    A Keras argument ember lacks is accepted at its Keras default (it changes nothing); any other
    value raises NotImplementedError naming the layer, the argument and the value.
    """
    from ember.layers.keras_arguments import keras_only_arguments

    known = keras_only_arguments(cls)
    left = set()
    for arg, value in given.items():
        if arg not in known:
            left.add(arg)
        elif not (value is known[arg] or (type(value) is type(known[arg]) and value == known[arg])):
            raise NotImplementedError(
                f"{cls.__name__}: the Keras 3 argument {arg}={value!r} is not implemented in ember yet (only its "
                f"default, {known[arg]!r}, is accepted). See docs/keras_compatibility.md"
            )
    return left
