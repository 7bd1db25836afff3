"""Convolutions, channels-last, Keras layouts: ``conv``, ``depthwise_conv``, ``conv_transpose``.

Inputs are ``(batch, *spatial, channels)``; kernels ``(*kernel_size, in_channels // groups,
out_channels)`` (transpose: ``(*kernel_size, out_channels, in_channels)``), as Keras 3.
One code path serves 1-D, 2-D and 3-D.

Algorithm (im2col + one GEMM): every window of the padded input is copied out of a
strided view (``as_strided``, NumPy and CuPy alike) into a ``(positions, taps * channels)``
matrix and multiplied by the kernel reshaped to ``(taps * channels, out_channels)``.
The backward is two GEMMs and "col2im": the column gradient added back tap by tap
(a loop over the kernel's taps, never over pixels). Hand-written backward: one node
instead of a chain of slicing nodes, for speed (see benchmarks/bench_conv.py).
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import NamedTuple

from ember import backend
from ember.autograd import Function, Tensor, grad_mode
from ember.ops._convert import as_tensor
from ember.ops.conv_depthwise import depthwise_taps
from ember.ops.conv_gemm import chunked_conv_gemm, tap_major_columns, use_chunks


class Geometry(NamedTuple):
    """Where each kernel tap reads: kernel size, strides, dilation, output size, (before, after) padding."""

    kernel: tuple
    strides: tuple
    dilation: tuple
    out: tuple
    pads: tuple

    def tap_slices(self):
        """One index per kernel tap selecting its ``(batch, *out, channels)`` view of the padded input (an iterator;
        the indices are computed once per geometry and cached)."""
        return iter(_tap_slices(self))


@functools.lru_cache(maxsize=256)
def _tap_slices(geo: Geometry) -> tuple:
    return tuple(
        (slice(None),)
        + tuple(
            slice(t * d, t * d + s * (o - 1) + 1, s)
            for t, d, s, o in zip(tap, geo.dilation, geo.strides, geo.out, strict=False)
        )
        + (slice(None),)
        for tap in itertools.product(*[range(k) for k in geo.kernel])
    )


def _tuple(value, n: int, name: str, op: str) -> tuple:
    t = (int(value),) * n if isinstance(value, int) else tuple(int(v) for v in value)
    if len(t) != n or any(v <= 0 for v in t):
        raise ValueError(f"{op}: {name} must be {n} positive int(s). Received: {name}={value!r}")
    return t


def geometry(in_spatial, kernel, strides, padding, dilation, op: str, in_shape=None) -> Geometry:
    """Output size and padding of a convolution/pooling window, TensorFlow/Keras ``'valid'``/``'same'`` rules.

    ``'same'`` gives ``ceil(n / stride)`` outputs and puts the odd padding element after.

    Raises:
        ValueError: for an unknown padding or a (dilated) window larger than the padded input.
    """
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'. Received: padding={padding!r}")
    outs, pads = [], []
    for n, k, s, d in zip(in_spatial, kernel, strides, dilation, strict=False):
        dk = (k - 1) * d + 1
        if padding == "valid":
            if n < dk:
                raise ValueError(
                    f"{op}: the (dilated) window {tuple(kernel)} is larger than the input with 'valid' padding. "
                    f"Received: input shape {in_shape}, window {dk} on an axis of size {n}"
                )
            outs.append((n - dk) // s + 1)
            pads.append((0, 0))
        else:
            out = -(-n // s)
            total = max((out - 1) * s + dk - n, 0)
            outs.append(out)
            pads.append((total // 2, total - total // 2))
    return Geometry(tuple(kernel), tuple(strides), tuple(dilation), tuple(outs), tuple(pads))


def pad_spatial(xp, x, pads, value=0):
    """Pad the spatial axes of a channels-last array (a no-op without padding)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    return xp.pad(x, ((0, 0), *pads, (0, 0)), mode="constant", constant_values=value)


