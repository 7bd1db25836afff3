"""Indexing and joining: getitem (with scatter-add backward), take, gather, concatenate, stack, split.

:class:`GetItem` and :class:`IndexAdd` are each other's adjoint: ``x[index]``
backwards is "add ``g`` into zeros at ``index``", and that backwards is ``g[index]``.
Repeated indices accumulate (``add.at``), as in NumPy's ``np.add.at``.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor
from ember.autograd.tensor import array_of
from ember.ops._convert import as_tensor, normalize_axis


def _is_basic(index) -> bool:
    """True for indices made of ints, slices, None and Ellipsis only (each element picked at most once)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice)) or p is None or p is Ellipsis for p in parts)


def _scatter_add(g, shape, index):
    xp = backend.namespace(g)
    out = xp.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        backend.scatter_add(out, index, g)
    return out


class GetItem(Function):
    def forward(self, a, index):
        self.shape, self.index = a.shape, index
        return a[index]

    def backward(self, g):
        return _scatter_add(g, self.shape, self.index)

    def backward_graph(self, g):
        return IndexAdd.apply(g, shape=self.shape, index=self.index)


class IndexAdd(Function):
    def forward(self, g, shape, index):
        self.index = index
        return _scatter_add(g, shape, index)

    def backward(self, g):
        return g[self.index]

    def backward_graph(self, g):
        return GetItem.apply(g, index=self.index)


class Take(Function):
    # ``x[..., idx, ...]`` with the indices as a tensor input (not a keyword), so that graph mode
    # replays it with each batch's indices (an Embedding's token ids).
    def forward(self, a, idx, axis):
        self.shape, self.index = a.shape, (slice(None),) * axis + (idx,)
        return a[self.index]

    def backward(self, g):
        return _scatter_add(g, self.shape, self.index), None

    def backward_graph(self, g):
        return IndexAdd.apply(g, shape=self.shape, index=self.index), None


class Concatenate(Function):
    def forward(self, *arrays, axis):
        xp = backend.namespace(arrays[0])
        self.axis = axis
        self.bounds = [0]
        for a in arrays:
            self.bounds.append(self.bounds[-1] + a.shape[axis])
        return xp.concatenate(arrays, axis=axis)

    def _slices(self, ndim):
        lead = (slice(None),) * self.axis
        return [lead + (slice(lo, hi),) for lo, hi in zip(self.bounds[:-1], self.bounds[1:], strict=False)]

    def backward(self, g):
        return tuple(g[s] for s in self._slices(g.ndim))

    def backward_graph(self, g):
        return tuple(GetItem.apply(g, index=s) for s in self._slices(g.ndim))


def _unwrap_index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(_unwrap_index(i) if isinstance(i, (Tensor, list)) else i for i in index)
    if isinstance(index, list):
        return backend.asarray(index)
    return index


def getitem(x, index) -> Tensor:
    """``x[index]`` with NumPy basic (slices, ints, None, ...) or advanced (int/bool arrays) indexing.

    The backward scatters ``g`` into zeros of ``x``'s shape; repeated indices accumulate.

    Raises:
        IndexError: for out-of-range indices (NumPy's error).

    Example:
        >>> import ember
        >>> x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> x[[0, 0, 2]].sum().backward()
        >>> x.grad.numpy().tolist()
        [2.0, 0.0, 1.0]
    """
    return GetItem.apply(as_tensor(x), index=_unwrap_index(index))


