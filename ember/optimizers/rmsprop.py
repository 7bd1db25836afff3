"""RMSprop (Hinton, 2012) as Keras 3 implements it."""

from __future__ import annotations

from ember.ops import updates
from ember.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients (Keras 3 ``RMSprop``).

    Update rule::

        v = rho * v + (1 - rho) * g**2
        if centered:  a = rho * a + (1 - rho) * g;  d = v - a**2 + epsilon
        else:         d = v + epsilon
        inc = lr * g / sqrt(d)
        if momentum > 0:  mom = momentum * mom + inc;  w = w - mom
        else:             w = w - inc

    Args:
        learning_rate: float or schedule. Defaults to ``0.001``.
        rho: decay of the squared-gradient average. Defaults to ``0.9``.
        momentum: Defaults to ``0.0``.
        epsilon: Defaults to ``1e-7``. NOTE: Keras adds it inside the square
            root; PyTorch (``alpha=rho``, default ``eps=1e-8``) adds it after,
            ``g / (sqrt(v) + eps)``. With ``epsilon=0`` both agree.
        centered: normalise by the estimated variance instead of the second moment. Defaults to ``False``.
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``.

    Slots: ``velocity``, ``momentum`` (when ``momentum > 0``), ``average_gradient`` (when centered).

    Source: Hinton, Neural Networks for Machine Learning, lecture 6e (2012);
    Graves (2013) for the centered form; keras/src/optimizers/rmsprop.py.
    """

    default_name = "rmsprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build_slots(self, param) -> dict:
        slots = {"velocity": updates.zeros_like(param)}
        if self.momentum > 0:
            slots["momentum"] = updates.zeros_like(param)
        if self.centered:
            slots["average_gradient"] = updates.zeros_like(param)
        return slots

    def update_step(self, grad, param, slots, lr):
        updates.rmsprop_update(param, grad, lr, slots["velocity"], self.rho, self.epsilon, slots["_scratch"],
                               slots.get("momentum"), self.momentum, slots.get("average_gradient"))  # fmt: skip

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}  # fmt: skip
