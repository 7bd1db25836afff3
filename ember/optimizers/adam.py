"""Adam (Kingma & Ba, 2015) with Keras's epsilon placement."""

from __future__ import annotations

import math

from ember.ops import updates
from ember.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Adaptive moment estimation (Keras 3 ``Adam``).

    Update rule (step ``t`` from 1)::

        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m = m + (g - m) * (1 - beta_1)
        v = v + (g*g - v) * (1 - beta_2)
        w = w - alpha * m / (sqrt(v) + epsilon)      # amsgrad: v_hat = max(v_hat, v) in place of v

    Args:
        learning_rate: defaults to ``0.001``.
        beta_1: defaults to ``0.9``.
        beta_2: defaults to ``0.999``.
        epsilon: defaults to ``1e-7`` (Keras's default; PyTorch uses 1e-8 and
            adds it after bias correction).
        amsgrad: defaults to ``False``.
        **kwargs: see :class:`~ember.optimizers.Optimizer`.

    Source: Kingma & Ba, "Adam" (ICLR 2015), Algorithm 1 with the efficient
    ordering of §2; keras/src/optimizers/adam.py.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build_slots(self, param) -> dict:
        slots = {"m": updates.zeros_like(param), "v": updates.zeros_like(param)}
        if self.amsgrad:
            slots["v_hat"] = updates.zeros_like(param)
        return slots

    def update_step(self, grad, param, slots, lr):
        t = self.iterations
        alpha = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        updates.adam_update(param, grad, slots["m"], slots["v"], alpha, self.beta_1, self.beta_2, self.epsilon,
                            slots["scratch"], slots.get("v_hat"))  # fmt: skip

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}  # fmt: skip
