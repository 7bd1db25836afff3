"""Transposed convolution, channels-last, Keras layout: ``conv_transpose`` (a.k.a. deconvolution).

``conv_transpose`` is the adjoint of :func:`ember.ops.conv`: its forward is the conv's input
gradient (one batched GEMM and col2im), its backward the conv's forward (im2col and GEMMs).
The output is cut from the "full" result ``(n - 1) * stride + dilated_kernel`` by Keras 3's
rules (``keras.src.backend.common.backend_utils``), so shapes match Keras's Conv*DTranspose.
"""

from __future__ import annotations

import math

from ember import backend
from ember.autograd import Function, Tensor
from ember.ops._convert import as_tensor
from ember.ops.conv import (
    Conv,
    ConvKernelGrad,
    Geometry,
    _check_ranks,
    _from_channels_last,
    _to_channels_last,
    _tuple,
    col2im,
    im2col,
    pad_spatial,
    tap_major_columns,
)


class ConvTranspose(Function):
    # The adjoint of Conv: forward is Conv's input gradient, backward is Conv's forward.
    def forward(self, x, w, geo, full_shape, crop):
        xp = backend.namespace(x)
        x, w = backend.contiguous(x), backend.contiguous(w)
        self.x, self.w, self.geo, self.full_shape, self.crop = x, w, geo, full_shape, crop
        w2 = w.reshape(-1, w.shape[-1])
        full = col2im(
            tap_major_columns(x.reshape(-1, w.shape[-1]), w2, math.prod(geo.kernel), x.shape[:-1]), full_shape, geo
        )
        return _crop_or_pad(xp, full, crop)

    def backward(self, g):
        xp = backend.namespace(g)
        w = self.w
        full = _uncrop(xp, g, self.full_shape, self.crop)
        cols = im2col(full, self.geo)  # (m_in, taps * out_channels)
        x2 = self.x.reshape(-1, w.shape[-1])
        gx = (cols @ w.reshape(-1, w.shape[-1])).reshape(self.x.shape) if self.needs_grad[0] else None
        gw = backend.matmul_tn(cols, x2).reshape(w.shape) if self.needs_grad[1] else None
        return gx, gw

    def backward_graph(self, g):
        from ember.ops.indexing import getitem
        from ember.ops.shape import pad

        x, w = self.parents
        full = _uncrop_tensor(getitem, pad, g, self.full_shape, self.crop)
        gx = Conv.apply(full, w, geo=self.geo, groups=1)
        gw = ConvKernelGrad.apply(full, x, geo=self.geo, kernel_shape=w.shape)
        return gx, gw


def _uncrop_tensor(getitem, pad, g, full_shape, crop):
    """:func:`_uncrop` with recorded ops: the part of ``g`` inside the full output, zero-padded around."""
    avail = [min(n, full_shape[i + 1] - lo) for i, (lo, n) in enumerate(crop)]
    part = getitem(g, (slice(None),) + tuple(slice(0, a) for a in avail) + (slice(None),))
    widths = [(0, 0)] + [
        (lo, full_shape[i + 1] - lo - a) for i, ((lo, _), a) in enumerate(zip(crop, avail, strict=True))
    ]
    return pad(part, widths + [(0, 0)])


def _crop_or_pad(xp, full, crop):
    """Take ``full[lo : lo + length]`` on each spatial axis, zero-filling beyond its end."""
    index = (slice(None),) + tuple(slice(lo, lo + n) for lo, n in crop) + (slice(None),)
    part = full[index]
    extra = [(0, n - part.shape[i + 1]) for i, (_, n) in enumerate(crop)]
    return pad_spatial(xp, part, extra)


def _uncrop(xp, g, full_shape, crop):
    out = xp.zeros(full_shape, dtype=g.dtype)
    avail = [min(n, full_shape[i + 1] - lo) for i, (lo, n) in enumerate(crop)]
    dst = (slice(None),) + tuple(slice(lo, lo + a) for (lo, _), a in zip(crop, avail, strict=False)) + (slice(None),)
    src = (slice(None),) + tuple(slice(0, a) for a in avail) + (slice(None),)
    out[dst] = g[src]
    return out


