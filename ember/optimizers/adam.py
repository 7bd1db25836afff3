"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019) with Keras's epsilon placement."""

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
        learning_rate: float or schedule. Defaults to ``0.001``.
        beta_1: decay of the first moment. Defaults to ``0.9``.
        beta_2: decay of the second moment. Defaults to ``0.999``.
        epsilon: Defaults to ``1e-7``. NOTE: Keras adds it to ``sqrt(v)``
            before bias correction; PyTorch (default ``1e-8``) adds it after,
            so torch's ``eps`` equals Keras's ``epsilon / sqrt(1 - beta_2**t)``.
            With ``epsilon=0`` both give the same steps.
        amsgrad: keep the running maximum of ``v``. Defaults to ``False``.
        **kwargs: ``weight_decay``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``,
            ``name``; see :class:`~ember.optimizers.Optimizer`.

    Slots: ``momentum``, ``velocity`` (and ``velocity_hat`` with AMSGrad).

    Source: Kingma & Ba, "Adam" (ICLR 2015), Algorithm 1 with the efficient
    ordering of §2; Reddi et al., "On the Convergence of Adam and Beyond"
    (ICLR 2018); keras/src/optimizers/adam.py.
    """

    default_name = "adam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build_slots(self, param) -> dict:
        slots = {"momentum": updates.zeros_like(param), "velocity": updates.zeros_like(param)}
        if self.amsgrad:
            slots["velocity_hat"] = updates.zeros_like(param)
        return slots

    def update_step(self, grad, param, slots, lr):
        t = self.iterations
        alpha = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        updates.adam_update(param, grad, slots["momentum"], slots["velocity"], alpha, self.beta_1, self.beta_2,
                            self.epsilon, slots["_scratch"], slots.get("velocity_hat"))  # fmt: skip

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}  # fmt: skip


class AdamW(Adam):
    """Adam with decoupled weight decay (Keras 3 ``AdamW``).

    Update rule (step ``t`` from 1), the decay applied before the Adam step::

        w = w - lr * weight_decay * w
        (then Adam's update, see :class:`Adam`)

    Args:
        learning_rate: float or schedule. Defaults to ``0.001``.
        weight_decay: decay factor (multiplied by the learning rate). Defaults to ``0.004``.
        beta_1: Defaults to ``0.9``.
        beta_2: Defaults to ``0.999``.
        epsilon: Defaults to ``1e-7`` (see :class:`Adam` for PyTorch's placement).
        amsgrad: Defaults to ``False``.
        **kwargs: ``clipnorm``, ``clipvalue``, ``global_clipnorm``, ``name``.

    Raises:
        ValueError: if ``weight_decay`` is ``None``.

    PyTorch's ``AdamW`` decays with ``w *= 1 - lr * weight_decay``: the same rule.

    Source: Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (ICLR 2019);
    keras/src/optimizers/adamw.py.
    """

    default_name = "adamw"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):  # fmt: skip
        if weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)  # fmt: skip
