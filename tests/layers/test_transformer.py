"""Transformer blocks against torch.nn.TransformerEncoderLayer (post- and pre-LN); decoder, position encodings."""

import numpy as np
import pytest
import torch

import ember
import ember.testing
from ember import layers

B, T, E, H, FF = 2, 5, 8, 2, 16


def _x(seed=0):
    return np.random.default_rng(seed).standard_normal((B, T, E)).astype("float32")


def _load_torch(block, ref):
    w = {p.split("/", 1)[1] if p.count("/") > 1 else p: v for p, v in ((w.path, w.numpy()) for w in block.weights)}

    def get(suffix):
        return next(v for p, v in w.items() if p.endswith(suffix))

    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(torch.tensor(np.concatenate(
            [get(f"{n}/kernel").reshape(E, E).T for n in ("query", "key", "value")])))  # fmt: skip
        ref.self_attn.in_proj_bias.copy_(torch.tensor(np.concatenate(
            [get(f"{n}/bias").ravel() for n in ("query", "key", "value")])))  # fmt: skip
        ref.self_attn.out_proj.weight.copy_(torch.tensor(get("attention_output/kernel").reshape(E, E).T))
        ref.self_attn.out_proj.bias.copy_(torch.tensor(get("attention_output/bias")))
        ref.linear1.weight.copy_(torch.tensor(get("intermediate_dense/kernel").T))
        ref.linear1.bias.copy_(torch.tensor(get("intermediate_dense/bias")))
        ref.linear2.weight.copy_(torch.tensor(get("output_dense/kernel").T))
        ref.linear2.bias.copy_(torch.tensor(get("output_dense/bias")))


@pytest.mark.parametrize("normalize_first", [False, True])
def test_encoder_matches_torch_encoder_layer(normalize_first):
    x = _x()
    enc = layers.TransformerEncoder(FF, H, normalize_first=normalize_first)
    out = enc(x)
    ref = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True, norm_first=normalize_first)
    _load_torch(enc, ref)
    np.testing.assert_allclose(out.numpy(), ref(torch.tensor(x)).detach().numpy(), atol=2e-6, rtol=1e-3)
    keep = np.ones((B, T), bool)
    keep[0, 3:] = False
    masked = enc(x, padding_mask=keep)
    r_masked = ref(torch.tensor(x), src_key_padding_mask=torch.tensor(~keep))
    np.testing.assert_allclose(masked.numpy()[keep], r_masked.detach().numpy()[keep], atol=2e-6, rtol=1e-3)


def test_decoder_is_causal_and_uses_encoder():
    x, mem = _x(), _x(1)[:, :3]
    dec = layers.TransformerDecoder(FF, H)
    out = dec(x, mem)
    assert out.shape == (B, T, E) and len(dec.weights) == 26
    x2 = x.copy()
    x2[:, -1] += 1.0  # changing the last step must not change earlier outputs
    np.testing.assert_allclose(dec(x2, mem).numpy()[:, :-1], out.numpy()[:, :-1], atol=1e-6)
    assert not np.allclose(dec(x, mem * 2).numpy(), out.numpy())
    decoder_only = layers.TransformerDecoder(FF, H, normalize_first=True)
    assert decoder_only(x).shape == (B, T, E) and len(decoder_only.weights) == 16


def test_position_encodings():
    x = _x()
    pe = layers.SinePositionEncoding()(x).numpy()
    pos, i = np.arange(T)[:, None], np.arange(E)[None, :]
    angle = pos / 10000 ** ((i - i % 2) / E)
    np.testing.assert_allclose(pe[0], np.where(i % 2 == 0, np.sin(angle), np.cos(angle)), atol=1e-6)
    emb = layers.TokenAndPositionEmbedding(20, 10, 4, mask_zero=True)
    ids = np.array([[3, 4, 0], [5, 0, 0]])
    out = emb(ids)
    tok, pos_w = emb.token_embedding.embeddings.numpy(), emb.position_embedding.position_embeddings.numpy()
    np.testing.assert_allclose(out.numpy(), tok[ids] + pos_w[:3], atol=1e-6)
    np.testing.assert_array_equal(ember.layers.masking_state.get_mask(out).numpy(), ids != 0)
    out.sum().backward()
    np.testing.assert_allclose(emb.position_embedding.position_embeddings.grad.numpy()[:3], 2.0)
    np.testing.assert_allclose(emb.position_embedding.position_embeddings.grad.numpy()[3:], 0.0)
    with pytest.raises(ValueError, match=r"PositionEmbedding 'pe' holds 4 positions. Received: a sequence of 5"):
        layers.PositionEmbedding(4, name="pe")(x)


@pytest.mark.parametrize("cls,kwargs,train", [
    (layers.TransformerEncoder, {"intermediate_dim": FF, "num_heads": H}, True),
    (layers.TransformerDecoder, {"intermediate_dim": FF, "num_heads": H, "normalize_first": True}, True),
    # PositionEmbedding's output does not depend on the input's values (no input gradient to check);
    # its weight gradient is checked in test_position_encodings.
    (layers.PositionEmbedding, {"sequence_length": 10}, False),
])  # fmt: skip
def test_generic_layer_checks(cls, kwargs, train):
    ember.testing.run_layer_test(cls, init_kwargs=kwargs, input_shape=(B, T, E), expected_output_shape=(B, T, E),
                                 run_training_check=train)  # fmt: skip


def test_bad_head_count():
    with pytest.raises(ValueError, match=r"TransformerEncoder 'enc'.*divisible by num_heads. Expected a multiple of 3"):
        layers.TransformerEncoder(FF, 3, name="enc")(_x())


def test_token_and_position_embedding_generic_checks():
    ember.testing.run_layer_test(layers.TokenAndPositionEmbedding,
                                 init_kwargs={"vocabulary_size": 10, "sequence_length": 8, "embedding_dim": 4},
                                 input_shape=(B, T), input_dtype="int64", expected_output_shape=(B, T, 4),
                                 expected_num_trainable_weights=2)  # fmt: skip
