"""Shape ops: they move elements without changing them, and their backward moves them back.

Primitives: :class:`Reshape`, :class:`Transpose`, :class:`BroadcastTo` and its dual
:class:`SumTo`, :class:`Pad`. ``expand_dims``, ``squeeze``, ``tile``, ``repeat`` and
``flip`` are composites of those (and of indexing), so they get their gradient,
and their double backward, for free.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor, unbroadcast
from ember.autograd.tensor import array_of
from ember.ops._convert import as_tensor, normalize_axis


class Reshape(Function):
    def forward(self, a, shape):
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return g.reshape(self.shape)

    def backward_graph(self, g):
        return Reshape.apply(g, shape=self.shape)


class Transpose(Function):
    def forward(self, a, axes):
        self.axes = axes
        return a.transpose(axes)

    def _inverse(self):
        if self.axes is None:
            return None
        inverse = [0] * len(self.axes)
        for i, ax in enumerate(self.axes):
            inverse[ax] = i
        return tuple(inverse)

    def backward(self, g):
        return g.transpose(self._inverse())

    def backward_graph(self, g):
        return Transpose.apply(g, axes=self._inverse())


class BroadcastTo(Function):
    def forward(self, a, shape):
        self.shape = a.shape
        return backend.namespace(a).broadcast_to(a, shape)

    def backward(self, g):
        return unbroadcast(g, self.shape)

    def backward_graph(self, g):
        return sum_to(g, self.shape)


class SumTo(Function):
    # The adjoint of broadcasting: what every binary op's backward does to its gradient.
    def forward(self, a, shape):
        self.shape = a.shape
        return unbroadcast(a, shape)

    def backward(self, g):
        return backend.namespace(g).broadcast_to(g, self.shape)

    def backward_graph(self, g):
        return BroadcastTo.apply(g, shape=self.shape)


class Pad(Function):
    def forward(self, a, pad_width, value):
        xp = backend.namespace(a)
        self.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, a.shape, strict=False))
        return xp.pad(a, pad_width, mode="constant", constant_values=value)

    def backward(self, g):
        return g[self.crop]

    def backward_graph(self, g):
        from ember.ops.indexing import getitem

        return getitem(g, self.crop)


# ---------------------------------------------------------------- public functions


def reshape(x, newshape) -> Tensor:
    """``x`` with shape ``newshape`` (one entry may be -1); same elements in C order.

    Args:
        x: tensor of any shape and dtype.
        newshape: int or tuple of ints with the same product as ``x.shape``.

    Returns:
        A tensor of shape ``newshape`` (a view when the backend can make one).

    Raises:
        ValueError: if the element counts differ, naming both shapes.

    Example:
        >>> import ember
        >>> ember.ops.reshape(ember.ops.arange(6), (2, 3)).shape
        (2, 3)
    """
    x = as_tensor(x)
    if isinstance(newshape, int):
        newshape = (newshape,)
    try:
        return Reshape.apply(x, shape=tuple(int(n) for n in newshape))
    except ValueError as exc:
        raise ValueError(f"reshape: cannot reshape tensor of shape {x.shape} into {tuple(newshape)}") from exc


def transpose(x, axes=None) -> Tensor:
    """Permute the axes of ``x``: output axis ``i`` is input axis ``axes[i]`` (reversed when None).

    Raises:
        ValueError: if ``axes`` is not a permutation of ``range(x.ndim)``.
    """
    x = as_tensor(x)
    if axes is None:
        return Transpose.apply(x, axes=None)
    axes = tuple(int(a) % max(x.ndim, 1) for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes must be a permutation of 0..{x.ndim - 1}. Received: axes={axes}")
    return Transpose.apply(x, axes=axes)


permute = transpose


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """``x`` with axes ``axis1`` and ``axis2`` exchanged (NumPy's ``swapaxes``)."""
    x = as_tensor(x)
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def moveaxis(x, source: int, destination: int) -> Tensor:
    """Move axis ``source`` to position ``destination``, keeping the others in order."""
    x = as_tensor(x)
    axes = list(range(x.ndim))
    axes.insert(destination % x.ndim, axes.pop(source % x.ndim))
    return transpose(x, axes)


def expand_dims(x, axis) -> Tensor:
    """Insert size-1 axes at ``axis`` (int or tuple, positions in the output).

    Example:
        >>> import ember
        >>> ember.ops.expand_dims(ember.ops.zeros((2, 3)), 1).shape
        (2, 1, 3)
    """
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim + (1 if isinstance(axis, int) else len(axis)))
    shape = list(x.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return reshape(x, shape)


def squeeze(x, axis=None) -> Tensor:
    """Remove size-1 axes (all of them, or those in ``axis``).

    Raises:
        ValueError: if an axis in ``axis`` does not have size 1.
    """
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim)
    if axes is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, not 1. Received: shape={x.shape}")
    return reshape(x, [n for i, n in enumerate(x.shape) if i not in axes])


