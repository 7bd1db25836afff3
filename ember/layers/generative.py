"""Helpers for generative models: the VAE reparameterisation ``Sampling`` layer and the Gaussian KL term.

Source: Kingma & Welling (2014), "Auto-Encoding Variational Bayes"; the Keras VAE example
(keras-io ``examples/generative/vae.py``).
"""

from __future__ import annotations

from ember import ops
from ember import random as ember_random
from ember.autograd import Tensor
from ember.layers.layer import Layer


def kl_divergence_normal(z_mean, z_log_var) -> Tensor:
    """``KL(N(mu, sigma^2) || N(0, I)) = -0.5 Σ (1 + log sigma^2 - mu^2 - sigma^2)`` per sample.

    Args:
        z_mean, z_log_var: ``(batch, latent_dim)``.

    Returns:
        ``(batch,)`` KL divergence in nats.

    Raises:
        ValueError: if the shapes differ.

    Example:
        >>> import ember
        >>> float(kl_divergence_normal(ember.ops.ones((1, 2)), ember.ops.zeros((1, 2)))[0])
        1.0
    """
    z_mean = z_mean if isinstance(z_mean, Tensor) else Tensor(z_mean)
    z_log_var = z_log_var if isinstance(z_log_var, Tensor) else Tensor(z_log_var)
    if tuple(z_mean.shape) != tuple(z_log_var.shape):
        raise ValueError(f"kl_divergence_normal: expected z_mean and z_log_var of equal shape. "
                         f"Received: {tuple(z_mean.shape)} and {tuple(z_log_var.shape)}")  # fmt: skip
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


class Sampling(Layer):
    """Reparameterised draw ``z = mu + exp(0.5 * log_var) * eps``, ``eps ~ N(0, I)``.

    Args:
        add_kl_loss: also ``add_loss(kl_weight * mean KL(q(z|x) || N(0, I)))``. Defaults to ``False``.
        kl_weight: weight of that loss. Defaults to ``1.0``.
        seed: per-layer seed. Defaults to ``None``.

    Call arguments:
        inputs: ``[z_mean, z_log_var]``, each ``(batch, latent_dim)``.

    Raises:
        ValueError: if ``inputs`` is not a pair of equal shapes.

    Example:
        >>> import ember
        >>> z = Sampling()([ember.ops.zeros((4, 2)), ember.ops.zeros((4, 2))])
        >>> z.shape
        (4, 2)
    """

    def __init__(self, add_kl_loss: bool = False, kl_weight: float = 1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.add_kl_loss, self.kl_weight, self.seed = bool(add_kl_loss), float(kl_weight), seed

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2 or inputs[0].shape != inputs[1].shape:
            raise ValueError(
                f"Sampling '{self.name}' expects [z_mean, z_log_var] of equal shapes. "
                f"Received: {[tuple(t.shape) for t in inputs] if isinstance(inputs, (list, tuple)) else inputs}"
            )
        z_mean, z_log_var = inputs
        if self.add_kl_loss:
            self.add_loss(self.kl_weight * ops.mean(kl_divergence_normal(z_mean, z_log_var)))
        eps = ember_random.normal(tuple(z_mean.shape), dtype=z_mean.dtype, seed=self.seed)
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(add_kl_loss=self.add_kl_loss, kl_weight=self.kl_weight, seed=self.seed)
        return config
