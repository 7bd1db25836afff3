"""The Layer contract: validation messages, freezing, set_weights errors, losses, config round trips, masks."""

import gc
import re

import numpy as np
import pytest

import ember
from ember import layers as L
from ember import ops, regularizers
from ember.layers.masking_state import _MASKS, get_mask
from ember.testing import gradcheck


def test_input_validation_names_layer_expected_and_received():
    layer = L.Conv2D(2, 3)
    layer(ops.ones((1, 5, 5, 3)))
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d(_\d+)?' expects input with axis -1 of size 3.*\(5, 5, 4\)"):
        layer(ops.ones((1, 5, 5, 4)))
    with pytest.raises(ValueError, match=r"Conv2D .* rank 4 .*per sample \(5, 3\)"):
        layer(ops.ones((1, 5, 3)))
    dense = L.Dense(2)
    dense(ops.ones((2, 4)))
    with pytest.raises(ValueError, match=r"Dense .* size 4.*per sample \(3,\)"):
        dense(ops.ones((2, 3)))
    with pytest.raises(ValueError, match=r"BatchNormalization .*size 3"):
        bn = L.BatchNormalization()
        bn(ops.ones((2, 3)))
        bn(ops.ones((2, 5)))


@pytest.mark.parametrize("make, message", [
    (lambda: L.Conv2D(0, 3), "filters"),
    (lambda: L.Conv2D(2, 3, padding="full"), "padding"),
    (lambda: L.Conv1D(2, (3, 3)), "kernel_size"),
    (lambda: L.Dense(-1), "units"),
    (lambda: L.Reshape((0, 2)), "target_shape"),
    (lambda: L.Permute((1, 3)), "dims"),
    (lambda: L.Dropout(1.0), "rate"),
    (lambda: L.GaussianNoise(-1.0), "stddev"),
    (lambda: L.Embedding(0, 3), "input_dim"),
    (lambda: L.ReLU(negative_slope=-1), "negative_slope"),
    (lambda: L.Normalization(mean=[1.0]), "variance"),
    (lambda: L.Dense(3, bogus=1), "bogus"),
])  # fmt: skip
def test_constructor_errors_name_the_argument(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_call_time_shape_errors():
    with pytest.raises(ValueError, match=r"Reshape '.*' cannot reshape .*\(3, 4\).*\(5, -1\)"):
        L.Reshape((5, -1))(ops.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"Concatenate .* except on axis -1.*\(3,\), \(4, 2\)"):
        L.Concatenate()([ops.ones((2, 3)), ops.ones((2, 4, 2))])
    with pytest.raises(ValueError, match=r"Subtract .* list of 2 inputs"):
        L.Subtract()([ops.ones((2, 3))] * 3)
    with pytest.raises(ValueError, match=r"GroupNormalization .* groups=4 must divide the 6 channels"):
        L.GroupNormalization(groups=4)(ops.ones((2, 3, 6)))
    with pytest.raises(ValueError, match=r"Cropping1D .* leaves nothing"):
        L.Cropping1D((2, 2))(ops.ones((1, 4, 2)))


def test_set_weights_lists_expected_and_received_shapes():
    layer = L.Dense(3)
    layer(ops.ones((1, 2)))
    with pytest.raises(ValueError, match=re.escape("expected 2 arrays with shapes [(2, 3), (3,)]. Received: 2 arrays "
                                                   "with shapes [(3, 2), (3,)]")):
        layer.set_weights([np.zeros((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="Received: 1 arrays"):
        layer.set_weights([np.zeros((2, 3))])


def test_weights_order_and_freezing():
    bn = L.BatchNormalization()
    bn(ops.ones((2, 3)))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    bn.trainable = False
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4
    assert not any(w.requires_grad for w in bn.weights)
    bn.trainable = True
    assert all(w.requires_grad for w in bn.trainable_weights)
    sep = L.SeparableConv2D(4, 3)
    sep(ops.ones((1, 5, 5, 2)))
    assert [w.name for w in sep.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert sep.count_params() == 3 * 3 * 2 + 2 * 4 + 4


def test_losses_from_regularizers_and_activity():
    layer = L.Dense(2, kernel_regularizer="l2", activity_regularizer=regularizers.L1(0.5))
    out = layer(ops.ones((3, 4)))
    losses = layer.losses
    assert len(losses) == 2
    kernel = layer.kernel.numpy()
    got = sorted(float(loss.numpy()) for loss in losses)
    # Keras 3 divides the activity term by the batch size (3 here); tests/layers/test_keras_arguments.py checks it
    want = sorted([0.01 * float(np.sum(kernel**2)), 0.5 * float(np.sum(np.abs(out.numpy()))) / 3])
    np.testing.assert_allclose(got, want, rtol=1e-5)
    layer._clear_losses()
    assert len(layer.losses) == 1  # the weight regularizer stays, the activity term was per call


def test_config_round_trip_keeps_regularizers_constraints_and_initializers():
    layer = L.Conv2D(3, 2, kernel_regularizer=regularizers.L1L2(0.1, 0.2), bias_constraint="non_neg",
                     kernel_initializer=ember.initializers.RandomNormal(stddev=0.5, seed=3), activation="relu")
    config = layer.get_config()
    clone = L.Conv2D.from_config(config)
    assert clone.get_config() == config
    assert type(clone.kernel_regularizer).__name__ == "L1L2" and clone.kernel_regularizer.l2 == pytest.approx(0.2)
    assert type(clone.bias_constraint).__name__ == "NonNeg"
    assert clone.activation is ops.relu


def test_lambda_refuses_to_load_in_safe_mode():
    config = L.Lambda(np.tanh).get_config()
    assert config["function"] == {"module": "numpy", "name": "tanh"}
    with pytest.raises(ValueError, match="safe_mode=False"):
        L.Lambda.from_config(config)
    assert L.Lambda.from_config(config, safe_mode=False).function is np.tanh


def test_embedding_mask_reaches_masked_average_and_rnn_style_consumers():
    emb = L.Embedding(10, 4, mask_zero=True)
    pool = L.GlobalAveragePooling1D()
    ids = np.array([[3, 5, 0, 0], [1, 2, 7, 0]])
    h = emb(ids)
    mask = get_mask(h)
    np.testing.assert_array_equal(mask.numpy(), ids != 0)
    out = pool(h).numpy()
    rows = emb.embeddings.numpy()[ids]
    want = np.stack([rows[0, :2].mean(0), rows[1, :3].mean(0)])
    np.testing.assert_allclose(out, want, rtol=1e-6)
    assert get_mask(pool(h)) is None  # pooling over time consumes the mask


def test_mask_passes_through_sequential_and_explicit_mask_wins():
    model = ember.Sequential([ember.Input((4, 2)), L.Masking(0.0), L.Dense(3), L.GlobalAveragePooling1D()])
    x = np.ones((1, 4, 2), dtype="float32")
    x[0, 2:] = 0.0
    dense = model.layers[1]
    full = model(x).numpy()
    np.testing.assert_allclose(full, dense(x[:, :2]).numpy().mean(axis=1), rtol=1e-6)
    seen = {}

    class Probe(L.Layer):
        def call(self, inputs, mask=None):
            seen["mask"] = mask
            return inputs

    explicit = ember.tensor(np.array([[True, False, True, True]]))
    Probe()(L.Masking()(x), mask=explicit)
    assert seen["mask"] is explicit


def test_mask_table_drops_entries_with_their_tensors():
    before = len(_MASKS)
    out = L.Masking()(np.ones((2, 3, 1), dtype="float32"))
    assert len(_MASKS) == before + 1
    del out
    gc.collect()
    assert len(_MASKS) == before


def test_softmax_mask_and_merge_mask():
    x = ember.tensor(np.array([[1.0, 2.0, 3.0]], dtype="float32"))
    out = L.Softmax()(x, mask=ember.tensor(np.array([[True, False, True]]))).numpy()
    e = np.exp([1.0, 3.0])
    np.testing.assert_allclose(out, [[e[0] / e.sum(), 0.0, e[1] / e.sum()]], rtol=1e-6, atol=1e-7)
    a = L.Masking()(np.array([[[1.0], [0.0], [1.0]]], dtype="float32"))
    b = L.Masking()(np.array([[[1.0], [1.0], [0.0]]], dtype="float32"))
    np.testing.assert_array_equal(get_mask(L.Add()([a, b])).numpy(), [[True, False, False]])


@pytest.mark.parametrize("make, shape", [
    (lambda: L.GroupNormalization(groups=2, dtype="float64"), (2, 3, 4)),
    (lambda: L.LayerNormalization(axis=[1, 2], rms_scaling=True, dtype="float64"), (2, 3, 4)),
    (lambda: L.UnitNormalization(dtype="float64"), (2, 5)),
    (lambda: L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.3, dtype="float64"), (3, 4)),
    (lambda: L.PReLU(alpha_initializer="ones", dtype="float64"), (3, 4)),
    (lambda: L.SeparableConv2D(2, 2, padding="same", dtype="float64"), (1, 3, 3, 2)),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, dtype="float64"), (1, 2, 2, 2)),
])  # fmt: skip
def test_layer_input_gradients_float64(make, shape):
    layer = make()
    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 1.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)  # away from kinks at 0
    layer(ember.tensor(x))
    assert gradcheck(lambda t: layer(t), [x])


def test_dot_normalize_is_cosine_similarity():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    out = L.Dot(axes=1, normalize=True)([a.astype("float32"), b.astype("float32")]).numpy()
    cos = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(out[:, 0], cos, rtol=1e-5)
    assert gradcheck(lambda x, y: L.Dot(axes=(2, 1), normalize=True)([x, y]),
                     [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))])


