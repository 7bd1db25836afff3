"""``LossScaleOptimizer``: dynamic loss scaling for float16 training (Keras 3).

Float16 gradients underflow to zero below ~6e-8. The loss is multiplied by a large scale before
``backward()`` and the gradients divided by it before the update, so small gradients survive:

    loss_for_backward = loss * scale                       # scale_loss()
    if every gradient is finite:
        inner_optimizer.apply(grads / scale)
        if step_counter == dynamic_growth_steps - 1: step_counter = 0; scale *= 2
        else: step_counter += 1
    else:                                                  # overflow: the step is skipped
        step_counter = 0; scale /= 2

``Model.compile`` wraps the optimizer in one when the model's policy is ``'mixed_float16'``
(``auto_scale_loss=True``). Source: keras/src/optimizers/loss_scale_optimizer.py.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor, Variable
from ember.ops import updates
from ember.optimizers.optimizer import Optimizer, record_traced_apply


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer`` with dynamic loss scaling (see the module docstring).

    Args:
        inner_optimizer: the :class:`Optimizer` that updates the variables.
        initial_scale: the first loss scale. Defaults to ``2.0 ** 15``.
        dynamic_growth_steps: finite steps between doublings of the scale. Defaults to ``2000``.
        **kwargs: the base :class:`Optimizer` arguments (``name``, ...).

    Attributes:
        dynamic_scale: the current scale (float). step_counter: finite steps since the last change.
        inner_optimizer: the wrapped optimizer.

    Raises:
        ValueError: if ``inner_optimizer`` is not an Optimizer.
    """

    default_name = "loss_scale_optimizer"

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, **kwargs):
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(f"LossScaleOptimizer: expected an ember Optimizer as inner_optimizer. "
                             f"Received: inner_optimizer={inner_optimizer!r}")  # fmt: skip
        self.inner_optimizer = inner_optimizer
        kwargs.pop("learning_rate", None)
        super().__init__(learning_rate=0.0, **kwargs)
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        # a Variable, so that a traced train step (jit_compile) reads the current scale at each replay
        self._scale = Variable(self.initial_scale, name="dynamic_scale", trainable=False, dtype="float32")
        self.step_counter = 0

    @property
    def dynamic_scale(self) -> float:
        """The current loss scale."""
        return float(self._scale.data)

    @dynamic_scale.setter
    def dynamic_scale(self, value: float) -> None:
        self._scale.assign(backend.asarray(value, dtype="float32"))

    # the inner optimizer owns the step count and the learning rate, as in Keras
    iterations = property(lambda self: self.inner_optimizer.iterations,
                          lambda self, v: setattr(self.inner_optimizer, "iterations", v) if "inner_optimizer"
                          in self.__dict__ else None, doc="The inner optimizer's step count.")  # fmt: skip
    learning_rate = property(lambda self: self.inner_optimizer.learning_rate,
                             lambda self, v: setattr(self.inner_optimizer, "learning_rate", v),
                             doc="The inner optimizer's learning rate.")  # fmt: skip

    def scale_loss(self, loss):
        """``loss * dynamic_scale`` (the value to call ``backward()`` on)."""
        return loss * self._scale

    def overflow_scope(self):
        """A context in which float16 overflow (inf/NaN gradients) is not warned about: it is expected
        under loss scaling, and :meth:`apply` detects it and skips the step."""
        return backend.errstate(backend.xp(), over="ignore", invalid="ignore")

    def apply(self, grads, trainable_variables) -> None:
        """Unscale and apply ``grads`` if all are finite; otherwise skip the step and halve the scale."""
        if record_traced_apply(self, grads, trainable_variables):  # inside ember.function: replayed as Python
            return
        arrays = [g.data if isinstance(g, Tensor) else g for g in grads]
        if not updates.all_finite([a for a in arrays if a is not None]):
            self.step_counter = 0
            self.dynamic_scale *= 0.5
            return
        self.inner_optimizer.apply([None if a is None else updates.scale(a, 1.0 / self.dynamic_scale)
                                    for a in arrays], trainable_variables)  # fmt: skip
        if self.step_counter == self.dynamic_growth_steps - 1:
            self.step_counter = 0
            self.dynamic_scale *= 2.0
        else:
            self.step_counter += 1

    def finalize_variable_values(self, var_list) -> None:
        """The inner optimizer's (EMA weights swapped in at the end of ``fit``)."""
        self.inner_optimizer.finalize_variable_values(var_list)

    def build(self, variables) -> None:
        """Build the inner optimizer's slots."""
        self.inner_optimizer.build(variables)

    def slots_for(self, variables) -> list[dict]:
        """The inner optimizer's slots."""
        return self.inner_optimizer.slots_for(variables)

    def get_state(self, variables) -> dict:
        """The inner optimizer's state plus ``dynamic_scale`` and ``step_counter``."""
        state = self.inner_optimizer.get_state(variables)
        state["dynamic_scale"] = updates.scalar(self.dynamic_scale, "float64")
        state["step_counter"] = updates.scalar(self.step_counter, "int64")
        return state

    def set_state(self, variables, state: dict) -> None:
        """Restore :meth:`get_state`'s output."""
        state = dict(state)
        self.dynamic_scale = float(state.pop("dynamic_scale"))
        self.step_counter = int(state.pop("step_counter"))
        self.inner_optimizer.set_state(variables, state)

    def get_config(self) -> dict:
        """Keras's config: ``inner_optimizer`` serialized, ``initial_scale``, ``dynamic_growth_steps``."""
        config = super().get_config()
        del config["learning_rate"]
        # no "module": the .keras writer names the module of each nested object (keras.optimizers for Keras)
        inner = {"class_name": type(self.inner_optimizer).__name__, "config": self.inner_optimizer.get_config()}
        config.update(inner_optimizer=inner, initial_scale=self.initial_scale,
                      dynamic_growth_steps=self.dynamic_growth_steps)  # fmt: skip
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuild from :meth:`get_config`'s output (or Keras's)."""
        from ember.optimizers import deserialize

        config = dict(config)
        config["inner_optimizer"] = deserialize(config["inner_optimizer"], custom_objects)
        return cls(**config)
