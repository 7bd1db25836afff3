"""Attention layers: MultiHeadAttention against torch.nn.MultiheadAttention, masks, Luong/Bahdanau scores, errors."""

import numpy as np
import pytest
import torch

import ember
import ember.testing
from ember import layers

B, T, S, E, H = 2, 4, 5, 8, 2


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((B, T, E)).astype("float32"), rng.standard_normal((B, S, E)).astype("float32")


def _torch_mha(mha):
    wq, bq, wk, bk, wv, bv, wo, bo = mha.get_weights()
    ref = torch.nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():  # Keras (dim, heads, head_dim) kernels are torch's (heads*head_dim, dim) weights transposed
        ref.in_proj_weight.copy_(torch.tensor(np.concatenate([w.reshape(E, E).T for w in (wq, wk, wv)])))
        ref.in_proj_bias.copy_(torch.tensor(np.concatenate([b.ravel() for b in (bq, bk, bv)])))
        ref.out_proj.weight.copy_(torch.tensor(wo.reshape(E, E).T))
        ref.out_proj.bias.copy_(torch.tensor(bo))
    return ref


def test_mha_weight_layout_and_torch_agreement_with_masks_and_grads():
    q, v = _data()
    mha = layers.MultiHeadAttention(num_heads=H, key_dim=E // H)
    qt = ember.tensor(q, requires_grad=True)
    out, scores = mha(qt, v, return_attention_scores=True)
    shapes = [tuple(w.shape) for w in mha.weights]
    assert shapes == [(E, H, E // H), (H, E // H)] * 3 + [(H, E // H, E), (E,)]
    ref = _torch_mha(mha)
    qr = torch.tensor(q, requires_grad=True)
    r_out, r_scores = ref(qr, torch.tensor(v), torch.tensor(v), average_attn_weights=False)
    np.testing.assert_allclose(out.numpy(), r_out.detach().numpy(), atol=1e-6, rtol=1e-3)
    np.testing.assert_allclose(scores.numpy(), r_scores.detach().numpy(), atol=1e-6, rtol=1e-3)
    out.sum().backward()
    r_out.sum().backward()
    np.testing.assert_allclose(qt.grad.numpy(), qr.grad.numpy(), atol=1e-5, rtol=1e-3)
    keep = np.random.default_rng(3).random((B, T, S)) > 0.3
    masked = mha(q, v, attention_mask=keep)
    r_masked = ref(
        torch.tensor(q), torch.tensor(v), torch.tensor(v), attn_mask=torch.tensor(~keep).repeat_interleave(H, 0)
    )[0]
    np.testing.assert_allclose(masked.numpy(), r_masked.detach().numpy(), atol=1e-6, rtol=1e-3)


def test_mha_causal_mask_and_value_mask():
    q, _ = _data()
    mha = layers.MultiHeadAttention(num_heads=H, key_dim=3, value_dim=5, output_shape=6)
    out, scores = mha(q, q, use_causal_mask=True, return_attention_scores=True)
    assert out.shape == (B, T, 6)
    s = scores.numpy()
    assert np.all(s[:, :, np.triu_indices(T, 1)[0], np.triu_indices(T, 1)[1]] < 1e-12)  # no attention to the future
    np.testing.assert_allclose(s.sum(-1), 1.0, atol=1e-6)
    value_mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    _, s2 = mha(q, q, value_mask=value_mask, return_attention_scores=True)
    assert np.all(s2.numpy()[0, :, :, 2:] < 1e-12)


def test_mha_in_functional_model_trains():
    x = np.random.default_rng(0).standard_normal((32, T, E)).astype("float32")
    y = x.mean(axis=(1, 2)) > 0
    inp = ember.Input((T, E))
    h = layers.MultiHeadAttention(num_heads=H, key_dim=4)(inp, inp)
    out = layers.Dense(1, activation="sigmoid")(layers.GlobalAveragePooling1D()(h))
    model = ember.Model(inp, out)
    model.compile(optimizer=ember.optimizers.Adam(0.01), loss="binary_crossentropy")
    hist = model.fit(x, y.astype("float32"), epochs=10, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0] * 0.7


def test_luong_and_bahdanau_scores_match_numpy():
    q, v = _data(1)
    att = layers.Attention(use_scale=True)
    out, w = att([q, v], return_attention_scores=True)
    scores = 1.0 * q @ v.transpose(0, 2, 1)
    ref_w = np.exp(scores - scores.max(-1, keepdims=True))
    ref_w /= ref_w.sum(-1, keepdims=True)
    np.testing.assert_allclose(w.numpy(), ref_w, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), ref_w @ v, atol=1e-5)
    add = layers.AdditiveAttention()
    out2 = add([q, v], mask=[np.array([[1, 1, 1, 0]] * B, bool), np.array([[1, 1, 1, 1, 0]] * B, bool)])
    scale = add.scale.numpy()
    sc = (scale * np.tanh(q[:, :, None] + v[:, None])).sum(-1)
    sc[:, :, 4] = -np.inf
    ref = np.exp(sc - sc.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    expected = ref @ v
    expected[:, 3] = 0.0  # masked query step
    np.testing.assert_allclose(out2.numpy(), expected, atol=1e-5)
    concat = layers.Attention(score_mode="concat")
    assert concat([q, v]).shape == (B, T, E) and len(concat.weights) == 1


@pytest.mark.parametrize("cls,kwargs,inputs,out", [
    (layers.Attention, {"use_scale": True}, [(B, T, E), (B, S, E)], (B, T, E)),
    (layers.AdditiveAttention, {}, [(B, T, E), (B, S, E)], (B, T, E)),
])  # fmt: skip
def test_generic_layer_checks(cls, kwargs, inputs, out):
    ember.testing.run_layer_test(cls, init_kwargs=kwargs, input_shape=inputs, expected_output_shape=out)


def test_mha_config_round_trip_and_errors():
    mha = layers.MultiHeadAttention(num_heads=H, key_dim=4, dropout=0.1, name="att")
    clone = layers.MultiHeadAttention.from_config(mha.get_config())
    assert clone.get_config()["num_heads"] == H and clone.get_config()["dropout"] == 0.1
    q, v = _data()
    with pytest.raises(ValueError, match=r"MultiHeadAttention 'att' expects attention_mask broadcastable to "
                                         r"\(batch, T, S\) = \(2, 4, 5\). Received: shape=\(2, 3, 5\)"):  # fmt: skip
        mha(q, v, attention_mask=np.ones((B, 3, S), bool))
    with pytest.raises(ValueError, match=r"expects 3-D value .*Received: shape=\(2, 5\)"):
        mha(q, v[:, :, 0])
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2))


def test_mha_generic_layer_checks():
    ember.testing.run_layer_test(layers.MultiHeadAttention, init_kwargs={"num_heads": H, "key_dim": 4},
                                 input_shape=(B, T, E), expected_output_shape=(B, T, E),
                                 expected_num_trainable_weights=8)  # fmt: skip
