"""Forecasting the airline passengers series with a GRU, against the seasonal-naive baseline.

Task: one-step-ahead forecasts of the 24 test months (1959-1960), each made from the true
history up to the month before. Baseline (seasonal naive): the value twelve months earlier.

The network models year-over-year log growth ``z_t = log y_t - log y_{t-12}`` (seasonal
differencing removes the seasonal shape and the trend's scale): a GRU(32) reads the previous
12 values of ``z`` (standardised with training statistics) and predicts ``z_t``; the forecast
is ``y_{t-12} * exp(z_t)``. Adam (lr 1e-2), 300 epochs over the 96 training windows.

    python examples/rnn_air_passengers.py
"""

from __future__ import annotations

import numpy as np

import ember
import ember.datasets
from ember import layers

LAG, WINDOW = 12, 12


def make_windows(z: np.ndarray, targets: range):
    """Inputs ``z[t-WINDOW:t]`` (as ``(n, WINDOW, 1)``) and targets ``z[t]`` for each ``t`` in ``targets``."""
    x = np.stack([z[t - WINDOW : t] for t in targets])[..., None].astype("float32")
    return x, z[list(targets)].astype("float32")[:, None]


def rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def main(epochs: int = 300, units: int = 32, seed: int = 0) -> dict:
    """Fit the GRU and return its test RMSE next to the seasonal-naive RMSE (thousands of passengers)."""
    ember.utils.set_random_seed(seed)
    train, test = ember.datasets.air_passengers.load_data()
    y = np.concatenate([train, test]).astype("float64")
    n_train = len(train)
    z = np.full(len(y), np.nan)
    z[LAG:] = np.log(y[LAG:]) - np.log(y[:-LAG])  # year-over-year log growth
    first = LAG + WINDOW
    mu, sd = z[LAG:n_train].mean(), z[LAG:n_train].std()
    zs = (z - mu) / sd
    x, t = make_windows(zs, range(first, n_train))
    model = ember.Sequential([ember.Input((WINDOW, 1)), layers.GRU(units), layers.Dense(1)])
    model.compile(optimizer=ember.optimizers.Adam(1e-2), loss="mse")
    model.fit(x, t, epochs=epochs, batch_size=32, verbose=0)
    xt, _ = make_windows(zs, range(n_train, len(y)))
    z_hat = model.predict(xt, verbose=0)[:, 0] * sd + mu
    forecast = y[n_train - LAG : len(y) - LAG] * np.exp(z_hat)
    naive = y[n_train - LAG : len(y) - LAG]
    result = {"rmse": rmse(forecast, test), "seasonal_naive_rmse": rmse(naive, test)}
    print(f"air passengers, 24 one-step forecasts: GRU RMSE {result['rmse']:.1f}, "
          f"seasonal naive RMSE {result['seasonal_naive_rmse']:.1f} (thousands of passengers)")  # fmt: skip
    return result


if __name__ == "__main__":
    main()
