"""Layer class -> ONNX converter registry, and the record of one layer call that a converter reads.

A converter is ``fn(b, layer, call) -> list[str]``: it writes nodes into the
:class:`~ember.interop.onnx.export_builder.GraphBuilder` ``b`` and returns the ONNX names of the layer's outputs.
``call`` (a :class:`LayerCall`) holds the ONNX names of the inputs, their static shapes (from a sample run of the
model, batch axis included but never baked into the graph), the ONNX names of their Keras masks, and the call's
non-tensor keyword arguments. Converters are looked up along the layer class's MRO, so a subclass of ``Dense``
exports as a Dense unless it registers its own converter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ember.interop.onnx.export_builder import ExportError

_CONVERTERS: dict[type, tuple] = {}


@dataclass
class LayerCall:
    """One layer call as the converter sees it.

    Attributes:
        inputs: ONNX names of the tensor arguments, in call order (first argument, then the positional
            ones, then the keyword ones).
        shapes: static shapes of those tensors, ``(batch, ...)`` as seen in the sample run.
        masks: ONNX names of their Keras masks (``(batch, timesteps)`` bool), or ``None`` each.
        kwargs: the call's non-tensor keyword arguments (``use_causal_mask=True``, ...).
        tensor_kwargs: keyword name -> index into ``inputs`` for tensors passed by keyword.
        values: the sample ember Tensors (for nested models, which replay their own layers).
        out_masks: set by a converter that creates the outputs' masks (Embedding with ``mask_zero``, ...).
    """

    inputs: list
    shapes: list
    masks: list
    kwargs: dict = field(default_factory=dict)
    tensor_kwargs: dict = field(default_factory=dict)
    values: list = field(default_factory=list)
    out_masks: list | None = None

    def kw_input(self, name: str):
        """The ONNX name of the tensor passed as keyword ``name``, or ``None``."""
        index = self.tensor_kwargs.get(name)
        return None if index is None else self.inputs[index]


def register(*classes, masks: bool = False):
    """Decorator: ``@register(Dense)`` makes the function the converter of ``Dense``.

    Args:
        classes: layer classes the converter handles.
        masks: whether the converter reads input masks (otherwise a masked input to a layer that uses masks
            is refused with a clear error instead of exporting a graph that ignores the mask).
    """

    def wrap(fn):
        for cls in classes:
            _CONVERTERS[cls] = (fn, masks)
        return fn

    return wrap


def lookup(layer):
    """``(converter, reads_masks)`` for ``layer``'s class or its nearest registered base, else ``None``."""
    for cls in type(layer).__mro__:
        if cls in _CONVERTERS:
            return _CONVERTERS[cls]
    return None


def unsupported(layer, reason: str) -> ExportError:
    """The error for a layer that cannot be exported, naming it and the reason."""
    return ExportError(f"ONNX export: layer '{layer.name}' ({type(layer).__name__}) cannot be exported: {reason}")


def registered_classes() -> list[type]:
    """Every layer class with a converter (for docs and tests)."""
    return sorted(_CONVERTERS, key=lambda c: c.__name__)
