"""Every layer through the generic ``run_layer_test``: shapes, weights, config round trip, training step, save/load."""

import numpy as np
import pytest

from ember import layers as L
from ember.testing import run_layer_test


def double(x):
    """Module-level function so Lambda's config can name it."""
    return x * 2.0


# (class, init kwargs, input shape, expected output shape, n trainable, n non-trainable, extra run_layer_test args)
CASES = [
    (L.Dense, {"units": 3}, (2, 4), (2, 3), 2, 0, {}),
    (L.Dense, {"units": 3, "activation": "relu", "use_bias": False}, (2, 5, 4), (2, 5, 3), 1, 0, {}),
    (L.EinsumDense, {"equation": "abc,cd->abd", "output_shape": (None, 4), "bias_axes": "d"}, (2, 3, 5), (2, 3, 4),
     2, 0, {}),
    (L.EinsumDense, {"equation": "...b,bc->...c", "output_shape": 4}, (2, 3, 5), (2, 3, 4), 1, 0, {}),
    (L.Activation, {"activation": "tanh"}, (2, 3), (2, 3), 0, 0, {}),
    (L.Dropout, {"rate": 0.5, "seed": 1}, (2, 3), (2, 3), 0, 0, {}),
    (L.SpatialDropout1D, {"rate": 0.5, "seed": 1}, (2, 4, 3), (2, 4, 3), 0, 0, {}),
    (L.SpatialDropout2D, {"rate": 0.5, "seed": 1}, (2, 4, 4, 3), (2, 4, 4, 3), 0, 0, {}),
    (L.GaussianNoise, {"stddev": 0.1, "seed": 1}, (2, 3), (2, 3), 0, 0, {}),
    (L.GaussianDropout, {"rate": 0.2, "seed": 1}, (2, 3), (2, 3), 0, 0, {}),
    (L.AlphaDropout, {"rate": 0.2, "seed": 1}, (2, 5), (2, 5), 0, 0, {}),
    (L.ActivityRegularization, {"l1": 0.01, "l2": 0.01}, (2, 3), (2, 3), 0, 0, {"expected_num_losses": 1}),
    (L.Flatten, {}, (2, 3, 4), (2, 12), 0, 0, {}),
    (L.Reshape, {"target_shape": (-1, 2)}, (2, 3, 4), (2, 6, 2), 0, 0, {}),
    (L.Permute, {"dims": (2, 1)}, (2, 3, 4), (2, 4, 3), 0, 0, {}),
    (L.RepeatVector, {"n": 3}, (2, 4), (2, 3, 4), 0, 0, {}),
    (L.Lambda, {"function": double}, (2, 3), (2, 3), 0, 0, {}),
    (L.Identity, {}, (2, 3), (2, 3), 0, 0, {"supports_masking": True}),
    (L.Masking, {"mask_value": 0.0}, (2, 4, 3), (2, 4, 3), 0, 0, {"supports_masking": True}),
    (L.ReLU, {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}, (2, 5), (2, 5), 0, 0, {}),
    (L.LeakyReLU, {}, (2, 5), (2, 5), 0, 0, {}),
    (L.PReLU, {"alpha_initializer": "ones", "shared_axes": [1, 2]}, (2, 3, 3, 2), (2, 3, 3, 2), 1, 0, {}),
    (L.ELU, {"alpha": 0.5}, (2, 5), (2, 5), 0, 0, {}),
    (L.Softmax, {"axis": -1}, (2, 5), (2, 5), 0, 0, {}),
    (L.Conv1D, {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (2, 7, 2), (2, 7, 3),
     2, 0, {}),
    (L.Conv2D, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 5, 5, 2), (2, 3, 3, 3),
     2, 0, {}),
    (L.Conv2D, {"filters": 4, "kernel_size": (2, 3), "groups": 2, "data_format": "channels_first"}, (2, 2, 5, 5),
     (2, 4, 4, 3), 2, 0, {}),
    (L.Conv1DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 4, 3), (2, 9, 2), 2, 0, {}),
    (L.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 3, 3, 3),
     (2, 6, 6, 2), 2, 0, {}),
    (L.DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 5, 5, 2), (2, 3, 3, 4), 2, 0, {}),
    (L.SeparableConv2D, {"filters": 3, "kernel_size": 2, "padding": "same"}, (2, 4, 4, 2), (2, 4, 4, 3), 3, 0, {}),
    (L.DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 5, 2), (2, 3, 4), 2, 0, {}),
    (L.SeparableConv1D, {"filters": 3, "kernel_size": 2, "padding": "same"}, (2, 4, 2), (2, 4, 3), 3, 0, {}),
    (L.MaxPooling1D, {}, (2, 6, 3), (2, 3, 3), 0, 0, {}),
    (L.MaxPooling2D, {"pool_size": 2, "strides": 1}, (2, 4, 4, 3), (2, 3, 3, 3), 0, 0, {}),
    (L.AveragePooling1D, {"pool_size": 3, "padding": "same"}, (2, 7, 3), (2, 3, 3), 0, 0, {}),
    (L.AveragePooling2D, {"pool_size": 2}, (2, 4, 4, 3), (2, 2, 2, 3), 0, 0, {}),
    (L.GlobalMaxPooling1D, {}, (2, 5, 3), (2, 3), 0, 0, {}),
    (L.GlobalMaxPooling2D, {"keepdims": True}, (2, 4, 4, 3), (2, 1, 1, 3), 0, 0, {}),
    (L.GlobalAveragePooling1D, {}, (2, 5, 3), (2, 3), 0, 0, {}),
    (L.GlobalAveragePooling2D, {}, (2, 4, 4, 3), (2, 3), 0, 0, {}),
    (L.UpSampling1D, {"size": 3}, (2, 4, 3), (2, 12, 3), 0, 0, {}),
    (L.UpSampling2D, {"size": (2, 3)}, (2, 2, 2, 3), (2, 4, 6, 3), 0, 0, {}),
    (L.ZeroPadding1D, {"padding": (1, 2)}, (2, 4, 3), (2, 7, 3), 0, 0, {}),
    (L.ZeroPadding2D, {"padding": ((1, 0), (2, 1))}, (2, 3, 3, 2), (2, 4, 6, 2), 0, 0, {}),
    (L.Cropping1D, {"cropping": (1, 2)}, (2, 6, 3), (2, 3, 3), 0, 0, {}),
    (L.Cropping2D, {"cropping": ((1, 1), (0, 2))}, (2, 5, 5, 2), (2, 3, 3, 2), 0, 0, {}),
    (L.BatchNormalization, {}, (4, 3), (4, 3), 2, 2, {}),
    (L.BatchNormalization, {"axis": 1, "center": False}, (4, 2, 3, 3), (4, 2, 3, 3), 1, 2, {}),
    (L.LayerNormalization, {}, (2, 3, 4), (2, 3, 4), 2, 0, {}),
    (L.LayerNormalization, {"axis": [1, 2], "rms_scaling": True}, (2, 3, 4), (2, 3, 4), 1, 0, {}),
    (L.GroupNormalization, {"groups": 2}, (2, 3, 3, 4), (2, 3, 3, 4), 2, 0, {}),
    (L.UnitNormalization, {}, (2, 4), (2, 4), 0, 0, {}),
    (L.Rescaling, {"scale": 0.5, "offset": 1.0}, (2, 3), (2, 3), 0, 0, {}),
    (L.Normalization, {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0]}, (2, 3), (2, 3), 0, 0, {}),
    (L.Normalization, {"axis": -1}, (2, 3), (2, 3), 0, 3, {}),
]

