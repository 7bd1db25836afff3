"""The convolution's forward GEMM over im2col columns, in cache-sized batch chunks when nothing needs the columns later.

``im2col`` copies every window of the input into a ``(positions, taps * channels)`` matrix
(:func:`ember.ops.conv.im2col`). At large batches that matrix outgrows the caches: for the W6 CNN at
batch 256 the second conv's columns are 35 MB, and writing them out and reading them back into the
GEMM costs more than the copy itself (1 BLAS thread, this machine: 19.9 ms for the whole conv,
13.4 ms in chunks of 8 images whose ~1 MB of columns stay in L2/L3; the first conv 3.4 -> 2.9 ms).
The backward needs the columns, so chunking is used only when no gradient is recorded (inference,
``ember.no_grad``); a backward that finds no columns rebuilds them from the padded input.

Each output row is the same dot product over the same ``taps * channels`` elements either way
(only the rows are split), so the values equal those of the single GEMM.

Also here: :func:`tap_major_columns`, the backward's column gradient ``g @ w.T`` laid out tap by tap.
"""

from __future__ import annotations

import math

from ember import backend

CHUNK_BYTES = 1 << 20  # target size of one chunk's columns (L2 is 2 MiB on the benchmark machine)
MIN_CHUNKED_BYTES = 4 << 20  # below this the whole matrix stays in cache: one GEMM


def columns_bytes(xpad, geo) -> int:
    """Size in bytes of ``im2col(xpad, geo)``: ``batch * prod(out) * prod(kernel) * channels`` elements."""
    return xpad.shape[0] * math.prod(geo.out) * math.prod(geo.kernel) * xpad.shape[-1] * xpad.dtype.itemsize


def use_chunks(xpad, geo) -> bool:
    """Whether the columns are large enough (``MIN_CHUNKED_BYTES``) for :func:`chunked_conv_gemm` to pay."""
    return columns_bytes(xpad, geo) >= MIN_CHUNKED_BYTES


def chunked_conv_gemm(xpad, w2, geo, im2col):
    """``im2col(xpad) @ w2`` computed batch chunk by batch chunk, without keeping the columns.

    Args:
        xpad: padded channels-last input ``(batch, *spatial, channels)``.
        w2: kernel matrix ``(taps * channels, out_channels)``.
        geo: the conv's :class:`ember.ops.conv.Geometry`.
        im2col: the column builder (``ember.ops.conv.im2col``), passed in to keep imports one-way.

    Returns:
        ``(batch * prod(geo.out), out_channels)`` C-contiguous, ``xpad``'s dtype.
    """
    xp = backend.namespace(xpad)
    xpad = backend.contiguous(xpad)
    n = xpad.shape[0]
    rows = math.prod(geo.out)
    per_image = columns_bytes(xpad[:1], geo)
    step = max(1, CHUNK_BYTES // per_image)
    out = xp.empty((n * rows, w2.shape[-1]), dtype=xpad.dtype)
    for start in range(0, n, step):
        stop = min(n, start + step)
        xp.matmul(im2col(xpad[start:stop], geo), w2, out=out[start * rows : stop * rows])
    return out


def tap_major_columns(g2, w2, taps: int, out_shape):
    """``g2 @ w2.T`` rearranged as ``(taps, *out_shape, in)``: one batched GEMM per tap block of ``w2``.

    Args:
        g2: ``(positions, out)`` gradient rows.
        w2: ``(taps * in, out)`` kernel matrix.
    """
    w_t = w2.reshape(taps, w2.shape[0] // taps, w2.shape[-1]).transpose(0, 2, 1)  # (taps, out, in); out may be 0
    return (g2[None] @ w_t).reshape((taps, *out_shape, w_t.shape[-1]))