def test_batch_normalization_ignores_masked_timesteps():
    x = np.random.default_rng(0).standard_normal((2, 4, 3)).astype("float32")
    mask = np.array([[True, True, False, False], [True, True, True, False]])
    bn = L.BatchNormalization(momentum=0.0)
    bn(ember.tensor(x), training=True, mask=ember.tensor(mask))
    kept = x[mask]
    np.testing.assert_allclose(bn.moving_mean.numpy(), kept.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), kept.var(0), rtol=1e-4, atol=1e-6)


def test_keras2_spellings():
    assert L.LeakyReLU(alpha=0.1).negative_slope == pytest.approx(0.1)
    assert L.Embedding(5, 2, input_length=3).get_config()["input_dim"] == 5
    assert L.Conv2D(2, 3, input_shape=(6, 6, 1))._input_shape_arg == (None, 6, 6, 1)


def test_frozen_sublayer_weights_are_not_trainable_in_the_parent():
    from ember import layers, models

    inner = layers.Dense(2)
    outer = models.Sequential([layers.Dense(3, input_dim=4), inner])
    inner.trainable = False
    assert [w.path for w in outer.trainable_weights] == [w.path for w in outer.layers[0].weights]
    assert {id(w) for w in outer.non_trainable_weights} == {id(w) for w in inner.weights}
    plain = layers.Layer()
    plain.child = layers.Dense(2)
    plain.child.build((None, 3))
    plain.child.trainable = False
    assert plain.trainable_weights == [] and len(plain.non_trainable_weights) == 2
