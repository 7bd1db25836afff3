"""A DCGAN-style GAN on MNIST (Radford et al. 2016), trained by an overridden ``train_step`` with two optimizers.

Generator: z (64) → Dense(7·7·64) → BatchNorm → LeakyReLU → Conv2DTranspose(32, 4, stride 2) →
BatchNorm → LeakyReLU → Conv2DTranspose(1, 4, stride 2, sigmoid) = a 28×28 image.
Discriminator: Conv2D(32, 4, stride 2) → LeakyReLU(0.2) → Conv2D(64, 4, stride 2) → LeakyReLU(0.2)
→ Flatten → Dense(1) logit. Non-saturating loss, Adam (lr 2e-4, β1 0.5) for each network, batch 64
(the Keras DCGAN example's recipe, smaller for two CPU cores).

Evaluation (issue 5): 64 samples are written as a PNG grid, and a digit classifier trained here with
ember (784 → 256 → 10 MLP, one epoch) labels 1,000 samples; reported is the share it labels
confidently (top softmax probability ≥ 0.9) and the spread of those labels over the ten digits.

    python examples/dcgan_mnist.py [--steps 3000] [--out gan_samples.png]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ember
import ember.datasets
from ember import layers, ops

LATENT = 64


def save_png_grid(images: np.ndarray, path: str, rows: int = 8) -> None:
    """Tile ``(n, 28, 28)`` images in [0, 1] into one PNG (matplotlib writes it)."""
    import matplotlib.image

    n, h, w = images.shape
    cols = -(-n // rows)
    grid = np.ones((rows * (h + 2), cols * (w + 2)))
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        grid[r * (h + 2) + 1 : r * (h + 2) + 1 + h, c * (w + 2) + 1 : c * (w + 2) + 1 + w] = img
    matplotlib.image.imsave(path, grid, cmap="gray", vmin=0, vmax=1)


def generator() -> ember.Sequential:
    return ember.Sequential([
        ember.Input((LATENT,)),
        layers.Dense(7 * 7 * 64, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Reshape((7, 7, 64)),
        layers.Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid"),
    ])  # fmt: skip


def discriminator() -> ember.Sequential:
    return ember.Sequential([
        ember.Input((28, 28, 1)),
        layers.Conv2D(32, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2D(64, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Flatten(), layers.Dense(1),
    ])  # fmt: skip


def _step(loss, variables, optimizer) -> None:
    loss.backward()
    optimizer.apply([v.grad for v in variables], variables)
    for v in variables:
        v.grad = None


class GAN(ember.Model):
    """Generator and discriminator trained alternately; ``compile`` takes one optimizer for each."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator(), discriminator()
        self.d_loss_tracker = ember.metrics.Mean(name="d_loss")
        self.g_loss_tracker = ember.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(optimizer=d_optimizer, **kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def metrics(self) -> list:
        return [self.d_loss_tracker, self.g_loss_tracker]

    def call(self, z, training=None):
        return self.generator(z, training=training)

    def train_step(self, data) -> dict:
        real, _, _ = ember.utils.unpack_x_y_sample_weight(data)
        n = real.shape[0]
        z = ember.random.normal((n, LATENT))
        with ember.no_grad():
            fake = self.generator(z, training=True)
        logits = self.discriminator(ops.concatenate([real, fake], axis=0), training=True)
        labels = ember.tensor(np.concatenate([np.ones((n, 1)), np.zeros((n, 1))]).astype("float32"))
        d_loss = ops.mean(ops.sigmoid_cross_entropy(labels, logits))
        _step(d_loss, self.discriminator.trainable_weights, self.d_optimizer)
        # Non-saturating generator loss: make D call fresh fakes real.
        fake_logits = self.discriminator(self.generator(ember.random.normal((n, LATENT)), training=True), training=True)
        g_loss = ops.mean(ops.sigmoid_cross_entropy(ops.ones_like(fake_logits), fake_logits))
        _step(g_loss, self.generator.trainable_weights, self.g_optimizer)
        for p in self.discriminator.trainable_weights:  # D's grads from the G step are not used
            p.grad = None
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def digit_classifier(x, y, seed: int = 0) -> ember.Sequential:
    """A 784 → 256 → 10 MLP trained for one epoch (≈ 97 % test accuracy), to label generated digits."""
    ember.utils.set_random_seed(seed)
    clf = ember.Sequential([ember.Input((784,)), layers.Dense(256, activation="relu"),
                            layers.Dense(10, activation="softmax")])  # fmt: skip
    clf.compile(optimizer=ember.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    clf.fit(x.reshape(len(x), -1), y, batch_size=128, epochs=1, verbose=0)
    return clf


def main(steps: int = 3000, batch_size: int = 64, train_limit: int | None = None, out: str | None = None,
         classifier_samples: int = 1000, seed: int = 0, verbose: int = 2) -> dict:  # fmt: skip
    """Train the GAN for about ``steps`` steps; returns the classifier's confident share of samples."""
    (x, y), (xt, yt) = ember.datasets.mnist.load_data()
    x = (x[:train_limit, ..., None] / 255).astype("float32")
    y = y[:train_limit].astype("int64")
    clf = digit_classifier(x, y, seed)
    clf_acc = clf.evaluate((xt.reshape(-1, 784) / 255).astype("float32"), yt.astype("int64"), verbose=0)[1]
    ember.utils.set_random_seed(seed)
    gan = GAN()
    gan.compile(d_optimizer=ember.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=ember.optimizers.Adam(2e-4, beta_1=0.5))  # fmt: skip
    per_epoch = -(-len(x) // batch_size)
    start = time.time()
    epochs = max(1, -(-steps // per_epoch))  # `steps` batches in all, split evenly over the epochs
    gan.fit(x, batch_size=batch_size, epochs=epochs, steps_per_epoch=-(-steps // epochs), verbose=verbose)
    with ember.no_grad():
        samples = gan.generator(ember.random.normal((classifier_samples, LATENT), seed=seed + 1), training=False)
    images = samples.numpy().reshape(-1, 28, 28)
    probs = clf.predict(images.reshape(-1, 784), verbose=0)
    confident = probs.max(axis=1) >= 0.9
    counts = np.bincount(probs.argmax(axis=1)[confident], minlength=10)
    if out:
        save_png_grid(images[:64], out)
    result = {
        "confident_share": float(confident.mean()),
        "label_counts": counts.tolist(),
        "classifier_accuracy": clf_acc,
    }
    print(f"DCGAN on MNIST: {result['confident_share']:.1%} of {classifier_samples} samples labelled with "
          f"probability >= 0.9 by an ember MLP classifier (test accuracy {clf_acc:.4f}); confident labels per "
          f"digit {counts.tolist()}; {time.time() - start:.0f} s" + (f"; grid in {out}" if out else ""))  # fmt: skip
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--out", default="gan_samples.png")
    args = parser.parse_args()
    main(steps=args.steps, out=args.out)
