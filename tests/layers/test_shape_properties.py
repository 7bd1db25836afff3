"""Hypothesis: for random geometry, compute_output_shape (used to build models symbolically) equals the shape
the layer actually produces. Catches drift between the layers' shape rules and the ops' geometry."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ember import layers as L
from ember import ops

PROFILE = settings(derandomize=True, database=None, max_examples=50, deadline=None)


def _assert_shapes_agree(layer, shape):
    out = layer(ops.ones(shape))
    assert tuple(layer.compute_output_shape((None,) + shape[1:])) == (None,) + tuple(out.shape[1:])


@PROFILE
@given(n=st.integers(4, 9), k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same", "causal"]))  # fmt: skip
def test_conv1d(n, k, s, d, padding):
    if s > 1 and d > 1:
        d = 1
    if padding == "valid" and (k - 1) * d + 1 > n:
        return
    _assert_shapes_agree(L.Conv1D(2, k, strides=s, padding=padding, dilation_rate=d), (1, n, 2))


@PROFILE
@given(h=st.integers(3, 7), w=st.integers(3, 7), k=st.integers(1, 3), s=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]),
       kind=st.sampled_from(["conv", "depthwise", "separable"]))  # fmt: skip
def test_conv2d_family(h, w, k, s, padding, kind):
    make = {"conv": lambda: L.Conv2D(3, k, strides=s, padding=padding),
            "depthwise": lambda: L.DepthwiseConv2D(k, strides=s, padding=padding, depth_multiplier=2),
            "separable": lambda: L.SeparableConv2D(3, k, strides=s, padding=padding)}[kind]  # fmt: skip
    _assert_shapes_agree(make(), (1, h, w, 2))


@PROFILE
@given(n=st.integers(1, 5), k=st.integers(1, 4), s=st.integers(1, 3), padding=st.sampled_from(["valid", "same"]),
       rank=st.sampled_from([1, 2]))  # fmt: skip
def test_conv_transpose(n, k, s, padding, rank):
    layer = (L.Conv1DTranspose if rank == 1 else L.Conv2DTranspose)(2, k, strides=s, padding=padding)
    _assert_shapes_agree(layer, (1,) + (n,) * rank + (3,))


@PROFILE
@given(n=st.integers(2, 8), p=st.integers(1, 3), s=st.one_of(st.none(), st.integers(1, 3)),
       padding=st.sampled_from(["valid", "same"]), kind=st.sampled_from(["max1", "avg1", "max2", "avg2"]))  # fmt: skip
def test_pooling(n, p, s, padding, kind):
    if padding == "valid" and p > n:
        return
    cls = {"max1": L.MaxPooling1D, "avg1": L.AveragePooling1D, "max2": L.MaxPooling2D, "avg2": L.AveragePooling2D}[kind]
    shape = (1, n, 2) if kind.endswith("1") else (1, n, n + 1, 2)
    _assert_shapes_agree(cls(p, strides=s, padding=padding), shape)
