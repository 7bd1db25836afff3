"""Learning-rate schedules (Keras 3 ``keras.optimizers.schedules``): ``lr = schedule(step)``.

Pass one as ``learning_rate=``; the optimizer evaluates it at its
``iterations`` count before each step. Values are computed in float64 Python
scalars (Keras computes in the dtype of ``initial_learning_rate``, float32).
Source: keras/src/optimizers/schedules/learning_rate_schedule.py.
"""

from __future__ import annotations

import math

from ember.utils.registry import lookup


def _positive_steps(cls: str, name: str, value) -> None:
    if value <= 0:
        raise ValueError(f"{cls}: argument `{name}` must be > 0. Received: {name}={value}")


class LearningRateSchedule:
    """Base class: ``__call__(step) -> float`` and ``get_config()``."""

    def __call__(self, step) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict:  # pragma: no cover - abstract
        """Constructor arguments."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (exponent floored when ``staircase``).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps per factor of ``decay_rate`` (> 0).
        decay_rate: the factor.
        staircase: decay in discrete jumps. Defaults to ``False``.
        name: Defaults to ``'ExponentialDecay'``.

    Raises:
        ValueError: if ``decay_steps <= 0``.

    Example:
        >>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20)
        0.025
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        _positive_steps("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps, self.decay_rate = initial_learning_rate, decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase else p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}  # fmt: skip


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` for ``boundaries[i-1] < step <= boundaries[i]``,
    ``values[-1]`` after the last boundary.

    Args:
        boundaries: increasing step counts.
        values: one more value than boundaries.
        name: Defaults to ``'PiecewiseConstant'``.

    Raises:
        ValueError: if ``len(values) != len(boundaries) + 1``.

    Example:
        >>> s = PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
        >>> [s(100), s(101), s(201)]
        [1.0, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of `values` must be the length of `boundaries` plus 1. "
                f"Received: len(boundaries)={len(boundaries)}, len(values)={len(values)}"
            )
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values, strict=False):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, ``step`` capped at ``decay_steps``.

    With ``cycle=True`` the horizon grows to the next multiple of ``decay_steps``
    instead: ``decay_steps * ceil(step / decay_steps)`` (``1`` at step 0).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: length of the decay (> 0).
        end_learning_rate: the final rate. Defaults to ``0.0001``.
        power: Defaults to ``1.0`` (linear).
        cycle: restart the decay after ``decay_steps``. Defaults to ``False``.
        name: Defaults to ``'PolynomialDecay'``.

    Raises:
        ValueError: if ``decay_steps <= 0``.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):  # fmt: skip
        _positive_steps("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step):
        decay_steps = self.decay_steps
        if self.cycle:
            decay_steps = decay_steps * (1.0 if step == 0 else math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * (1 - p) ** self.power + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}  # fmt: skip


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (ratio floored when ``staircase``).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: step scale (> 0).
        decay_rate: Defaults to none; required.
        staircase: Defaults to ``False``.
        name: Defaults to ``'InverseTimeDecay'``.

    Raises:
        ValueError: if ``decay_steps <= 0``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        _positive_steps("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps, self.decay_rate = initial_learning_rate, decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate / (1 + self.decay_rate * (math.floor(p) if self.staircase else p))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}  # fmt: skip


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then cosine decay (SGDR without restarts).

    Without warmup: ``lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)``.
    With ``warmup_target``: the rate rises linearly from ``initial_learning_rate``
    to ``warmup_target`` over ``warmup_steps``, then decays from
    ``warmup_target`` as above over the next ``decay_steps``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: length of the cosine decay (> 0).
        alpha: final rate as a fraction of the decayed-from rate. Defaults to ``0.0``.
        name: Defaults to ``'CosineDecay'``.
        warmup_target: rate reached after warmup, or ``None`` for no warmup. Defaults to ``None``.
        warmup_steps: Defaults to ``0``.

    Raises:
        ValueError: if ``decay_steps <= 0``.

    Source: Loshchilov & Hutter, "SGDR" (ICLR 2017); Goyal et al. (2017) for the warmup.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):  # fmt: skip
        _positive_steps("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps, self.alpha, self.name = (
            initial_learning_rate,
            decay_steps,
            alpha,
            name,
        )
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decay(self, step, start):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return delta * (step / self.warmup_steps) + self.initial_learning_rate
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}  # fmt: skip


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts: periods grow by ``t_mul``, peaks shrink by ``m_mul``.

    With ``f = step / first_decay_steps``: restart index ``i`` and position ``x`` in
    the current period (``i = floor(f)``, ``x = f - i`` when ``t_mul == 1``; else
    ``i = floor(log(1 - f (1 - t_mul)) / log(t_mul))``,
    ``x = (f - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i``);
    ``lr = lr0 * ((1 - alpha) * 0.5 * m_mul**i * (1 + cos(pi x)) + alpha)``.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: length of the first period (> 0).
        t_mul: period growth factor. Defaults to ``2.0``.
        m_mul: peak shrink factor. Defaults to ``1.0``.
        alpha: minimum as a fraction of ``initial_learning_rate``. Defaults to ``0.0``.
        name: Defaults to ``'SGDRDecay'``.

    Raises:
        ValueError: if ``first_decay_steps <= 0``.

    Source: Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts" (ICLR 2017).
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        _positive_steps("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self.t_mul, self.m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        f = step / self.first_decay_steps
        if self.t_mul == 1.0:
            i = math.floor(f)
            x = f - i
        else:
            i = math.floor(math.log(1.0 - f * (1.0 - self.t_mul)) / math.log(self.t_mul))
            x = (f - (1.0 - self.t_mul**i) / (1.0 - self.t_mul)) / self.t_mul**i
        cosine = 0.5 * self.m_mul**i * (1.0 + math.cos(math.pi * x))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}  # fmt: skip


_CLASSES = (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay,
            CosineDecayRestarts)  # fmt: skip
_REGISTRY = {c.__name__: c for c in _CLASSES}


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{'module', 'class_name', 'config', 'registered_name'}`` (JSON-ready)."""
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(f"schedules.serialize: expected a LearningRateSchedule. Received: {schedule!r}")
    return {"module": "ember.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}  # fmt: skip


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """Rebuild a schedule from :func:`serialize`'s dict.

    Raises:
        ValueError: for an unknown class name, listing the valid ones.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"schedules.deserialize: expected a dict with 'class_name'. Received: {config!r}")
    cls = lookup("learning rate schedule", config["class_name"], {**_REGISTRY, **(custom_objects or {})},
                 allow_callable=False)  # fmt: skip
    return cls.from_config(config.get("config") or {})


__all__ = ["LearningRateSchedule", *(c.__name__ for c in _CLASSES), "serialize", "deserialize"]
