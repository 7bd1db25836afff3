"""Three autoencoders on MNIST: plain, denoising and sparse (issue 5: reconstruction MSE; the
denoising autoencoder must beat the identity map on noisy input).

All share a fully connected 784 → 256 → 64 → 256 → 784 shape (ReLU, sigmoid output) and are
trained by Adam (lr 1e-3, batch 256) on MSE, pixels in [0, 1].

- plain: input = target = the image. Reported: test MSE.
- denoising (Vincent et al. 2008): input = image + N(0, 0.5²) noise, clipped to [0, 1];
  target = the clean image. Reported: MSE(denoised, clean) next to MSE(noisy, clean), the identity.
- sparse (Ng 2011, L1 form): an L1 activity regulariser (1e-6 · Σ|code| over the batch) on the 64-unit code.
  Reported: test MSE and the share of code units below 0.01 (vs the plain autoencoder's).

    python examples/autoencoders_mnist.py [--epochs 5]
"""

from __future__ import annotations

import argparse

import numpy as np

import ember
import ember.datasets
from ember import layers, regularizers


def build(code_regularizer=None) -> tuple[ember.Model, ember.Model]:
    """The autoencoder and its encoder (functional API, sharing layers)."""
    inputs = ember.Input((784,))
    h = layers.Dense(256, activation="relu")(inputs)
    code = layers.Dense(64, activation="relu", activity_regularizer=code_regularizer)(h)
    h = layers.Dense(256, activation="relu")(code)
    outputs = layers.Dense(784, activation="sigmoid")(h)
    return ember.Model(inputs, outputs), ember.Model(inputs, code)


def noisy(x: np.ndarray, rng: np.random.Generator, std: float = 0.5) -> np.ndarray:
    return np.clip(x + std * rng.standard_normal(x.shape), 0, 1).astype("float32")


def _train(model, x_in, x_out, epochs, verbose, batch_size=256):
    model.compile(optimizer=ember.optimizers.Adam(1e-3), loss="mse")
    model.fit(x_in, x_out, batch_size=batch_size, epochs=epochs, verbose=verbose)


def main(epochs: int = 5, train_limit: int | None = None, test_limit: int | None = None, seed: int = 0,
         verbose: int = 2, batch_size: int = 256) -> dict:  # fmt: skip
    """Train the three autoencoders; returns their test reconstruction MSEs."""
    ember.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    (x, _), (xt, _) = ember.datasets.mnist.load_data()
    x = x[:train_limit].reshape(-1, 784).astype("float32") / 255
    xt = xt[:test_limit].reshape(-1, 784).astype("float32") / 255
    out = {}
    plain, plain_encoder = build()
    _train(plain, x, x, epochs, verbose, batch_size)
    out["plain_mse"] = float(np.mean((plain.predict(xt, verbose=0) - xt) ** 2))
    denoiser, _ = build()
    _train(denoiser, noisy(x, rng), x, epochs, verbose, batch_size)
    xt_noisy = noisy(xt, np.random.default_rng(seed + 1))
    out["denoised_mse"] = float(np.mean((denoiser.predict(xt_noisy, verbose=0) - xt) ** 2))
    out["noisy_identity_mse"] = float(np.mean((xt_noisy - xt) ** 2))
    # Keras 3 divides an activity loss by the batch size (issue 16): the same penalty as the 1e-6 this
    # example was measured with (summed over the batch) is 1e-6 * batch_size per sample.
    sparse, sparse_encoder = build(regularizers.L1(1e-6 * batch_size))
    _train(sparse, x, x, epochs, verbose, batch_size)
    out["sparse_mse"] = float(np.mean((sparse.predict(xt, verbose=0) - xt) ** 2))
    out["sparse_code_zero_share"] = float(np.mean(sparse_encoder.predict(xt, verbose=0) < 0.01))
    out["plain_code_zero_share"] = float(np.mean(plain_encoder.predict(xt, verbose=0) < 0.01))
    print(f"autoencoders on MNIST (test MSE per pixel): plain {out['plain_mse']:.4f}; denoising "
          f"{out['denoised_mse']:.4f} vs identity on noisy input {out['noisy_identity_mse']:.4f}; sparse "
          f"{out['sparse_mse']:.4f} with {out['sparse_code_zero_share']:.0%} of code units < 0.01 "
          f"(plain: {out['plain_code_zero_share']:.0%})")  # fmt: skip
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    main(epochs=parser.parse_args().epochs)