def im2col(x, geo: Geometry):
    """Every window of the (already padded) channels-last ``x`` as a C-contiguous ``(positions, taps * channels)``
    matrix.

    Rows are ``(batch, *out)`` positions in C order, columns ``(*kernel, channels)``, matching a
    kernel reshaped to ``(taps * channels, out)``. Built from a strided view (one copy, whose inner
    loop NumPy runs over contiguous ``kernel_w * channels`` runs); with one channel those runs are
    too short and copying the taps' slices is 2x faster. NOTE: the result must not be a transposed
    view: multi-threaded OpenBLAS on a transposed (43264, 9) operand measured 30x slower on a busy machine.
    """
    xp = backend.namespace(x)
    taps = math.prod(geo.kernel)
    if x.shape[-1] == 1:  # each tap's slice into its column of a preallocated array (2.5 us less at W6 b1)
        cols = xp.empty((x.shape[0], *geo.out, taps), dtype=x.dtype)
        for t, idx in enumerate(geo.tap_slices()):
            cols[..., t] = x[idx][..., 0]
        return cols.reshape(-1, taps)
    s = x.strides
    view = xp.lib.stride_tricks.as_strided(
        x,
        shape=(x.shape[0], *geo.out, *geo.kernel, x.shape[-1]),
        strides=(
            s[0],
            *(si * st for si, st in zip(s[1:-1], geo.strides, strict=False)),
            *(si * d for si, d in zip(s[1:-1], geo.dilation, strict=False)),
            s[-1],
        ),
    )
    return view.reshape(x.shape[0] * math.prod(geo.out), taps * x.shape[-1])  # explicit rows: channels may be 0


def col2im(cols, padded_shape, geo: Geometry):
    """Adjoint of :func:`im2col`: add each tap's columns back where they were read from.

    ``cols`` is tap-major, ``(taps, batch, *out, channels)``: each tap's block is contiguous,
    which makes the strided adds about 2.5x faster than reading them out of a position-major matrix.
    """
    xp = backend.namespace(cols)
    out = xp.zeros(padded_shape, dtype=cols.dtype)
    for t, idx in enumerate(geo.tap_slices()):
        out[idx] += cols[t]
    return out


def crop_spatial(x, pads):
    return x[(slice(None),) + tuple(slice(lo, x.shape[i + 1] - hi) for i, (lo, hi) in enumerate(pads)) + (slice(None),)]


