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