def _transpose_crop(n, k, s, d, padding, output_padding):
    """(offset into the full output, output length) on one axis, Keras 3's conv_transpose rules."""
    dk = (k - 1) * d + 1
    if padding == "valid":
        extra = max(dk, s) - dk if output_padding is None else output_padding
        left, right = dk - 1, dk - 1 + extra
    else:
        pad_len = s + dk - 2 if output_padding is None else dk + dk % 2 - 2 + output_padding
        left = min(pad_len // 2 + pad_len % 2, dk - 1)
        right = pad_len - left
    return dk - 1 - left, (n - 1) * s + left + right - dk + 2


def conv_transpose(
    inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None, dilation_rate=1
) -> Tensor:
    """Transposed convolution (the gradient of :func:`conv` w.r.t. its input), ``keras.ops.conv_transpose``.

    Args:
        inputs: ``(batch, *spatial, in_channels)``.
        kernel: ``(*kernel_size, out_channels, in_channels)`` (Keras's Conv*DTranspose layout).
        strides: int or per axis. Defaults to ``1``.
        padding: ``'valid'`` (output ``n * s + max(k - s, 0)``) or ``'same'`` (output ``n * s``).
            Defaults to ``'valid'``.
        output_padding: extra length per axis, as Keras. Defaults to ``None``.
        data_format: Defaults to ``None`` (channels last).
        dilation_rate: Defaults to ``1``.

    Returns:
        ``(batch, *out_spatial, out_channels)``.

    Raises:
        ValueError: for mismatched channels (naming both shapes), bad padding, strides or dilation.
    """
    x, w = as_tensor(inputs), as_tensor(kernel)
    rank = x.ndim - 2
    x = _to_channels_last(x, data_format, rank)
    _check_ranks(x, w, "conv_transpose")
    if x.shape[-1] != w.shape[-1]:
        raise ValueError(
            f"conv_transpose: inputs have {x.shape[-1]} channels on axis -1 but the kernel expects "
            f"{w.shape[-1]} on its axis -1. Received: inputs shape {x.shape}, kernel shape {w.shape}"
        )
    if padding not in ("valid", "same"):
        raise ValueError(f"conv_transpose: padding must be 'valid' or 'same'. Received: padding={padding!r}")
    s = _tuple(strides, rank, "strides", "conv_transpose")
    d = _tuple(dilation_rate, rank, "dilation_rate", "conv_transpose")
    ks = w.shape[:-2]
    op = (output_padding,) * rank if output_padding is None or isinstance(output_padding, int) else output_padding
    crop = tuple(
        _transpose_crop(n, k, si, di, padding, p) for n, k, si, di, p in zip(x.shape[1:-1], ks, s, d, op, strict=False)
    )
    full = tuple((n - 1) * si + (k - 1) * di + 1 for n, k, si, di in zip(x.shape[1:-1], ks, s, d, strict=False))
    geo = Geometry(tuple(ks), s, d, tuple(x.shape[1:-1]), ((0, 0),) * rank)
    y = ConvTranspose.apply(x, w, geo=geo, full_shape=(x.shape[0], *full, w.shape[-2]), crop=crop)
    return _from_channels_last(y, data_format, rank)


def conv1d_transpose(
    inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None, dilation_rate=1
) -> Tensor:
    """1-D :func:`conv_transpose`: inputs ``(batch, steps, in)``, kernel ``(k, out, in)``."""
    return conv_transpose(inputs, kernel, strides, padding, output_padding, data_format, dilation_rate)


def conv2d_transpose(
    inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None, dilation_rate=1
) -> Tensor:
    """2-D :func:`conv_transpose`: inputs ``(batch, h, w, in)``, kernel ``(kh, kw, out, in)``."""
    return conv_transpose(inputs, kernel, strides, padding, output_padding, data_format, dilation_rate)