def take(x, indices, axis=None) -> Tensor:
    """Elements of ``x`` at integer ``indices`` along ``axis`` (``numpy.take``; flattened when None).

    Args:
        x: tensor ``(..., n, ...)``.
        indices: int array/tensor of any shape, values in ``[-n, n)``.
        axis: the axis to index. Defaults to ``None``.

    Returns:
        ``x.shape[:axis] + indices.shape + x.shape[axis+1:]``.
    """
    from ember.ops.shape import reshape

    x = as_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = normalize_axis(axis, x.ndim)[0]
    if isinstance(indices, Tensor):
        if indices.dtype.kind not in "iu":
            raise TypeError(f"take: indices must be integers. Received: dtype={indices.dtype}")
        return Take.apply(x, indices, axis=axis)
    idx = backend.namespace(array_of(x)).asarray(_unwrap_index(indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"take: indices must be integers. Received: dtype={idx.dtype}")
    return GetItem.apply(x, index=(slice(None),) * axis + (idx,))


def take_along_axis(x, indices, axis: int) -> Tensor:
    """``numpy.take_along_axis``: pick ``x[..., indices[..., j, ...], ...]`` along ``axis`` (gather).

    ``indices`` has ``x``'s rank and broadcasts against it on the other axes.
    """
    x = as_tensor(x)
    axis = normalize_axis(axis, x.ndim)[0]
    xp = backend.namespace(array_of(x))
    idx = xp.asarray(_unwrap_index(indices))
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices must have rank {x.ndim}. Received: shape={idx.shape}")
    shape = [1] * x.ndim
    index = []
    for ax in range(x.ndim):
        if ax == axis:
            index.append(idx)
        else:
            shape_ax = list(shape)
            shape_ax[ax] = x.shape[ax]
            index.append(xp.arange(x.shape[ax]).reshape(shape_ax))
    return GetItem.apply(x, index=tuple(index))


gather = take_along_axis


def one_hot(x, num_classes: int, axis: int = -1, dtype=None) -> Tensor:
    """One-hot encode integer ``x``: a new axis of size ``num_classes`` (no gradient).

    Out-of-range labels (``< 0`` or ``>= num_classes``) give all-zero rows, as in Keras.

    Args:
        x: int tensor of any shape.
        num_classes: the number of classes.
        axis: where the class axis goes. Defaults to ``-1``.
        dtype: result dtype. Defaults to ``ember.config.floatx()``.
    """
    xp = backend.namespace(x.data if isinstance(x, Tensor) else x)
    lab = xp.asarray(_unwrap_index(x))
    out = (lab[..., None] == xp.arange(num_classes)).astype(dtype or backend.floatx())
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return Tensor._wrap(out)


def concatenate(xs, axis: int = 0) -> Tensor:
    """Join tensors along an existing ``axis``.

    Raises:
        ValueError: if ranks differ or shapes differ off ``axis``, naming the op, the axis and the shapes.
    """
    xs = [as_tensor(t) for t in xs]
    if not xs:
        raise ValueError("concatenate: expected at least one tensor. Received: []")
    axis = normalize_axis(axis, xs[0].ndim)[0]
    ref = xs[0].shape
    for t in xs[1:]:
        if t.ndim != len(ref) or any(a != b for i, (a, b) in enumerate(zip(t.shape, ref, strict=False)) if i != axis):
            raise ValueError(
                f"concatenate: all shapes must match except on axis {axis}. Received: shapes {[t.shape for t in xs]}"
            )
    return Concatenate.apply(*xs, axis=axis)


def stack(xs, axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new ``axis``.

    Raises:
        ValueError: if the shapes differ, naming them.
    """
    from ember.ops.shape import expand_dims

    xs = [as_tensor(t) for t in xs]
    if len({t.shape for t in xs}) > 1:
        raise ValueError(f"stack: all tensors must have the same shape. Received: shapes {[t.shape for t in xs]}")
    return concatenate([expand_dims(t, axis) for t in xs], axis=axis)


def split(x, indices_or_sections, axis: int = 0) -> list[Tensor]:
    """Split ``x`` along ``axis`` into equal sections (int) or at the given indices (``numpy.split``).

    Raises:
        ValueError: if an int number of sections does not divide the axis.
    """
    x = as_tensor(x)
    axis = normalize_axis(axis, x.ndim)[0]
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0 or n % indices_or_sections:
            raise ValueError(
                f"split: {indices_or_sections} sections do not divide axis {axis} of size {n}. "
                f"Received: shape={x.shape}"
            )
        step = n // indices_or_sections
        cuts = list(range(step, n, step))
    else:
        cuts = [int(i) for i in indices_or_sections]
    bounds = [0, *cuts, n]
    lead = (slice(None),) * axis
    return [getitem(x, lead + (slice(lo, hi),)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=False)]
