"""Bernoulli restricted Boltzmann machine trained by contrastive divergence, and a deep belief network helper.

Energy ``E(v, h) = -v·b_v - h·b_h - v W h``; ``p(h=1|v) = σ(v W + b_h)``, ``p(v=1|h) = σ(h W^T + b_v)``;
free energy ``F(v) = -v·b_v - Σ_j softplus(v W + b_h)_j``. CD-k (Hinton 2002) follows the gradient of
``mean F(v_data) - mean F(v_k)`` where ``v_k`` is the end of a k-step Gibbs chain started at the data
and treated as a constant, so any ember optimizer can minimise it with ordinary autograd.

Source: Hinton (2002), "Training products of experts by minimizing contrastive divergence";
Hinton, Osindero & Teh (2006) for greedy layer-wise DBN pretraining; Hinton (2010), "A practical
guide to training RBMs" (initial weights N(0, 0.01)).
"""

from __future__ import annotations

from ember import initializers, ops, optimizers
from ember import random as ember_random
from ember.autograd import Tensor, no_grad
from ember.layers.core import Dense
from ember.layers.layer import Layer
from ember.layers.serialization import serialize


def _bernoulli(p: Tensor) -> Tensor:
    return ops.cast(ops.less(ember_random.uniform(p.shape, dtype=p.dtype), p), p.dtype)