def broadcast_to(x, shape) -> Tensor:
    """``x`` broadcast to ``shape`` (NumPy rules); backward sums back to ``x.shape``.

    Raises:
        ValueError: if ``x.shape`` does not broadcast to ``shape``.
    """
    x = as_tensor(x)
    shape = (int(shape),) if isinstance(shape, int) else tuple(int(n) for n in shape)
    if x.shape == shape:
        return x
    try:
        return BroadcastTo.apply(x, shape=shape)
    except ValueError as exc:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from exc


def sum_to(x, shape) -> Tensor:
    """Sum a broadcast tensor back down to ``shape`` (the adjoint of :func:`broadcast_to`)."""
    x = as_tensor(x)
    shape = tuple(shape)
    return x if x.shape == shape else SumTo.apply(x, shape=shape)


def pad(x, pad_width, mode: str = "constant", constant_values=0) -> Tensor:
    """Pad ``x`` with a constant: ``pad_width`` is ``((before, after),) * ndim`` as in ``numpy.pad``.

    Args:
        x: tensor of any shape.
        pad_width: int, ``(before, after)`` or one pair per axis, all non-negative.
        mode: only ``'constant'`` is supported. Defaults to ``'constant'``.
        constant_values: the fill value. Defaults to ``0``.

    Raises:
        ValueError: for another mode or negative widths.
    """
    x = as_tensor(x)
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported. Received: mode={mode!r}")
    if x.ndim == 0:
        return x
    xp = backend.namespace(array_of(x))
    widths = tuple((int(lo), int(hi)) for lo, hi in xp.broadcast_to(xp.asarray(pad_width), (x.ndim, 2)).tolist())
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError(f"pad: widths must be non-negative. Received: pad_width={pad_width}")
    return Pad.apply(x, pad_width=widths, value=constant_values)


def flip(x, axis=None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    from ember.ops.indexing import getitem

    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim)
    axes = range(x.ndim) if axes is None else axes
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim)))


def tile(x, repeats) -> Tensor:
    """Repeat the whole of ``x`` ``repeats[i]`` times along axis ``i`` (``numpy.tile``).

    Built as reshape → broadcast → reshape, so no copy is made before the last step.
    """
    x = as_tensor(x)
    reps = (int(repeats),) if isinstance(repeats, int) else tuple(int(r) for r in repeats)
    nd = max(len(reps), x.ndim)
    shape = (1,) * (nd - x.ndim) + x.shape
    reps = (1,) * (nd - len(reps)) + reps
    inter = [d for n in shape for d in (1, n)]
    target = [d for r, n in zip(reps, shape, strict=False) for d in (r, n)]
    out = broadcast_to(reshape(x, inter), target)
    return reshape(out, [r * n for r, n in zip(reps, shape, strict=False)])


def repeat(x, repeats, axis=None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (``numpy.repeat``; flattened when None).

    Args:
        x: tensor of any shape.
        repeats: int, or one int per element of that axis.
        axis: the axis. Defaults to ``None`` (flatten first).
    """
    from ember.ops.indexing import take

    x = as_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = normalize_axis(axis, x.ndim)[0]
    if isinstance(repeats, int):
        shape = list(x.shape)
        inter = shape[: axis + 1] + [1] + shape[axis + 1 :]
        target = shape[: axis + 1] + [repeats] + shape[axis + 1 :]
        shape[axis] *= repeats
        return reshape(broadcast_to(reshape(x, inter), target), shape)
    xp = backend.namespace(array_of(x))
    index = xp.repeat(xp.arange(x.shape[axis]), backend.to_numpy(xp.asarray(repeats)).tolist())
    return take(x, index, axis=axis)
