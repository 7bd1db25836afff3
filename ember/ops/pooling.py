"""Pooling, channels-last: max/average over windows, global pooling, nearest upsampling.

Windows are read as ``prod(pool_size)`` strided slices of the padded input, one
per window tap (see :mod:`ember.ops.conv`): the loops run over the taps of one
window (4 for 2x2), never over pixels. Measured faster than reshaping tiled windows and
reducing (2x2 max on [64, 26, 26, 32] float32: 1.5 ms vs 5.1 ms for ``reshape(...).max(axis=(2, 4))``),
and it also serves overlapping windows and 'same' padding. Max pooling's backward routes each
window's gradient to its first maximal element (PyTorch's and TensorFlow's rule).
Hand-written backward: one node per pooling call, for speed. Double backward: the
backward is linear in the upstream gradient (the route is fixed by the input, whose
effect on it has derivative 0), so it is an op (:class:`PoolBackward`) with its own adjoint.
"""

from __future__ import annotations

import functools

from ember import backend
from ember.autograd import Function, Tensor
from ember.ops._convert import as_tensor
from ember.ops.conv import _from_channels_last, _to_channels_last, _tuple, crop_spatial, geometry, pad_spatial


class MaxPool(Function):
    def forward(self, x, geo):
        xp = backend.namespace(x)
        fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        self.xpad, self.geo = pad_spatial(xp, x, geo.pads, fill), geo
        taps = geo.tap_slices()
        out = self.xpad[next(taps)].copy()
        for idx in taps:
            xp.maximum(out, self.xpad[idx], out=out)
        self.out, self.hits = out, None
        return out

    def weights(self):
        """Per tap, where that tap is its window's first maximum (the gradient's route)."""
        if self.hits is None:
            taken = backend.namespace(self.out).zeros(self.out.shape, dtype=bool)
            self.hits = []
            for idx in self.geo.tap_slices():
                hit = self.xpad[idx] == self.out
                hit &= ~taken
                taken |= hit
                self.hits.append(hit)
        return self.hits

    def backward(self, g):
        xp = backend.namespace(g)
        gx = xp.zeros(self.xpad.shape, dtype=g.dtype)
        for idx, hit in zip(self.geo.tap_slices(), self.weights(), strict=True):
            gx[idx] += g * hit
        return crop_spatial(gx, self.geo.pads)

    def adjoint(self, h):
        """The adjoint of :meth:`backward` (linear in ``h``): each window's value at its first maximum."""
        hpad = pad_spatial(backend.namespace(h), h, self.geo.pads)
        return sum(hpad[idx] * hit for idx, hit in zip(self.geo.tap_slices(), self.weights(), strict=True))

    def backward_graph(self, g):
        return PoolBackward.apply(g, pool=self)


class AvgPool(Function):
    # Padding is excluded from the average ('same' borders divide by the valid count), as in Keras/TF.
    def forward(self, x, geo):
        xp = backend.namespace(x)
        xpad = pad_spatial(xp, x, geo.pads)
        self.geo, self.pad_shape = geo, xpad.shape
        if any(lo or hi for lo, hi in geo.pads):
            ones = pad_spatial(xp, xp.ones((1, *x.shape[1:-1], 1), dtype=x.dtype), geo.pads)
            self.count = sum(ones[idx] for idx in geo.tap_slices())
        else:
            self.count = x.dtype.type(len(list(geo.tap_slices())))
        return self._window_sum(xpad) / self.count

    def _window_sum(self, xpad):
        taps = self.geo.tap_slices()
        total = xpad[next(taps)].copy()
        for idx in taps:
            total += xpad[idx]
        return total

    def backward(self, g):
        xp = backend.namespace(g)
        share = g / self.count
        gx = xp.zeros(self.pad_shape, dtype=g.dtype)
        for idx in self.geo.tap_slices():
            gx[idx] += share
        return crop_spatial(gx, self.geo.pads)

    def adjoint(self, h):
        """The adjoint of :meth:`backward`, which is the forward average itself (it is linear)."""
        return self._window_sum(pad_spatial(backend.namespace(h), h, self.geo.pads)) / self.count

    def backward_graph(self, g):
        return PoolBackward.apply(g, pool=self)


class PoolBackward(Function):
    # A pooling node's backward as an op of g (linear, the routing fixed by the forward input),
    # so that pooling has a double backward; PoolAdjoint is its adjoint and vice versa.
    def forward(self, g, pool):
        self.pool = pool
        return pool.backward(g)

    def backward(self, h):
        return self.pool.adjoint(h)

    def backward_graph(self, h):
        return PoolAdjoint.apply(h, pool=self.pool)


class PoolAdjoint(Function):
    def forward(self, h, pool):
        self.pool = pool
        return pool.adjoint(h)

    def backward(self, g):
        return self.pool.backward(g)

    def backward_graph(self, g):
        return PoolBackward.apply(g, pool=self.pool)