class RBM(Layer):
    """Bernoulli-Bernoulli RBM; as a layer it maps visible ``v`` to hidden probabilities ``σ(v W + b_h)``.

    Args:
        units: number of hidden units.
        k: Gibbs steps of CD-k. Defaults to ``1``.
        kernel_initializer: Defaults to ``RandomNormal(stddev=0.01)`` (Hinton's guide).

    Shape:
        Input ``(batch, visible)`` in ``[0, 1]``; output ``(batch, units)``. Weights ``kernel (visible, units)``,
        ``hidden_bias (units,)``, ``visible_bias (visible,)``.

    Raises:
        ValueError: for non-positive ``units``/``k`` or input that is not 2-D.

    Example:
        >>> import ember
        >>> rbm = ember.layers.RBM(3)
        >>> v = ember.ops.ones((2, 4))
        >>> rbm(v).shape, rbm.free_energy(v).shape, rbm.gibbs_sample(v).shape
        ((2, 3), (2,), (2, 4))
    """

    def __init__(self, units, k=1, kernel_initializer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0 or int(k) <= 0:
            raise ValueError(f"RBM: `units` and `k` must be positive ints. Received: units={units!r}, k={k!r}")
        self.units, self.k = units, int(k)
        self.kernel_initializer = initializers.get(kernel_initializer or initializers.RandomNormal(stddev=0.01))

    def build(self, input_shape) -> None:
        if len(input_shape) != 2:
            raise ValueError(
                f"RBM '{self.name}' expects 2-D input (batch, visible). Received: shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight((input_shape[-1], self.units), self.kernel_initializer, name="kernel")
        self.hidden_bias = self.add_weight((self.units,), "zeros", name="hidden_bias")
        self.visible_bias = self.add_weight((input_shape[-1],), "zeros", name="visible_bias")
        self.built = True

    def call(self, inputs):
        return self.propup(inputs)

    def propup(self, v) -> Tensor:
        """``p(h = 1 | v) = σ(v W + b_h)``, ``(batch, units)``."""
        return ops.sigmoid(ops.matmul(v, self.kernel) + self.hidden_bias)

    def propdown(self, h) -> Tensor:
        """``p(v = 1 | h) = σ(h W^T + b_v)``, ``(batch, visible)``."""
        return ops.sigmoid(ops.matmul(h, ops.transpose(self.kernel)) + self.visible_bias)

    def free_energy(self, v) -> Tensor:
        """``F(v) = -v·b_v - Σ softplus(v W + b_h)``, ``(batch,)``; ``p(v) ∝ exp(-F(v))``."""
        v = v if isinstance(v, Tensor) else Tensor(v)
        self._maybe_build(tuple(v.shape))
        return -ops.sum(v * self.visible_bias, axis=-1) - ops.sum(ops.softplus(ops.matmul(v, self.kernel) +
                                                                              self.hidden_bias), axis=-1)  # fmt: skip

    def gibbs_sample(self, v, k: int | None = None, return_probabilities: bool = False) -> Tensor:
        """Run ``k`` steps ``v → h ~ p(h|v) → v ~ p(v|h)`` from ``v`` (no gradient recorded).

        Args:
            v: ``(batch, visible)`` start of the chain.
            k: steps. Defaults to the layer's ``k``.
            return_probabilities: return ``p(v|h)`` of the last step instead of a binary sample.
                Defaults to ``False``.
        """
        v = v if isinstance(v, Tensor) else Tensor(v)
        self._maybe_build(tuple(v.shape))
        with no_grad():
            for _ in range(k or self.k):
                p_v = self.propdown(_bernoulli(self.propup(v)))
                v = _bernoulli(p_v)
        return p_v if return_probabilities else v

    def contrastive_divergence_loss(self, v, k: int | None = None) -> Tensor:
        """The CD-k surrogate ``mean F(v) - mean F(v_k)``; its gradient is the CD-k update direction."""
        v = v if isinstance(v, Tensor) else Tensor(v)
        negative = self.gibbs_sample(v, k)
        return ops.mean(self.free_energy(v)) - ops.mean(self.free_energy(negative))

    def reconstruction_error(self, v) -> float:
        """Mean squared error between ``v`` and ``p(v | h ~ p(h|v))`` (a training monitor, not the objective)."""
        v = v if isinstance(v, Tensor) else Tensor(v)
        with no_grad():
            return float(ops.mean(ops.square(v - self.propdown(_bernoulli(self.propup(v))))).item())

    def fit_cd(self, x, epochs: int = 1, batch_size: int = 64, optimizer="sgd", k: int | None = None,
               verbose: int = 0) -> list:  # fmt: skip
        """Train by CD-k on ``x (n, visible)`` with ``optimizer`` (name or Optimizer); returns per-epoch errors."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        self._maybe_build(tuple(x.shape))
        opt = optimizers.get(optimizer)
        params = self.trainable_weights
        history = []
        for epoch in range(epochs):
            order = ember_random.shuffle(ops.arange(x.shape[0]))
            for start in range(0, x.shape[0], batch_size):
                loss = self.contrastive_divergence_loss(ops.take(x, order[start : start + batch_size], axis=0), k)
                loss.backward()
                opt.apply([p.grad for p in params], params)
                for p in params:
                    p.grad = None
            history.append(self.reconstruction_error(x[:2000]))
            if verbose:
                print(f"RBM '{self.name}' epoch {epoch + 1}/{epochs}: reconstruction MSE {history[-1]:.4f}")
        return history

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(units=self.units, k=self.k, kernel_initializer=serialize(self.kernel_initializer))
        return config


class DBN:
    """Deep belief network: a stack of RBMs pretrained greedily, then unrolled into Dense layers to fine-tune.

    Args:
        hidden_units: sizes of the hidden layers, e.g. ``[256, 128]``.
        k: Gibbs steps of each RBM's CD-k. Defaults to ``1``.

    Example:
        >>> import ember, numpy as np
        >>> dbn = ember.layers.DBN([6, 3])
        >>> _ = dbn.pretrain(np.random.default_rng(0).random((20, 8)).round(), epochs=1, batch_size=10)
        >>> [tuple(layer.kernel.shape) for layer in dbn.to_dense_layers()]
        [(8, 6), (6, 3)]
    """

    def __init__(self, hidden_units, k: int = 1):
        self.rbms = [RBM(int(n), k=k) for n in hidden_units]

    def pretrain(self, x, epochs: int = 1, batch_size: int = 64, optimizer_factory=None, verbose: int = 0) -> list:
        """Train each RBM by CD-k on the previous one's hidden probabilities; returns each RBM's error history.

        Args:
            x: ``(n, visible)`` data in ``[0, 1]``.
            optimizer_factory: callable returning a fresh optimizer per RBM. Defaults to SGD(0.1, momentum 0.5).
        """
        factory = optimizer_factory or (lambda: optimizers.SGD(learning_rate=0.1, momentum=0.5))
        data = x if isinstance(x, Tensor) else Tensor(x)
        histories = []
        for rbm in self.rbms:
            histories.append(rbm.fit_cd(data, epochs=epochs, batch_size=batch_size, optimizer=factory(),
                                        verbose=verbose))  # fmt: skip
            with no_grad():
                data = rbm.propup(data)
        return histories

    def to_dense_layers(self, activation="sigmoid") -> list:
        """``Dense(units, activation)`` layers initialised with each RBM's ``kernel`` and ``hidden_bias``."""
        out = []
        for rbm in self.rbms:
            dense = Dense(rbm.units, activation=activation)
            dense._maybe_build((None, rbm.kernel.shape[0]))
            dense.kernel.assign(rbm.kernel)
            dense.bias.assign(rbm.hidden_bias)
            out.append(dense)
        return out
