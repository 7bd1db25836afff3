"""A variational autoencoder on MNIST (Kingma & Welling 2014), trained through an overridden ``train_step``.

Encoder 784 → 512 → (z_mean, z_log_var) of 16 dimensions; ``layers.Sampling`` draws
``z = mu + sigma * eps``; decoder 16 → 512 → 784 Bernoulli logits. Loss per image: the negative
ELBO ``-ELBO = Σ_pixels BCE(x, decoder(z)) + KL(q(z|x) || N(0, I))`` in nats, with gray-level
pixels in [0, 1] as Bernoulli targets (the Keras VAE example's convention). Adam (lr 1e-3),
batch 128. Reported: test ELBO (one z sample per image) and its two terms; a PNG grid of 64
decoded samples ``z ~ N(0, I)`` is written to ``vae_samples.png``.

    python examples/vae_mnist.py [--epochs 10] [--out vae_samples.png]
"""

from __future__ import annotations

import argparse
import time

import ember
import ember.datasets
from ember import layers, ops

LATENT = 16


class VAE(ember.Model):
    """Encoder, sampler and decoder with a custom ``train_step`` and ``test_step`` (negative ELBO)."""

    def __init__(self, latent: int = LATENT, hidden: int = 512, **kwargs):
        super().__init__(**kwargs)
        self.encoder_hidden = layers.Dense(hidden, activation="relu")
        self.z_mean = layers.Dense(latent)
        self.z_log_var = layers.Dense(latent)
        self.sampler = layers.Sampling()
        self.decoder_hidden = layers.Dense(hidden, activation="relu")
        self.decoder_logits = layers.Dense(784)
        self.loss_tracker = ember.metrics.Mean(name="loss")
        self.reconstruction_tracker = ember.metrics.Mean(name="reconstruction")
        self.kl_tracker = ember.metrics.Mean(name="kl")

    @property
    def metrics(self) -> list:
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def decode(self, z):
        """Bernoulli logits ``(batch, 784)`` for latent codes ``z``."""
        return self.decoder_logits(self.decoder_hidden(z))

    def call(self, x, training=None):
        h = self.encoder_hidden(x)
        mean, log_var = self.z_mean(h), self.z_log_var(h)
        return mean, log_var, self.decode(self.sampler([mean, log_var]))

    def _negative_elbo(self, x):
        mean, log_var, logits = self(x)
        reconstruction = ops.mean(ops.sum(ops.sigmoid_cross_entropy(x, logits), axis=-1))
        kl = ops.mean(layers.kl_divergence_normal(mean, log_var))
        return reconstruction + kl, reconstruction, kl

    def _track(self, total, reconstruction, kl) -> dict:
        for tracker, value in zip(self.metrics, (total, reconstruction, kl), strict=True):
            tracker.update_state(value)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data) -> dict:
        x, _, _ = ember.utils.unpack_x_y_sample_weight(data)
        total, reconstruction, kl = self._negative_elbo(x)
        variables = self.trainable_weights
        total.backward()
        self.optimizer.apply([v.grad for v in variables], variables)
        for v in variables:
            v.grad = None
        return self._track(total, reconstruction, kl)

    def test_step(self, data) -> dict:
        with ember.no_grad():
            return self._track(*self._negative_elbo(ember.utils.unpack_x_y_sample_weight(data)[0]))


def main(epochs: int = 10, train_limit: int | None = None, test_limit: int | None = None, out: str | None = None,
         seed: int = 0, verbose: int = 2) -> dict:  # fmt: skip
    """Train the VAE; returns the test ELBO (nats per image) and its terms."""
    ember.utils.set_random_seed(seed)
    (x, _), (xt, _) = ember.datasets.mnist.load_data()
    x = x[:train_limit].reshape(-1, 784).astype("float32") / 255
    xt = xt[:test_limit].reshape(-1, 784).astype("float32") / 255
    vae = VAE()
    vae.compile(optimizer=ember.optimizers.Adam(1e-3))
    start = time.time()
    vae.fit(x, batch_size=128, epochs=epochs, verbose=verbose)
    logs = vae.evaluate(xt, batch_size=500, verbose=0, return_dict=True)
    result = {"elbo": -logs["loss"], "reconstruction": logs["reconstruction"], "kl": logs["kl"]}
    if out:
        with ember.no_grad():
            z = ember.random.normal((64, LATENT), seed=seed)
            ember.viz.save_image_grid(ops.sigmoid(vae.decode(z)).numpy().reshape(-1, 28, 28), out, rows=8)
    print(f"VAE on MNIST: test ELBO {result['elbo']:.1f} nats/image (reconstruction {result['reconstruction']:.1f}, "
          f"KL {result['kl']:.1f}) after {epochs} epochs, {time.time() - start:.0f} s"
          + (f"; samples in {out}" if out else ""))  # fmt: skip
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--out", default="vae_samples.png")
    args = parser.parse_args()
    main(epochs=args.epochs, out=args.out)
