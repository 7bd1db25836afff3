"""The optimizer base class: clipping, weight decay, slots, the step counter and checkpoint state."""

from __future__ import annotations

import contextlib
import re

from ember.autograd import Tensor, no_grad, tracing
from ember.ops import updates

# Keras-only options that ember's eager optimizers do not implement: from_config accepts them when inactive.
_KERAS_ONLY = {"gradient_accumulation_steps": None}
_KERAS_IGNORED = ("jit_compile", "is_legacy_optimizer")


class Optimizer:
    """Base class (Keras 3 API).

    Every step: clip the gradients, decay the weights
    (``w -= w * weight_decay * lr``, decoupled as in Keras), apply the
    subclass's update rule in place, then project each variable with its
    ``constraint``. ``iterations`` counts the steps taken; the update rules use
    ``t = iterations`` after the increment (Keras's ``iterations + 1``).

    Args:
        learning_rate: a float, or a schedule (callable ``step -> float``, e.g.
            :class:`~ember.optimizers.schedules.ExponentialDecay`) evaluated at
            ``iterations`` before the step.
        weight_decay: decoupled weight decay factor, or ``None``. Defaults to ``None``.
        clipnorm: clip each gradient to this L2 norm, or ``None``. Defaults to ``None``.
        clipvalue: clip each gradient element to ``±clipvalue``, or ``None``. Defaults to ``None``.
        global_clipnorm: clip all gradients jointly to this global norm, or ``None``. Defaults to ``None``.
        use_ema: keep an exponential moving average of each variable (Polyak averaging):
            ``average = m * average + (1 - m) * variable`` after each step, with ``m = 0`` on the
            first step and ``ema_momentum`` after it, as Keras. ``fit`` then writes the averages
            into the variables when training ends (:meth:`finalize_variable_values`). The average is
            taken after the variable's ``constraint`` (Keras averages before it), so it stays in
            the constrained set for convex constraints. Defaults to ``False``.
        ema_momentum: ``m`` above, in ``[0, 1]``. Defaults to ``0.99``.
        ema_overwrite_frequency: also overwrite the variables with their averages every this many
            steps, or ``None`` for never. Defaults to ``None``.
        name: defaults to the Keras name of the optimizer (``'adam'``, ``'SGD'``, ...).
        loss_scale_factor: a static loss scale: :meth:`scale_loss` multiplies the loss by it and
            :meth:`apply` divides the gradients by it (Keras 3). Defaults to ``None``.
        gradient_accumulation_steps: Keras 3's; only ``None`` (other values raise NotImplementedError).

    Use ``apply_gradients(zip(grads, vars))`` / ``apply(grads, vars)`` as in
    Keras, or ``step(vars)`` to apply each variable's ``.grad`` in a
    PyTorch-style loop (then ``zero_grad(vars)``). ``get_state(vars)`` /
    ``set_state(vars, state)`` save and restore the step counter and slots.

    Raises:
        ValueError: if more than one of the clipping options is set, the
            gradient and variable counts differ, or an EMA option is out of range.
        TypeError: for unknown keyword arguments.
    """

    default_name = None

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, name=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, **kwargs):  # fmt: skip
        if gradient_accumulation_steps is not None:
            raise NotImplementedError(f"{type(self).__name__}: the Keras 3 argument gradient_accumulation_steps="
                                      f"{gradient_accumulation_steps!r} is not implemented in ember (only its default, "
                                      "None). Accumulate gradients in a custom train_step instead.")  # fmt: skip
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {sorted(kwargs)}")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{type(self).__name__}: only one of clipnorm, clipvalue and global_clipnorm can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(f"{type(self).__name__}: `ema_momentum` must be in [0, 1]. Received: {ema_momentum}")
        if use_ema and ema_overwrite_frequency is not None and (
            isinstance(ema_overwrite_frequency, bool) or not isinstance(ema_overwrite_frequency, int)
            or ema_overwrite_frequency < 1
        ):  # fmt: skip
            raise ValueError(f"{type(self).__name__}: `ema_overwrite_frequency` must be an int >= 1 or None. "
                             f"Received: {ema_overwrite_frequency!r}")  # fmt: skip
        self.use_ema, self.ema_momentum = bool(use_ema), ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self._learning_rate = learning_rate
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm = global_clipnorm
        self.loss_scale_factor = loss_scale_factor
        self.name = name or self.default_name or type(self).__name__.lower()
        self.iterations = 0
        self._slots: dict[int, dict] = {}
        self._exclude_ids: set[int] = set()
        self._exclude_pattern = None

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

    def scale_loss(self, loss):
        """The value to call ``backward()`` on: ``loss * loss_scale_factor``, or ``loss`` when that is None."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def backward(self, loss) -> None:
        """``scale_loss(loss).backward()`` inside :meth:`overflow_scope`: the built-in train step's backward."""
        with self.overflow_scope():
            self.scale_loss(loss).backward()

    def overflow_scope(self):
        """Context for a step's gradient computation: a no-op (a LossScaleOptimizer silences float16 overflow)."""
        return contextlib.nullcontext()

    def apply(self, grads, trainable_variables) -> None:
        """Update ``trainable_variables`` in place from ``grads`` (Tensors or arrays; ``None`` skips).

        Inside :func:`ember.function` the whole update is recorded as one ``callback`` node (see
        :func:`record_traced_apply`) and runs again, as Python, at every replay.
        """
        if record_traced_apply(self, grads, trainable_variables):
            return
        grads, variables = list(grads), list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}.apply: got {len(grads)} gradients for {len(variables)} variables")
        arrays = [g.data if isinstance(g, Tensor) else g for g in grads]
        if self.loss_scale_factor is not None:  # gradients of the scaled loss (scale_loss): unscale them
            arrays = [None if a is None else updates.scale(a, 1.0 / self.loss_scale_factor) for a in arrays]
        pairs = [(g, v) for g, v in zip(arrays, variables, strict=True) if g is not None]
        pairs = self._clip(pairs)
        lr = self.learning_rate
        self.iterations += 1
        self.prepare_step()
        for g, v in pairs:
            slots = self._slots_of(v)
            if self.weight_decay and self._use_weight_decay(v):
                updates.decay(v.data, lr * self.weight_decay, slots["_scratch"])
            self.update_step(g, v.data, slots, lr)
            if getattr(v, "constraint", None) is not None:
                with no_grad():
                    v.assign(v.constraint(v))
        if self.use_ema:
            self._update_averages([v for _, v in pairs])

    def _update_averages(self, variables) -> None:
        # Keras: momentum 0 on the first step (the average starts at the variable), then ema_momentum.
        momentum = 0.0 if self.iterations == 1 else self.ema_momentum
        overwrite = self.ema_overwrite_frequency and self.iterations % self.ema_overwrite_frequency == 0
        for v in variables:
            slots = self._slots[id(v)]
            updates.moving_average(slots["average"], v.data, momentum, slots["_scratch"])
            if overwrite:
                updates.copy_into(v.data, slots["average"])

    def finalize_variable_values(self, var_list) -> None:
        """With ``use_ema``, write each variable's moving average into it (Keras; ``fit`` calls this at the end).

        Variables this optimizer has not stepped are left alone; without ``use_ema`` nothing changes.
        """
        if not self.use_ema:
            return
        for v in var_list:
            slots = self._slots.get(id(v))
            if slots is not None:
                updates.copy_into(v.data, slots["average"])

    def step(self, variables) -> None:
        """Apply each variable's ``.grad`` (PyTorch-style loops); variables without one are skipped."""
        variables = [v for v in variables if v.grad is not None]
        self.apply([v.grad for v in variables], variables)

    @staticmethod
    def zero_grad(variables) -> None:
        """Set every variable's ``.grad`` to ``None``."""
        for v in variables:
            v.grad = None

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempt variables from weight decay: these objects, or any whose name matches one of ``var_names``."""
        self._exclude_ids |= {id(v) for v in var_list or ()}
        if var_names:
            self._exclude_pattern = "|".join(sorted(set(var_names)))

    def _use_weight_decay(self, v) -> bool:
        if id(v) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        return pattern is None or re.search(pattern, getattr(v, "name", "")) is None

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
        """Per-variable state buffers keyed by Keras's slot names (``'momentum'``, ``'velocity'``).

        Keys starting with ``_`` are scratch space, not state. Default: none.
        """
        return {}

    def prepare_step(self) -> None:
        """Once per step, after ``iterations`` is incremented and before any variable is updated."""

    def update_step(self, grad, param, slots: dict, lr: float) -> None:  # pragma: no cover - abstract
        """Update ``param`` (an array) in place."""
        raise NotImplementedError

    def global_state(self) -> dict:
        """Optimizer-wide scalars beyond ``iterations`` (e.g. Nadam's ``u_product``)."""
        return {}

    def set_global_state(self, state: dict) -> None:
        """Restore :meth:`global_state`'s values."""

    # ------------------------------------------------------------------ slots and checkpoint state
    def _slots_of(self, v) -> dict:
        slots = self._slots.get(id(v))
        if slots is None:
            slots = self._slots[id(v)] = self.build_slots(v.data)
            if self.use_ema:
                slots["average"] = updates.zeros_like(v.data)
            slots["_scratch"] = updates.empty_like(v.data)
        return slots

    def build(self, variables) -> None:
        """Create the slots of ``variables`` now (they are otherwise made at each variable's first update)."""
        for v in variables:
            self._slots_of(v)

    def slots_for(self, variables) -> list[dict]:
        """The slot buffers of each variable (live arrays), ``{}`` for variables not yet stepped."""
        return [{k: a for k, a in self._slots.get(id(v), {}).items() if not k.startswith("_")} for v in variables]

    def get_state(self, variables) -> dict:
        """A copy of the optimizer's state, for checkpoints: a flat ``{key: array}`` dict.

        Keys: ``'iterations'`` (int64 scalar), ``'learning_rate'`` (float64
        scalar, absent for schedules), optimizer-wide scalars such as
        ``'u_product'``, and ``'slots/{i}/{name}'`` for the ``i``-th variable
        of ``variables`` (slots are built first, so the keys do not depend on
        whether a step was taken). Restoring it with :meth:`set_state` on the
        same variables continues training bit for bit.
        """
        self.build(variables)
        state = {"iterations": updates.scalar(self.iterations, "int64")}
        if not callable(self._learning_rate):
            state["learning_rate"] = updates.scalar(self._learning_rate, "float64")
        state.update({k: updates.scalar(x, "float64") for k, x in self.global_state().items()})
        for i, slots in enumerate(self.slots_for(variables)):
            state.update({f"slots/{i}/{k}": updates.copy(a) for k, a in slots.items()})
        return state

    def set_state(self, variables, state: dict) -> None:
        """Restore :meth:`get_state`'s output for the same ``variables``, in place.

        Raises:
            ValueError: listing missing or unexpected keys, or a slot whose shape
                or dtype differs; nothing is changed then.
        """
        variables = list(variables)
        expected = self.get_state(variables)
        missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
        if missing or extra:
            raise ValueError(f"{type(self).__name__}.set_state: state keys do not match {len(variables)} variables. "
                             f"Missing: {missing}. Unexpected: {extra}")  # fmt: skip
        for key, want in expected.items():
            got = state[key]
            if tuple(got.shape) != tuple(want.shape) or got.dtype != want.dtype:
                raise ValueError(f"{type(self).__name__}.set_state: '{key}' expects shape {tuple(want.shape)} "
                                 f"{want.dtype}. Received: shape {tuple(got.shape)} {got.dtype}")  # fmt: skip
        self.iterations = int(state["iterations"])
        if "learning_rate" in state:
            self._learning_rate = float(state["learning_rate"])
        self.set_global_state({k: float(state[k]) for k in self.global_state()})
        for i, slots in enumerate(self.slots_for(variables)):
            for k, a in slots.items():
                updates.copy_into(a, state[f"slots/{i}/{k}"])

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Constructor arguments (a schedule as ``{'class_name', 'config'}``)."""
        lr = self._learning_rate
        if hasattr(lr, "get_config"):
            lr = {"class_name": type(lr).__name__, "config": lr.get_config()}
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum, "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor, "gradient_accumulation_steps": None}  # fmt: skip

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output (or a Keras 3 optimizer config).

        Raises:
            ValueError: for Keras-only options ember does not implement (``gradient_accumulation_steps``).
        """
        from ember.optimizers import schedules

        config = dict(config)
        for key, default in _KERAS_ONLY.items():
            value = config.pop(key, default)
            if value not in (default, None, False):
                raise ValueError(f"{cls.__name__}.from_config: option {key}={value!r} is not supported by ember")
        for key in _KERAS_IGNORED:
            config.pop(key, None)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)


def record_traced_apply(optimizer, grads, trainable_variables) -> bool:
    """While :func:`ember.function` traces: record ``optimizer.apply(grads, trainable_variables)`` as one
    ``callback`` node of the graph (ember/graph/ir.py) and return ``True``; otherwise return ``False``.

    The update is Python on arrays (step counter, learning-rate schedule, clipping, loss-scale checks,
    in-place slot kernels), so it is not recorded op by op: the traced gradient tensors become the node's
    inputs, and each replay calls ``optimizer.apply`` on the replayed gradient arrays (the first run, at
    trace time, is the eager step). Gradients given as arrays or ``None`` are taken as they are.
    """
    tracer = tracing._STATE["tracer"]
    if tracer is None:
        return False
    grads, variables = list(grads), list(trainable_variables)
    traced = [isinstance(g, Tensor) for g in grads]

    def update(*arrays):
        it = iter(arrays)
        optimizer.apply([next(it) if t else g for g, t in zip(grads, traced, strict=True)], variables)

    tracer.callback(update, [g for g, t in zip(grads, traced, strict=True) if t])
    return True
