"""Stochastic gradient descent with optional (Nesterov) momentum."""

from __future__ import annotations

from ember.ops import updates
from ember.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent with momentum (Keras 3 ``SGD``).

    Update rule::

        if momentum == 0:  w = w - lr * g
        else:              m = momentum * m - lr * g
                           w = w + m                       # plain
                           w = w + momentum * m - lr * g   # nesterov

    Args:
        learning_rate: defaults to ``0.01``.
        momentum: in ``[0, 1]``. Defaults to ``0.0``.
        nesterov: Nesterov momentum. Defaults to ``False``.
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``,
            ``name``; see :class:`~ember.optimizers.Optimizer`.

    PyTorch's ``SGD(momentum=mu, nesterov=...)`` keeps ``b = mu b + g`` and
    steps ``-lr b``; with a constant learning rate that is the same trajectory.

    Raises:
        ValueError: if ``momentum`` is outside ``[0, 1]``.

    Source: keras/src/optimizers/sgd.py; Sutskever et al. (2013).
    """

    default_name = "SGD"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: `momentum` must be in [0, 1]. Received: momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def build_slots(self, param) -> dict:
        return {"momentum": updates.zeros_like(param)} if self.momentum else {}

    def update_step(self, grad, param, slots, lr):
        updates.sgd_update(param, grad, lr, slots.get("momentum"), self.momentum, self.nesterov, slots["_scratch"])

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
