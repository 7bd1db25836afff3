"""Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28x28 grayscale.

A drop-in replacement for MNIST with the same shapes and file format (Xiao, Rasul and
Vollgraf, 2017, https://github.com/zalandoresearch/fashion-mnist). Labels:
0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot (:data:`CLASS_NAMES`).

Where ember looks, in order (:func:`search_path`): the cache ``cache_dir()/fashion_mnist.npz``
(written by :func:`download`); ``$EMBER_DATASETS/fashion-mnist`` and ``$EMBER_DATASETS`` if
that variable is set; :data:`SYSTEM_DIR`, where the Debian package puts the files. A folder
qualifies if it holds the four IDX files, raw or ``.gz``, with the right sha256.

Source: Debian package ``dataset-fashion-mnist`` (gzipped IDX files under
``/usr/share/datasets/fashion-mnist``); install with
``apt-get update && apt-get install -y dataset-fashion-mnist`` as root (or run
``tools/install_data.sh``). Nothing is downloaded unless you call :func:`download`.

Licence: MIT (Expat), Copyright (c) 2017 Zalando SE.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ember.datasets import _idx

#: sha256 of the four *uncompressed* IDX files (the same bytes as upstream's archives).
SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
#: The exact command that installs the data (Debian or Ubuntu, as root).
INSTALL_COMMAND = "apt-get update && apt-get install -y dataset-fashion-mnist"
#: Where the Debian package installs the gzipped IDX files.
SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
#: The gzipped files as Keras downloads them; only :func:`download` uses it.
URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
#: Label index -> class name.
CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip

_SPEC = _idx.IdxDataset("Fashion-MNIST", "fashion_mnist.npz", SHA256, INSTALL_COMMAND, URL)


def search_path() -> list[tuple[str, Path | None]]:
    """The folders :func:`load_data` searches after the cache, as ``(label, folder)`` in order.

    Returns:
        A list of pairs; ``folder`` is None for ``$EMBER_DATASETS`` when the variable is unset.
    """
    env = os.environ.get("EMBER_DATASETS")
    if env:
        root = Path(env).expanduser()
        places = [("EMBER_DATASETS", root / "fashion-mnist"), ("EMBER_DATASETS", root)]
    else:
        places = [("$EMBER_DATASETS", None)]
    return [*places, ("Debian dataset-fashion-mnist", SYSTEM_DIR)]


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST, checking every file against its sha256.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``:

        - ``x_train``: ``(60000, 28, 28)`` uint8, pixel values 0..255.
        - ``y_train``: ``(60000,)`` uint8, labels 0..9; starts 9, 0, 0, 3, 0.
        - ``x_test``: ``(10000, 28, 28)`` uint8, 0..255.
        - ``y_test``: ``(10000,)`` uint8, 0..9, 1,000 images per class.

    Raises:
        DatasetNotFoundError: no searched place holds the files; the message lists every
            place with the reason and the install command.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> CLASS_NAMES[y_train[0]]  # doctest: +SKIP
        'Ankle boot'
    """
    return _idx.load(_SPEC, search_path())


def download(url: str = URL, timeout: float = 60.0) -> Path:
    """Download the four gzipped IDX files, verify them, and cache them as ``cache_dir()/fashion_mnist.npz``.

    The only function in ``ember.datasets.fashion_mnist`` that touches the network.

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


__all__ = ["SHA256", "INSTALL_COMMAND", "SYSTEM_DIR", "URL", "CLASS_NAMES", "search_path", "load_data", "download"]