MERGE_CASES = [
    (L.Add, {}, (2, 3)),
    (L.Subtract, {}, (2, 3)),
    (L.Multiply, {}, (2, 3)),
    (L.Average, {}, (2, 3)),
    (L.Maximum, {}, (2, 3)),
    (L.Minimum, {}, (2, 3)),
    (L.Concatenate, {"axis": -1}, (2, 6)),
    (L.Dot, {"axes": 1}, (2, 1)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0].__name__)
def test_layer(case):
    cls, kwargs, in_shape, out_shape, n_train, n_fixed, extra = case
    run_layer_test(cls, kwargs, input_shape=in_shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=n_train, expected_num_non_trainable_weights=n_fixed, **extra)


@pytest.mark.parametrize("case", MERGE_CASES, ids=lambda c: c[0].__name__)
def test_merge_layer(case):
    cls, kwargs, out_shape = case
    run_layer_test(cls, kwargs, input_shape=[(2, 3), (2, 3)], expected_output_shape=out_shape,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)


def test_embedding():
    run_layer_test(L.Embedding, {"input_dim": 6, "output_dim": 3, "mask_zero": True}, input_shape=(2, 4),
                   input_dtype="int32", expected_output_shape=(2, 4, 3), expected_num_trainable_weights=1,
                   expected_num_non_trainable_weights=0, supports_masking=True)


MODULES = {
    "core", "einsum_dense", "embedding", "regularization", "reshaping", "spatial_reshaping", "activation_layers",
    "convolutional", "depthwise", "pooling", "normalization", "merging", "preprocessing",
}


def test_every_layer_of_the_library_is_covered():
    """Layers of this library's modules (not the recurrent/attention families, tested beside them) all appear above."""
    covered = {c[0].__name__ for c in CASES} | {c[0].__name__ for c in MERGE_CASES} | {"Embedding"}
    ours = {n for n in L.__all__ if getattr(L, n).__module__.rsplit(".", 1)[-1] in MODULES}
    assert len(ours) == 59
    assert ours - covered == set()


def test_normalization_adapt_standardises():
    data = np.random.default_rng(0).normal(3.0, 2.0, size=(200, 4)).astype("float32")
    layer = L.Normalization()
    layer.adapt(data)
    out = layer(data).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-4)
