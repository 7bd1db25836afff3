"""The optimizer base class: gradient clipping, weight decay, slots and the step counter."""

from __future__ import annotations

from ember.autograd import Tensor, no_grad
from ember.ops import updates


class Optimizer:
    """Base class (Keras 3 API).

    Args:
        learning_rate: a float or a schedule (callable ``step -> float``).
        weight_decay: decoupled weight decay factor, or ``None``.
        clipnorm: clip each gradient to this L2 norm, or ``None``.
        clipvalue: clip each gradient element to ``±clipvalue``, or ``None``.
        global_clipnorm: clip all gradients jointly to this global norm, or ``None``.
        name: defaults to the snake-case class name.

    Use ``apply_gradients(zip(grads, vars))`` / ``apply(grads, vars)`` as in
    Keras, or ``step(vars)`` to apply each variable's ``.grad`` in a
    PyTorch-style loop (then ``zero_grad(vars)``).

    Raises:
        ValueError: if more than one of the clipping options is set, or the
            gradient and variable counts differ.
    """

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):  # fmt: skip
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {sorted(kwargs)}")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{type(self).__name__}: only one of clipnorm, clipvalue and global_clipnorm can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self._learning_rate = learning_rate
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm = global_clipnorm
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self._slots: dict[int, dict] = {}

    # ------------------------------------------------------------------ learning rate
    @property
    def learning_rate(self) -> float:
        """The current learning rate (a schedule evaluated at ``iterations``)."""
        lr = self._learning_rate
        return float(lr(self.iterations)) if callable(lr) else float(lr)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate = value

    # ------------------------------------------------------------------ applying gradients
    def apply_gradients(self, grads_and_vars) -> None:
        """Apply ``(gradient, variable)`` pairs (Keras's API)."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads, trainable_variables) -> None:
        """Update ``trainable_variables`` in place from ``grads`` (Tensors or arrays; ``None`` skips)."""
        grads, variables = list(grads), list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}.apply: got {len(grads)} gradients for {len(variables)} variables")
        arrays = [g.data if isinstance(g, Tensor) else g for g in grads]
        pairs = [(g, v) for g, v in zip(arrays, variables, strict=True) if g is not None]
        pairs = self._clip(pairs)
        lr = self.learning_rate
        self.iterations += 1
        for g, v in pairs:
            slots = self._slots.get(id(v))
            if slots is None:
                slots = self._slots[id(v)] = self.build_slots(v.data)
                slots["scratch"] = updates.empty_like(v.data)
            if self.weight_decay:
                updates.decay(v.data, lr * self.weight_decay)
            self.update_step(g, v.data, slots, lr)
            if getattr(v, "constraint", None) is not None:
                with no_grad():
                    v.assign(v.constraint(v))

    def step(self, variables) -> None:
        """Apply each variable's ``.grad`` (PyTorch-style loops); variables without one are skipped."""
        variables = [v for v in variables if v.grad is not None]
        self.apply([v.grad for v in variables], variables)

    @staticmethod
    def zero_grad(variables) -> None:
        """Set every variable's ``.grad`` to ``None``."""
        for v in variables:
            v.grad = None

    def _clip(self, pairs):
        if self.clipvalue is not None:
            return [(updates.clip_by_value(g, self.clipvalue), v) for g, v in pairs]
        if self.clipnorm is not None:
            out = []
            for g, v in pairs:
                norm = updates.global_norm([g])
                out.append((updates.scale(g, self.clipnorm / norm) if norm > self.clipnorm else g, v))
            return out
        if self.global_clipnorm is not None:
            norm = updates.global_norm([g for g, _ in pairs])
            if norm > self.global_clipnorm:
                return [(updates.scale(g, self.global_clipnorm / norm), v) for g, v in pairs]
        return pairs

    # ------------------------------------------------------------------ subclass hooks
    def build_slots(self, param) -> dict:
        """Per-variable state buffers (e.g. Adam's ``m`` and ``v``). Default: none."""
        return {}

    def update_step(self, grad, param, slots: dict, lr: float) -> None:  # pragma: no cover - abstract
        """Update ``param`` (an array) in place."""
        raise NotImplementedError

    # ------------------------------------------------------------------ config and state
    def get_config(self) -> dict:
        """Constructor arguments."""
        lr = self._learning_rate
        return {
            "name": self.name,
            "learning_rate": lr if not hasattr(lr, "get_config") else {
                "class_name": type(lr).__name__, "config": lr.get_config()},
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }  # fmt: skip

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)

    def slots_for(self, variables) -> list[dict]:
        """The slot buffers of each variable (for checkpoints), ``{}`` for variables not yet stepped."""
        return [{k: a for k, a in self._slots.get(id(v), {}).items() if k != "scratch"} for v in variables]
