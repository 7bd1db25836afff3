"""Shape ops: reshape, transpose, indexing. They move data; their backward moves it back."""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor
from ember.ops._convert import as_tensor


class Reshape(Function):
    def forward(self, a, shape):
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return g.reshape(self.shape)


class Transpose(Function):
    def forward(self, a, axes):
        self.axes = axes
        return a.transpose(axes)

    def backward(self, g):
        if self.axes is None:
            return g.transpose()
        inverse = [0] * len(self.axes)
        for i, ax in enumerate(self.axes):
            inverse[ax] = i
        return g.transpose(inverse)


class GetItem(Function):
    # Backward scatters with add.at so repeated indices accumulate (advanced indexing).
    def forward(self, a, index):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        return a[index]

    def backward(self, g):
        xp = backend.namespace(g)
        out = xp.zeros(self.shape, dtype=self.dtype)
        if _is_basic(self.index):
            out[self.index] = g
        else:
            xp.add.at(out, self.index, g)
        return out


def _is_basic(index) -> bool:
    """True for indices made of ints, slices, None and Ellipsis only (no repeated elements)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice)) or p is None or p is Ellipsis for p in parts)


def _unwrap_index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return backend.asarray(index)
    return index


def reshape(x, newshape) -> Tensor:
    """``x`` with shape ``newshape`` (one entry may be -1). Same elements, C order.

    Raises:
        ValueError: if the element counts differ.
    """
    x = as_tensor(x)
    if isinstance(newshape, int):
        newshape = (newshape,)
    try:
        return Reshape.apply(x, shape=tuple(newshape))
    except ValueError as exc:
        raise ValueError(f"reshape: cannot reshape tensor of shape {x.shape} into {tuple(newshape)}") from exc


def transpose(x, axes=None) -> Tensor:
    """Permute the axes of ``x`` (reverse them when ``axes`` is None)."""
    x = as_tensor(x)
    return Transpose.apply(x, axes=None if axes is None else tuple(int(a) % x.ndim for a in axes))


def getitem(x, index) -> Tensor:
    """``x[index]`` with NumPy basic or advanced indexing; backward scatters (adds) into place."""
    return GetItem.apply(as_tensor(x), index=_unwrap_index(index))
