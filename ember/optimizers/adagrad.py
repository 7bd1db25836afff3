"""Adagrad (Duchi et al., 2011) and Adadelta (Zeiler, 2012) as Keras 3 implements them."""

from __future__ import annotations

from ember.ops import updates
from ember.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Per-parameter learning rates scaled by the accumulated squared gradients (Keras 3 ``Adagrad``).

    Update rule::

        acc = acc + g**2                      # acc starts at initial_accumulator_value
        w = w - lr * g / sqrt(acc + epsilon)

    Args:
        learning_rate: float or schedule. Defaults to ``0.001``.
        initial_accumulator_value: starting value of ``acc``. Defaults to ``0.1``.
        epsilon: Defaults to ``1e-7``. NOTE: inside the square root; PyTorch
            adds its ``eps`` (default ``1e-10``) after it and starts ``acc`` at
            ``0``. With ``epsilon=0`` and the same initial value both agree.
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``.

    Slots: ``accumulator``.

    Source: Duchi, Hazan & Singer, "Adaptive Subgradient Methods" (JMLR 2011);
    keras/src/optimizers/adagrad.py.
    """

    default_name = "adagrad"

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build_slots(self, param) -> dict:
        return {"accumulator": updates.full_like(param, self.initial_accumulator_value)}

    def update_step(self, grad, param, slots, lr):
        updates.adagrad_update(param, grad, lr, slots["accumulator"], self.epsilon, slots["_scratch"])

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}  # fmt: skip


class Adadelta(Optimizer):
    """Steps scaled by the ratio of running RMS of updates and of gradients (Keras 3 ``Adadelta``).

    Update rule::

        Eg = rho * Eg + (1 - rho) * g**2
        d  = -sqrt(Ed + epsilon) / sqrt(Eg + epsilon) * g
        Ed = rho * Ed + (1 - rho) * d**2
        w  = w + lr * d

    Args:
        learning_rate: float or schedule. Defaults to ``0.001`` (the paper uses ``1.0``).
        rho: decay rate. Defaults to ``0.95``.
        epsilon: Defaults to ``1e-7`` (inside both square roots, as in PyTorch,
            whose default is ``1e-6``).
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``.

    Slots: ``accumulated_grad``, ``accumulated_delta_var``.

    Source: Zeiler, "ADADELTA: An Adaptive Learning Rate Method" (2012), Algorithm 1;
    keras/src/optimizers/adadelta.py.
    """

    default_name = "adadelta"

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def build_slots(self, param) -> dict:
        return {"accumulated_grad": updates.zeros_like(param), "accumulated_delta_var": updates.zeros_like(param),
                "_scratch2": updates.empty_like(param)}  # fmt: skip

    def update_step(self, grad, param, slots, lr):
        updates.adadelta_update(param, grad, lr, slots["accumulated_grad"], slots["accumulated_delta_var"],
                                self.rho, self.epsilon, slots["_scratch"], slots["_scratch2"])  # fmt: skip

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
