"""The forward of a depthwise convolution (one input channel per group) as a sum over kernel taps.

A grouped im2col with ``groups == channels`` turns into one tiny GEMM per channel (``(positions, 9) @
(9, mult)``), dominated by the copies that build the columns; multiplying each tap's shifted view of the
input by its per-channel weights and summing is 4-12x faster on MobileNetV2's shapes (issue 12). The
backward of :class:`ember.ops.conv.Conv` is unchanged: it builds the columns when it runs.
"""

from __future__ import annotations


def depthwise_taps(xpad, w, geo):
    """Depthwise conv forward: ``out[..., c * mult + k] = sum_t xpad[tap t][..., c] * w[t, 0, c * mult + k]``.

    Args:
        xpad: padded channels-last input ``(batch, *spatial, c)``.
        w: kernel ``(*kernel_size, 1, c * mult)`` (Keras layout of a conv with ``groups == c``).
        geo: the conv's :class:`ember.ops.conv.Geometry` (its ``tap_slices`` give each tap's strided view).

    Returns:
        ``(batch, *geo.out, c * mult)``.
    """
    c = xpad.shape[-1]
    mult = w.shape[-1] // c
    wt = w.reshape(-1, c, mult)  # (taps, c, multiplier); output channel c * mult + k, as grouped conv
    out = None
    for t, idx in enumerate(geo.tap_slices()):
        term = xpad[idx] * wt[t, :, 0] if mult == 1 else xpad[idx][..., None] * wt[t]
        if out is None:
            out = term  # a fresh array: the later taps are added in place
        else:
            out += term
    return out.reshape((*out.shape[: 1 + len(geo.out)], c * mult))