def _pool(fn, name, inputs, pool_size, strides, padding, data_format):
    x = as_tensor(inputs)
    rank = x.ndim - 2
    if rank < 1:
        raise ValueError(f"{name}: expected inputs (batch, *spatial, channels). Received: shape {x.shape}")
    x = _to_channels_last(x, data_format, rank)
    try:  # computed once per (shape, arguments), as the conv's (W6 CNN batch 1: ~10 us per pooling call)
        geo = _pool_geometry(x.shape, pool_size, strides, padding, name)
    except TypeError as e:  # unhashable arguments (e.g. lists): compute it uncached
        if "unhashable" not in str(e):
            raise
        geo = _pool_geometry.__wrapped__(x.shape, pool_size, strides, padding, name)
    return _from_channels_last(fn.apply(x, geo=geo), data_format, rank)


@functools.lru_cache(maxsize=256)
def _pool_geometry(x_shape, pool_size, strides, padding, name):
    rank = len(x_shape) - 2
    size = _tuple(pool_size, rank, "pool_size", name)
    strides = size if strides is None else _tuple(strides, rank, "strides", name)
    return geometry(x_shape[1:-1], size, strides, padding, (1,) * rank, name, x_shape)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None) -> Tensor:
    """Max pooling over windows (``keras.ops.max_pool``).

    ``out[b, i, c] = max_{t in window} x_pad[b, i * stride + t, c]``; ``'same'`` pads with ``-inf``.

    Args:
        inputs: ``(batch, *spatial, channels)`` (1-D, 2-D or 3-D spatial).
        pool_size: int or one per spatial axis.
        strides: int or per axis. Defaults to ``None`` (= ``pool_size``).
        padding: ``'valid'`` or ``'same'``. Defaults to ``'valid'``.
        data_format: Defaults to ``None`` (channels last).

    Returns:
        ``(batch, *out_spatial, channels)``; the gradient goes to the first maximum of each window.

    Raises:
        ValueError: for a window larger than the input with ``'valid'``, non-positive sizes or strides.

    Example:
        >>> import ember
        >>> ember.ops.max_pool(ember.ops.ones((1, 4, 4, 2)), 2).shape
        (1, 2, 2, 2)
    """
    return _pool(MaxPool, "max_pool", inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None) -> Tensor:
    """Average pooling over windows (``keras.ops.average_pool``); arguments as :func:`max_pool`.

    With ``'same'`` padding the border windows average their valid elements only (Keras/TF rule).
    """
    return _pool(AvgPool, "average_pool", inputs, pool_size, strides, padding, data_format)


def max_pool1d(inputs, pool_size=2, strides=None, padding="valid", data_format=None) -> Tensor:
    """1-D :func:`max_pool` on ``(batch, steps, channels)``."""
    return max_pool(inputs, pool_size, strides, padding, data_format)


def max_pool2d(inputs, pool_size=2, strides=None, padding="valid", data_format=None) -> Tensor:
    """2-D :func:`max_pool` on ``(batch, height, width, channels)``."""
    return max_pool(inputs, pool_size, strides, padding, data_format)


def average_pool1d(inputs, pool_size=2, strides=None, padding="valid", data_format=None) -> Tensor:
    """1-D :func:`average_pool` on ``(batch, steps, channels)``."""
    return average_pool(inputs, pool_size, strides, padding, data_format)


def average_pool2d(inputs, pool_size=2, strides=None, padding="valid", data_format=None) -> Tensor:
    """2-D :func:`average_pool` on ``(batch, height, width, channels)``."""
    return average_pool(inputs, pool_size, strides, padding, data_format)


def _spatial_axes(x, data_format):
    return tuple(range(1, x.ndim - 1)) if data_format in (None, "channels_last") else tuple(range(2, x.ndim))


def global_average_pool(inputs, data_format=None, keepdims: bool = False) -> Tensor:
    """Mean over all spatial axes: ``(batch, *spatial, channels) -> (batch, channels)``."""
    from ember.ops.reduction import mean

    x = as_tensor(inputs)
    return mean(x, axis=_spatial_axes(x, data_format), keepdims=keepdims)


def global_max_pool(inputs, data_format=None, keepdims: bool = False) -> Tensor:
    """Max over all spatial axes: ``(batch, *spatial, channels) -> (batch, channels)``; ties share the gradient."""
    from ember.ops.reduction import max

    x = as_tensor(inputs)
    return max(x, axis=_spatial_axes(x, data_format), keepdims=keepdims)


def upsampling(inputs, size=2, data_format=None) -> Tensor:
    """Nearest-neighbour upsampling: repeat each spatial element ``size`` times per axis (Keras ``UpSampling*D``).

    Args:
        inputs: ``(batch, *spatial, channels)``.
        size: int or one factor per spatial axis. Defaults to ``2``.

    Returns:
        ``(batch, *(n * size), channels)``; the gradient sums each block back.
    """
    from ember.ops.shape import repeat

    x = as_tensor(inputs)
    rank = x.ndim - 2
    x = _to_channels_last(x, data_format, rank)
    for axis, factor in enumerate(_tuple(size, rank, "size", "upsampling"), start=1):
        if factor != 1:
            x = repeat(x, factor, axis=axis)
    return _from_channels_last(x, data_format, rank)
