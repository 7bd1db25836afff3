"""InputSpec: what a built layer accepts (rank and fixed axes), checked at every call."""

from __future__ import annotations


class InputSpec:
    """Constraints on a layer's input.

    Args:
        ndim: exact rank (batch axis included), or ``None``.
        min_ndim: minimum rank, or ``None``.
        axes: ``{axis: size}`` for axes whose size is fixed, e.g. ``{-1: 64}``.
    """

    def __init__(self, ndim: int | None = None, min_ndim: int | None = None, axes: dict | None = None):
        self.ndim, self.min_ndim, self.axes = ndim, min_ndim, dict(axes or {})


def _without_batch(shape) -> tuple:
    return tuple(shape[1:])


def check_input(layer, inputs) -> None:
    """Raise ``ValueError`` naming the layer, the expected and the received shape.

    Shapes in messages omit the batch axis, as the layer is defined on one sample.
    """
    spec = layer.input_spec
    shape = getattr(inputs, "shape", None)
    if shape is None:
        return
    ndim, min_ndim, n = spec.ndim, spec.min_ndim, len(shape)
    if (ndim is None or n == ndim) and (min_ndim is None or n >= min_ndim):
        for axis, size in spec.axes.items():
            if size is not None and shape[axis] != size:
                break
        else:
            return  # the common case, before any message is built (hot path: every layer call)
    shape, kind = tuple(shape), type(layer).__name__
    if spec.ndim is not None and len(shape) != spec.ndim:
        raise ValueError(
            f"{kind} '{layer.name}' expects input of rank {spec.ndim} (batch axis included), i.e. "
            f"{spec.ndim - 1} axes per sample. Received: input shape {shape} (per sample {_without_batch(shape)})"
        )
    if spec.min_ndim is not None and len(shape) < spec.min_ndim:
        raise ValueError(
            f"{kind} '{layer.name}' expects input of rank >= {spec.min_ndim} (batch axis included), i.e. "
            f">= {spec.min_ndim - 1} axes per sample. Received: input shape {shape} "
            f"(per sample {_without_batch(shape)})"
        )
    for axis, size in spec.axes.items():
        if size is not None and shape[axis] != size:
            raise ValueError(
                f"{kind} '{layer.name}' expects input with axis {axis} of size {size}, i.e. shape "
                f"(..., {size}) per sample, as it was built for. Received: input shape {shape} "
                f"(per sample {_without_batch(shape)})"
            )
