"""Adamax, Nadam and Lion as Keras 3 implements them."""

from __future__ import annotations

from ember.ops import updates
from ember.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adam with the infinity norm in place of the second moment (Keras 3 ``Adamax``).

    Update rule (step ``t`` from 1)::

        m = m + (g - m) * (1 - beta_1)
        u = max(beta_2 * u, |g|)
        w = w - lr * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: float or schedule. Defaults to ``0.001``.
        beta_1: Defaults to ``0.9``.
        beta_2: decay of the infinity norm. Defaults to ``0.999``.
        epsilon: Defaults to ``1e-7``. NOTE: PyTorch puts its ``eps`` inside the
            maximum, ``u = max(beta_2 u, |g| + eps)``; with ``epsilon=0`` both agree.
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``.

    Slots: ``momentum``, ``norm``.

    Source: Kingma & Ba, "Adam" (ICLR 2015), §7.1 Algorithm 2; keras/src/optimizers/adamax.py.
    """

    default_name = "adamax"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build_slots(self, param) -> dict:
        return {"momentum": updates.zeros_like(param), "norm": updates.zeros_like(param)}

    def update_step(self, grad, param, slots, lr):
        updates.adamax_update(param, grad, lr, slots["momentum"], slots["norm"], self.beta_1, self.beta_2,
                              self.epsilon, self.iterations, slots["_scratch"])  # fmt: skip

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Adam with Nesterov momentum and Dozat's momentum schedule (Keras 3 ``Nadam``).

    Update rule (step ``t`` from 1; ``u_product`` starts at 1)::

        u_t  = beta_1 * (1 - 0.5 * 0.96**t);   u_t1 = beta_1 * (1 - 0.5 * 0.96**(t + 1))
        u_product = u_product * u_t
        m = m + (g - m) * (1 - beta_1);        v = v + (g*g - v) * (1 - beta_2)
        m_hat = u_t1 * m / (1 - u_product * u_t1) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w = w - lr * m_hat / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: float or schedule. Defaults to ``0.001``.
        beta_1: Defaults to ``0.9``.
        beta_2: Defaults to ``0.999``.
        epsilon: Defaults to ``1e-7``.
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``.

    NOTE: PyTorch's ``NAdam`` uses ``0.96**(t * momentum_decay)`` with
    ``momentum_decay=0.004``; ``NAdam(momentum_decay=1.0)`` is this rule.

    Slots: ``momentum``, ``velocity``; optimizer-wide state ``u_product``.

    Source: Dozat, "Incorporating Nesterov Momentum into Adam" (2016); keras/src/optimizers/nadam.py.
    """

    default_name = "nadam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.u_product = 1.0

    def build_slots(self, param) -> dict:
        return {"momentum": updates.zeros_like(param), "velocity": updates.zeros_like(param),
                "_scratch2": updates.empty_like(param)}  # fmt: skip

    def _u(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def prepare_step(self):
        self.u_product *= self._u(self.iterations)

    def update_step(self, grad, param, slots, lr):
        t = self.iterations
        u_t, u_t1 = self._u(t), self._u(t + 1)
        coefs = (u_t1 / (1 - self.u_product * u_t1), (1 - u_t) / (1 - self.u_product), 1 - self.beta_2**t)
        updates.nadam_update(param, grad, lr, slots["momentum"], slots["velocity"], coefs, self.beta_1,
                             self.beta_2, self.epsilon, slots["_scratch"], slots["_scratch2"])  # fmt: skip

    def global_state(self):
        return {"u_product": self.u_product}

    def set_global_state(self, state):
        self.u_product = state["u_product"]

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Lion(Optimizer):
    """Sign of an interpolated momentum (Keras 3 ``Lion``).

    Update rule::

        w = w - lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Args:
        learning_rate: float or schedule; typically 3-10x smaller than Adam's. Defaults to ``0.001``.
        beta_1: interpolation factor of the step direction. Defaults to ``0.9``.
        beta_2: decay of the momentum. Defaults to ``0.99``.
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``.

    Raises:
        ValueError: if ``beta_1`` is not in ``(0, 1]``.

    Slots: ``momentum``.

    Source: Chen et al., "Symbolic Discovery of Optimization Algorithms" (2023),
    Program 1; keras/src/optimizers/lion.py.
    """

    default_name = "lion"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Lion: argument `beta_1` must be in the (0, 1] range. Otherwise, the optimizer "
                             f"degenerates to SignSGD. Received: beta_1={beta_1}")  # fmt: skip
        self.beta_1, self.beta_2 = beta_1, beta_2

    def build_slots(self, param) -> dict:
        return {"momentum": updates.zeros_like(param), "_scratch2": updates.empty_like(param)}

    def update_step(self, grad, param, slots, lr):
        updates.lion_update(param, grad, lr, slots["momentum"], self.beta_1, self.beta_2, slots["_scratch"],
                            slots["_scratch2"])  # fmt: skip

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