def _grouped(w2, groups):
    """Kernel ``(taps * cg, out)`` as ``(groups, taps * cg, out // groups)`` batched matrices."""
    taps_cg, out = w2.shape
    return w2.reshape(taps_cg, groups, out // groups).transpose(1, 0, 2)


class Conv(Function):
    # Hand-written backward (im2col): see the module docstring.
    def forward(self, x, w, geo, groups):
        xp = backend.namespace(x)
        n, c, g = x.shape[0], x.shape[-1], groups
        xpad = pad_spatial(xp, x, geo.pads)
        w = backend.contiguous(w)  # strided kernels would change BLAS's summation order (A7)
        self.geo, self.groups, self.x_shape, self.pad_shape, self.w = geo, g, x.shape, xpad.shape, w
        if g > 1 and g == c:  # depthwise: the columns are built only if backward needs them
            self.cols, self.xpad = None, xpad
            return depthwise_taps(xpad, w, geo)
        w2 = w.reshape(math.prod(w.shape[:-1]), w.shape[-1])  # explicit rows: out_channels may be 0
        if g == 1 and not (grad_mode._STATE["enabled"] and True in self.needs_grad) and use_chunks(xpad, geo):
            self.cols, self.xpad = None, xpad  # nothing reads the columns: cache-sized chunks (conv_gemm.py)
            return chunked_conv_gemm(xpad, w2, geo, im2col).reshape((n, *geo.out, w.shape[-1]))
        self.cols = self._columns(xpad)
        if g == 1:
            out = self.cols @ w2
        else:  # (groups, m, taps * cg) @ (groups, taps * cg, out / groups)
            out = (self.cols @ _grouped(w2, g)).transpose(1, 0, 2)
        return out.reshape((n, *geo.out, w.shape[-1]))

    def _columns(self, xpad):
        """im2col of the padded input; for groups, as ``(groups, m, taps * cg)`` batched matrices."""
        cols = im2col(backend.contiguous(xpad), self.geo)  # (m, taps * c)
        g, c = self.groups, xpad.shape[-1]
        if g == 1:
            return cols
        m, taps = cols.shape[0], math.prod(self.geo.kernel)
        return cols.reshape(m, taps, g, c // g).transpose(2, 0, 1, 3).reshape(g, m, taps * c // g)

    def backward(self, g):
        if self.cols is None:  # the depthwise or chunked forward kept no columns
            self.cols, self.xpad = self._columns(self.xpad), None
        w, geo, groups = self.w, self.geo, self.groups
        o = w.shape[-1]
        # NOTE: g is often a zero-stride broadcast (from sum/mean): NumPy's matmul would take its slow
        # non-BLAS loop on it (measured 10x slower), so copy it once.
        g2 = backend.contiguous(g).reshape(math.prod(g.shape[:-1]), o)  # explicit sizes: any of them may be 0
        w2 = w.reshape(math.prod(w.shape[:-1]), o)
        gx = gw = None
        if groups == 1:
            if self.needs_grad[1]:
                gw = backend.matmul_tn(self.cols, g2).reshape(w.shape)
            if self.needs_grad[0]:
                dcols = tap_major_columns(g2, w2, math.prod(geo.kernel), g.shape[:-1])
        else:
            gg = g2.reshape(g2.shape[0], groups, o // groups).transpose(1, 0, 2)  # (groups, m, o / groups)
            if self.needs_grad[1]:
                gw_g = self.cols.transpose(0, 2, 1) @ gg  # (groups, taps * cg, o / groups)
                gw = gw_g.transpose(1, 0, 2).reshape(w.shape)
            if self.needs_grad[0]:
                dc = gg @ _grouped(w2, groups).transpose(0, 2, 1)  # (groups, m, taps * cg)
                taps, cg = math.prod(geo.kernel), w.shape[-2]
                dcols = dc.reshape(groups, dc.shape[1], taps, cg).transpose(2, 1, 0, 3)  # (taps, m, groups, cg)
                dcols = dcols.reshape((taps, *g.shape[:-1], groups * cg))
        if self.needs_grad[0]:
            gx = crop_spatial(col2im(dcols, self.pad_shape, geo), geo.pads)
        return gx, gw

    def backward_graph(self, g):
        # Conv is bilinear: its input gradient is a transposed conv of g, its kernel gradient
        # a ConvKernelGrad of (x, g); both are ops with their own backward.
        if self.groups != 1:
            raise NotImplementedError("Double backward of op Conv is implemented for groups == 1 only.")
        from ember.ops.conv_transpose import ConvTranspose

        x, w = self.parents
        crop = input_crop(self.geo, self.x_shape)
        gx = ConvTranspose.apply(g, w, geo=self.geo, full_shape=self.pad_shape, crop=crop)
        gw = ConvKernelGrad.apply(x, g, geo=self.geo, kernel_shape=w.shape)
        return gx, gw


def input_crop(geo: Geometry, x_shape) -> tuple:
    """``(offset, length)`` per spatial axis that cuts the unpadded input out of the padded one."""
    return tuple((lo, n) for (lo, _), n in zip(geo.pads, x_shape[1:-1], strict=True))


class ConvKernelGrad(Function):
    # gw = im2col(x)^T @ g, Conv's kernel gradient as an op of (x, g), so that Conv has a double
    # backward. Bilinear: d/dx is a transposed conv of g with h, d/dg the conv of x with h.
    def forward(self, x, g, geo, kernel_shape):
        xp = backend.namespace(x)
        self.geo, self.x_shape, self.g_shape = geo, x.shape, g.shape
        xpad = pad_spatial(xp, x, geo.pads)
        self.pad_shape, self.x, self.g = xpad.shape, x, backend.contiguous(g)
        self.cols = im2col(backend.contiguous(xpad), geo)
        return backend.matmul_tn(self.cols, self.g.reshape(-1, g.shape[-1])).reshape(kernel_shape)

    def backward(self, h):
        h2 = backend.contiguous(h).reshape(-1, h.shape[-1])
        gx = gg = None
        if self.needs_grad[0]:
            dcols = tap_major_columns(
                self.g.reshape(-1, h.shape[-1]), h2, math.prod(self.geo.kernel), self.g_shape[:-1]
            )
            gx = crop_spatial(col2im(dcols, self.pad_shape, self.geo), self.geo.pads)
        if self.needs_grad[1]:
            gg = (self.cols @ h2).reshape(self.g_shape)
        return gx, gg

    def backward_graph(self, h):
        from ember.ops.conv_transpose import ConvTranspose

        x, g = self.parents
        crop = input_crop(self.geo, self.x_shape)
        gx = ConvTranspose.apply(g, h, geo=self.geo, full_shape=self.pad_shape, crop=crop)
        return gx, Conv.apply(x, h, geo=self.geo, groups=1)


# ---------------------------------------------------------------- public functions


def _to_channels_last(x, data_format, rank):
    from ember.ops.shape import transpose

    if data_format in (None, "channels_last"):
        return x
    if data_format != "channels_first":
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'. Received: {data_format!r}")
    return transpose(x, (0, *range(2, rank + 2), 1))


def _from_channels_last(y, data_format, rank):
    from ember.ops.shape import transpose

    return y if data_format in (None, "channels_last") else transpose(y, (0, rank + 1, *range(1, rank + 1)))


def _check_ranks(x, w, op):
    if x.ndim < 3 or x.ndim != w.ndim:
        raise ValueError(
            f"{op}: expected inputs (batch, *spatial, channels) and a kernel (*kernel_size, in, out) of the same "
            f"rank >= 3. Received: inputs shape {x.shape}, kernel shape {w.shape}"
        )
    if x.dtype.kind != "f" or w.dtype.kind != "f":
        raise TypeError(f"{op}: inputs and kernel must be floating point. Received: {x.dtype} and {w.dtype}")
    if 0 in w.shape[:-2]:
        raise ValueError(f"{op}: expected a kernel size >= 1 in every spatial dim. Received: kernel shape {w.shape}")


@functools.lru_cache(maxsize=256)
def _conv_geometry(x_shape, w_shape, strides, padding, dilation_rate) -> Geometry:
    rank = len(x_shape) - 2
    return geometry(
        x_shape[1:-1],
        w_shape[:-2],
        _tuple(strides, rank, "strides", "conv"),
        padding,
        _tuple(dilation_rate, rank, "dilation_rate", "conv"),
        "conv",
        x_shape,
    )


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=None) -> Tensor:
    """N-D convolution (cross-correlation, as in every DL framework), ``keras.ops.conv``.

    ``out[b, i, o] = sum_{t, c} x_pad[b, i * stride + t * dilation, c] * kernel[t, c, o]``,
    within each group of channels.

    Args:
        inputs: ``(batch, *spatial, in_channels)`` float tensor (``channels_first``: channels second).
        kernel: ``(*kernel_size, in_channels // groups, out_channels)``.
        strides: int or one per spatial axis, ``> 0``. Defaults to ``1``.
        padding: ``'valid'`` (no padding) or ``'same'`` (output ``ceil(n / stride)``). Defaults to ``'valid'``.
        data_format: ``'channels_last'`` or ``'channels_first'``. Defaults to ``None`` (channels last).
        dilation_rate: int or one per spatial axis, ``> 0``. Defaults to ``1``.
        groups: channel groups; ``in_channels`` must equal ``groups * kernel.shape[-2]`` and
            ``out_channels`` be divisible by it. Defaults to ``None``: inferred as
            ``in_channels // kernel.shape[-2]`` (Keras's rule). ``groups == in_channels`` is a depthwise conv.

    Returns:
        ``(batch, *out_spatial, out_channels)`` in the inputs' dtype.

    Raises:
        ValueError: naming the op and both shapes, for mismatched ranks or channels, groups not dividing
            the channels, strides or dilation ``<= 0``, or a kernel larger than the padded input.
        TypeError: for integer inputs.

    Example:
        >>> import ember
        >>> x, k = ember.ops.ones((2, 5, 5, 3)), ember.ops.ones((3, 3, 3, 4))
        >>> ember.ops.conv(x, k).shape
        (2, 3, 3, 4)
    """
    x, w, geo, g, rank = conv_arguments(inputs, kernel, strides, padding, data_format, dilation_rate, groups)
    return _from_channels_last(Conv.apply(x, w, geo=geo, groups=g), data_format, rank)


def conv_arguments(inputs, kernel, strides, padding, data_format, dilation_rate, groups):
    """:func:`conv`'s checked arguments: ``(inputs channels-last, kernel, Geometry, groups, rank)``."""
    x, w = as_tensor(inputs), as_tensor(kernel)
    rank = x.ndim - 2
    x = _to_channels_last(x, data_format, rank)
    _check_ranks(x, w, "conv")
    c, cg, o = x.shape[-1], w.shape[-2], w.shape[-1]
    g = (c // cg if cg and c % cg == 0 else 0) if groups is None else int(groups)
    if g <= 0 or c != g * cg or o % g:
        raise ValueError(
            f"conv: channels do not match: inputs have {c} channels, the kernel expects {cg} per group with "
            f"groups={groups if groups is not None else 'inferred'}, and {o} output channels must divide into the "
            f"groups. Received: inputs shape {x.shape}, kernel shape {w.shape}"
        )
    try:  # the geometry depends only on these (hashable) arguments: computed once per shape (issue 6)
        geo = _conv_geometry(x.shape, w.shape, strides, padding, dilation_rate)
    except TypeError as e:  # unhashable arguments (e.g. lists): compute it uncached
        if "unhashable" not in str(e):
            raise
        geo = _conv_geometry.__wrapped__(x.shape, w.shape, strides, padding, dilation_rate)
    return x, w, geo, g, rank


def conv1d(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=None) -> Tensor:
    """1-D :func:`conv`: inputs ``(batch, steps, channels)``, kernel ``(k, in // groups, out)``."""
    if as_tensor(inputs).ndim != 3:
        raise ValueError(f"conv1d: expected 3-D inputs. Received: shape {as_tensor(inputs).shape}")
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate, groups)


def conv2d(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=None) -> Tensor:
    """2-D :func:`conv`: inputs ``(batch, height, width, channels)``, kernel ``(kh, kw, in // groups, out)``."""
    if as_tensor(inputs).ndim != 4:
        raise ValueError(f"conv2d: expected 4-D inputs. Received: shape {as_tensor(inputs).shape}")
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate, groups)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1) -> Tensor:
    """Depthwise convolution (``keras.ops.depthwise_conv``): each input channel convolved with its own filters.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        kernel: ``(*kernel_size, channels, depth_multiplier)``; output channel ``c * multiplier + m``.

    Returns:
        ``(batch, *out_spatial, channels * depth_multiplier)``. Same as :func:`conv` with ``groups == channels``.
    """
    from ember.ops.shape import reshape

    w = as_tensor(kernel)
    if w.ndim < 3:
        raise ValueError(f"depthwise_conv: kernel must be (*kernel_size, channels, multiplier). Received: {w.shape}")
    c = w.shape[-2]
    return conv(
        inputs, reshape(w, (*w.shape[:-2], 1, c * w.shape[-1])), strides, padding, data_format, dilation_rate, groups=c
    )
