"""Air passengers: monthly totals of international airline passengers, January 1949 to December 1960.

The classic Box & Jenkins airline series ("Series G"): 144 monthly counts in thousands,
with a rising trend and yearly seasonality whose amplitude grows with the level (model
``log`` of it). Reference: G. E. P. Box, G. M. Jenkins and G. C. Reinsel, *Time Series
Analysis, Forecasting and Control*, 3rd ed., 1976, Series G; R's ``datasets::AirPassengers``.

Source: the 144 numbers are embedded below. NOTE: they are too small to justify a package:
``pydataset`` has them but needs pandas and unpacks 81 MB on import, and statsmodels does not
ship them. They were checked equal to ``pydataset`` 0.2.0's ``AirPassengers.csv``
(the copy of R's data set); a test pins their sum and sha256.

Licence: public domain (published 1976 series of facts; as distributed with R).
"""

from __future__ import annotations

import numpy as np

# One row per year 1949..1960, one column per month Jan..Dec; thousands of passengers.
_VALUES = (
    (112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118),
    (115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140),
    (145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166),
    (171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194),
    (196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201),
    (204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229),
    (242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278),
    (284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306),
    (315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336),
    (340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337),
    (360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405),
    (417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432),
)
#: Months in the training split (1949-1958); the last 24 months (1959-1960) are the test split.
TRAIN_MONTHS = 120


def load_series() -> np.ndarray:
    """Return all 144 monthly values, January 1949 first.

    Returns:
        ``(144,)`` float32, thousands of passengers, 104..622.

    Example:
        >>> series = load_series()
        >>> series.shape, float(series[0]), float(series[-1])
        ((144,), 112.0, 432.0)
    """
    return np.array(_VALUES, dtype=np.float32).reshape(-1)


def months() -> np.ndarray:
    """Return the month of each value of :func:`load_series`.

    Returns:
        ``(144,)`` ``datetime64[M]``, ``1949-01`` to ``1960-12``.

    Example:
        >>> str(months()[0]), str(months()[-1])
        ('1949-01', '1960-12')
    """
    return np.arange("1949-01", "1961-01", dtype="datetime64[M]")


def load_data() -> tuple[np.ndarray, np.ndarray]:
    """Split the series in time: the first 120 months train, the last 24 test.

    Deviation from Keras: a univariate series has no separate targets, so this returns
    ``(train, test)``; cut windows from it for forecasting (inputs are past values, target
    the next value).

    Returns:
        ``(train, test)``: ``train`` ``(120,)`` float32 for 1949-01..1958-12 and ``test``
        ``(24,)`` float32 for 1959-01..1960-12, thousands of passengers.

    Example:
        >>> train, test = load_data()
        >>> train.shape, test.shape, float(test[0])
        ((120,), (24,), 360.0)
    """
    series = load_series()
    return series[:TRAIN_MONTHS], series[TRAIN_MONTHS:]


__all__ = ["TRAIN_MONTHS", "load_series", "months", "load_data"]
