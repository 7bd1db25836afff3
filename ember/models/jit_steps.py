"""``compile(jit_compile=True)``: the trainer's steps run through :func:`ember.function` (graph mode).

The forward pass, the losses (compiled, ``add_loss`` and regularization terms), the backward
pass, the layers' state updates (BatchNorm moving statistics, RNG draws of Dropout/noise
layers) and the optimizer update of a step are traced once per batch signature and then replayed
on arrays (ember/graph). The optimizer update (:meth:`Optimizer.apply`: step counter,
learning-rate schedule, clipping, loss-scale checks, in-place slot kernels) is one ``callback``
node of the graph: Python replayed as it is, on the replayed gradients. The metric updates
(Python floats) run after each replay, exactly as in eager mode, on the replayed loss and predictions.
"""

from __future__ import annotations

import warnings

from ember.graph import GraphFallbackWarning, function
from ember.utils import batching


class JitSteps:
    """The traced step functions of one compiled model.

    Args:
        model: a compiled :class:`~ember.models.Model`.
        warn: warn (``GraphFallbackWarning``) when a step reads tensor values in Python and so
            runs eagerly (``jit_compile=True``); ``False`` falls back silently (``'auto'``).
    """

    def __init__(self, model, warn: bool = True):
        self.model = model
        self.train = function(self._train_core)
        # evaluation and prediction see one-off batch sizes (a last partial batch, predict(x[:1])):
        # a shape is traced when it comes back
        self.test = function(self._test_core, reduce_retracing=True)
        self.predict = function(self._predict_core, reduce_retracing=True)
        for fn in (self.train, self.test, self.predict):
            fn.retrace_warning_at = None  # batch shapes come from the data, not from a bug in user code
            fn.warn_on_fallback = warn

    def _train_core(self, x, y, sample_weight, trainable_ids):
        m = self.model
        m._clear_losses()
        y_pred = m(x, training=True)
        loss = m.compute_loss(x, y, y_pred, sample_weight)
        variables = m.trainable_weights
        if not variables or not loss.requires_grad:  # nothing to train: a no-op step, as in Keras (and eager)
            return loss, y_pred, list(m._output_losses) if m._multi_output else None
        m.optimizer.backward(loss)
        grads = [v.grad for v in variables]
        for v in variables:
            v.grad = None
        m.optimizer.apply(grads, variables)  # one callback node (Optimizer.apply is Python on arrays)
        return loss, y_pred, list(m._output_losses) if m._multi_output else None

    def _test_core(self, x, y, sample_weight):
        from ember.autograd import no_grad

        m = self.model
        with no_grad():
            m._clear_losses()
            y_pred = m(x, training=False)
            loss = m.compute_loss(x, y, y_pred, sample_weight, training=False)
        return loss, y_pred, list(m._output_losses) if m._multi_output else None

    def _predict_core(self, x):
        from ember.autograd import no_grad

        with no_grad():
            return self.model(x, training=False)

    def train_step(self, data) -> dict:
        """:meth:`Trainer.train_step` with the forward, backward and optimizer update replayed."""
        m = self.model
        x, y, sample_weight = batching.unpack_x_y_sample_weight(data)
        # the trainable set is part of the signature: freezing a layer between calls retraces
        trainable = tuple(id(v) for v in m.trainable_weights)
        with m.optimizer.overflow_scope():  # the replayed backward may overflow float16 under loss scaling
            loss, y_pred, output_losses = self.train(x, y, sample_weight, trainable)
        if m._multi_output:
            m._output_losses = output_losses
        return m._update_metrics(loss, y, y_pred, sample_weight, batching.num_samples(x))

    def test_step(self, data) -> dict:
        """:meth:`Trainer.test_step`, replayed."""
        m = self.model
        x, y, sample_weight = batching.unpack_x_y_sample_weight(data)
        loss, y_pred, output_losses = self.test(x, y, sample_weight)
        if m._multi_output:
            m._output_losses = output_losses
        return m._update_metrics(loss, y, y_pred, sample_weight, batching.num_samples(x))

    def predict_step(self, data):
        """:meth:`Trainer.predict_step`, replayed."""
        x, _, _ = batching.unpack_x_y_sample_weight(data)
        return self.predict(x)


def resolve_jit_compile(model, jit_compile, run_eagerly: bool) -> bool:
    """Whether ``compile(jit_compile=...)`` turns graph mode on.

    ``True`` and ``'auto'`` (Keras's default) turn it on when ``run_eagerly`` is off, the model uses
    the built-in steps and has no ``stateful=True`` layer (its states live in Python attributes,
    which a replay would not update); ``True`` warns when it cannot. ``False`` never.

    Raises:
        ValueError: for any other value.
    """
    if jit_compile not in (True, False, "auto"):
        raise ValueError(f"compile: `jit_compile` must be True, False or 'auto'. Received: jit_compile={jit_compile!r}")
    if run_eagerly or jit_compile is False:
        return False
    from ember.models.trainer import Trainer

    cls = type(model)
    custom = [n for n in ("train_step", "test_step", "predict_step") if getattr(cls, n) is not getattr(Trainer, n)]
    stateful = [layer.name for layer in model._flatten_layers() if getattr(layer, "stateful", False)]
    if jit_compile is True and (custom or stateful):
        why = f"custom {custom}" if custom else f"stateful layers {stateful} keep their states in Python"
        warnings.warn(f"Model '{model.name}': jit_compile=True runs eagerly: {why}.", GraphFallbackWarning,
                      stacklevel=3)  # fmt: skip
    return not custom and not stateful
