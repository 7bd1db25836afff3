"""Conv3D, Conv3DTranspose, 3-D pooling, SeparableConv1D and AlphaDropout (issue 16): the generic layer test,
and the same numbers as PyTorch with identical weights."""

import numpy as np
import pytest
import torch

from ember import layers as L
from ember.testing import run_layer_test

CASES = [
    (L.Conv3D, {"filters": 2, "kernel_size": 2, "padding": "same"}, (2, 3, 4, 4, 3), (2, 3, 4, 4, 2), 2),
    (L.Conv3D, {"filters": 4, "kernel_size": (1, 2, 3), "strides": 2, "groups": 2}, (2, 4, 5, 5, 2),
     (2, 2, 2, 2, 4), 2),
    (L.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2}, (2, 2, 3, 3, 3), (2, 4, 6, 6, 2), 2),
    (L.MaxPooling3D, {}, (2, 4, 4, 4, 3), (2, 2, 2, 2, 3), 0),
    (L.AveragePooling3D, {"pool_size": 2, "strides": 1}, (2, 3, 3, 3, 2), (2, 2, 2, 2, 2), 0),
    (L.GlobalMaxPooling3D, {}, (2, 3, 3, 3, 2), (2, 2), 0),
    (L.GlobalAveragePooling3D, {"keepdims": True}, (2, 3, 3, 3, 2), (2, 1, 1, 1, 2), 0),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0].__name__)
def test_layer(case):
    cls, kwargs, in_shape, out_shape, n_weights = case
    run_layer_test(cls, kwargs, input_shape=in_shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=n_weights, expected_num_non_trainable_weights=0)  # fmt: skip


def _x(shape):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


def test_conv3d_and_transpose_match_torch_with_the_same_weights():
    x = _x((2, 4, 5, 6, 3))
    conv = L.Conv3D(4, (2, 3, 2), strides=(1, 2, 1), activation="relu")
    out = conv(x).numpy()
    kernel, bias = conv.get_weights()
    ref = torch.relu(torch.nn.functional.conv3d(torch.tensor(x).permute(0, 4, 1, 2, 3),
                                                torch.tensor(kernel).permute(4, 3, 0, 1, 2), torch.tensor(bias),
                                                stride=(1, 2, 1)))  # fmt: skip
    np.testing.assert_allclose(out, ref.permute(0, 2, 3, 4, 1).numpy(), rtol=1e-4, atol=1e-5)
    deconv = L.Conv3DTranspose(2, 3, strides=2)
    out = deconv(x).numpy()
    kernel, bias = deconv.get_weights()  # (kd, kh, kw, filters, in) -> torch (in, filters, kd, kh, kw)
    ref = torch.nn.functional.conv_transpose3d(torch.tensor(x).permute(0, 4, 1, 2, 3),
                                               torch.tensor(kernel).permute(4, 3, 0, 1, 2), torch.tensor(bias),
                                               stride=2)  # fmt: skip
    np.testing.assert_allclose(out, ref.permute(0, 2, 3, 4, 1).numpy(), rtol=1e-4, atol=1e-5)


def test_3d_pooling_matches_torch():
    x = _x((2, 4, 4, 6, 3))
    tx = torch.tensor(x).permute(0, 4, 1, 2, 3)
    pairs = [
        (L.MaxPooling3D()(x), torch.nn.functional.max_pool3d(tx, 2)),
        (L.AveragePooling3D((2, 1, 3), strides=1)(x), torch.nn.functional.avg_pool3d(tx, (2, 1, 3), stride=1)),
    ]
    for got, ref in pairs:
        np.testing.assert_allclose(got.numpy(), ref.permute(0, 2, 3, 4, 1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(L.GlobalAveragePooling3D()(x).numpy(), x.mean(axis=(1, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling3D()(x).numpy(), x.max(axis=(1, 2, 3)), rtol=1e-6)


def test_alpha_dropout_keeps_selu_statistics_and_is_identity_at_inference():
    x = _x((400, 250))
    layer = L.AlphaDropout(0.3, seed=3)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    y = layer(x, training=True).numpy()
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.3) * (1 + 0.3 * alpha_p**2)) ** -0.5
    dropped = np.isclose(y, a * alpha_p - a * alpha_p * 0.3)
    assert abs(dropped.mean() - 0.3) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02  # zero mean, unit variance kept (the paper's point)
    assert not np.array_equal(y, layer(x, training=True).numpy())  # a fresh mask each call


def test_separable_conv1d_matches_torch():
    x = _x((2, 7, 3))
    layer = L.SeparableConv1D(4, 3, depth_multiplier=2, padding="same")
    out = layer(x).numpy()
    depthwise, pointwise, bias = layer.get_weights()  # (k, in, m), (1, in * m, filters), (filters,)
    tx = torch.tensor(x).permute(0, 2, 1)
    dw = torch.tensor(depthwise).permute(1, 2, 0).reshape(6, 1, 3)  # channel c, multiplier m -> c * m + m
    y = torch.nn.functional.conv1d(tx, dw, padding=1, groups=3)
    y = torch.nn.functional.conv1d(y, torch.tensor(pointwise).permute(2, 1, 0), torch.tensor(bias))
    np.testing.assert_allclose(out, y.permute(0, 2, 1).numpy(), rtol=1e-4, atol=1e-5)
