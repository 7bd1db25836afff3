"""The BERT examples (issue 12) on small slices: semantic search finds the topic, transfer learning learns."""

import importlib.util
import pathlib
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"bert_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_semantic_search_top_hits_are_on_topic(capsys):
    module = load("semantic_search")
    out = module.main(corpus_size=200, top_k=2)
    corpus, hits = out["corpus"], out["hits"]
    assert len(corpus) == 200 and len(hits) == len(module.QUERIES)
    topics = [("flight", "cancel"), ("deflate",), ("coachella", "festival"), ("self-driving", "driverless"),
              ("apple",)]  # fmt: skip
    for query, row, words in zip(module.QUERIES, hits, topics, strict=True):
        top = corpus[row[0][0]].lower()
        assert any(w in top for w in words), f"{query!r} -> {top!r}"
        assert row[0][1] >= row[1][1]  # best first
    printed = capsys.readouterr().out
    assert "Query: cars that drive themselves without a human" in printed


def test_transfer_tweets_minilm_tiny():
    """300 training tweets, 150 test tweets: every classifier beats the majority class, fine-tuning lowers the loss."""
    out = load("transfer_tweets_minilm").main(train_limit=300, test_limit=150, head_epochs=20, ft_epochs=2,
                                              verbose=0)  # fmt: skip
    assert (out["train_size"], out["test_size"]) == (300, 150)
    for key in ("linear_head", "mlp_head", "fine_tuned_last_layer"):
        assert out[key] > out["baseline"] + 0.1, (key, out)
    assert out["fine_tune_losses"][1] < out["fine_tune_losses"][0]
