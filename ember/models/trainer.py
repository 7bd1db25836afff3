"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and the overridable steps.

Source: keras/src/trainers/trainer.py and its NumPy/TensorFlow backends (Keras 3),
reduced to an eager loop: each step is forward, loss, ``backward()``, optimizer update.
Override :meth:`Trainer.train_step` (and ``test_step``/``predict_step``) to write a
custom step (GAN, VAE) that still runs under ``fit`` with its callbacks and progress bar.
"""

from __future__ import annotations

from ember import metrics as metrics_mod
from ember import optimizers
from ember.autograd import Tensor, no_grad
from ember.callbacks import CallbackList, History, ProgbarLogger
from ember.models import data_checks, dataset_loop, distribute_hook
from ember.models.compile_utils import as_metric_list, build_outputs, plain_result
from ember.models.evaluation import Evaluator, _verbose
from ember.models.jit_steps import JitSteps, resolve_jit_compile
from ember.utils import batching


def _validate_now(epoch: int, validation_freq) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


_JIT_DEFAULT = "auto"  # Keras 3 default; see docs/graph_mode.md
_COMPILE_EXTRAS = {"weighted_metrics", "steps_per_execution", "jit_compile", "auto_scale_loss"}


def _steps_per_execution(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"compile: `steps_per_execution` must be an int >= 1. Received: {value!r}")
    return value


def _single(value):
    """The one entry of a one-output list/dict (``loss={'dense': 'mse'}`` on a single-output model)."""
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value.values()))
    if isinstance(value, (list, tuple)) and len(value) == 1 and not isinstance(value[0], str):
        return value[0]
    return value


def _fit_callbacks(model, callbacks, params: dict):
    """Keras's order: the progress bar first, the user's callbacks, History last (each added unless given)."""
    cbs = list(callbacks or [])
    history = next((c for c in cbs if isinstance(c, History)), None)
    if history is None:
        history = History()
        cbs.append(history)
    if params["verbose"] and not any(isinstance(c, ProgbarLogger) for c in cbs):
        cbs.insert(0, ProgbarLogger())
    return CallbackList(cbs, model=model, params=params), history


def _trainable_flags(model) -> dict:
    return {id(layer): layer.trainable for layer in model._flatten_layers()}


def _warn_if_trainable_changed(model) -> None:
    """Keras needs ``compile()`` again after ``trainable`` changes; ember applies it at once but warns (issue 16)."""
    before = getattr(model, "_trainable_at_compile", None)
    if before is None:
        return
    now = _trainable_flags(model)
    if any(before[k] != v for k, v in now.items() if k in before):
        import warnings

        warnings.warn(
            f"Model '{model.name}': a layer's `trainable` changed after compile(). ember trains with the new "
            "setting at once, but Keras applies it only after you call compile() again: call model.compile(...) "
            "after changing `trainable` so that the script behaves the same on both.",
            UserWarning,
            stacklevel=3,
        )
        model._trainable_at_compile = now


class Trainer(Evaluator):
    """Mixin giving a :class:`~ember.models.Model` Keras's training API."""

    compiled = False
    _initial_epoch = None
    _jit = None
    _steps_per_execution = 1

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, run_eagerly=False, **kwargs):
        """Configure training.

        Args:
            optimizer: name (``'adam'``, ``'sgd'``) or Optimizer. Defaults to
                ``'rmsprop'`` as in Keras (falls back to Adam's defaults if
                RMSprop is not available).
            loss: name (``'binary_crossentropy'``, ``'mse'``, ...), Loss or function;
                for a multi-output model also a list (one per output) or a dict
                keyed by output name. One loss is applied to every output.
            metrics: list of names/Metrics/functions, or one name such as
                ``'accuracy'``; for multi-output models a dict by output name or a
                list of lists (a flat list applies to every output).
            loss_weights: scalar factors of each output's loss (list or dict); the
                total loss is ``sum(weight_i * loss_i)``. Defaults to ``1`` each.
            run_eagerly: ``True`` runs the steps eagerly (no graph mode). Defaults to ``False``.
            **kwargs: Keras's ``weighted_metrics`` (added to ``metrics``; every ember metric
                weighs samples by ``sample_weight``); ``jit_compile`` (``'auto'``, the default,
                ``True`` or ``False``: graph mode for the built-in steps, docs/graph_mode.md);
                ``steps_per_execution`` (batch callbacks and the progress bar see one batch per
                this many steps, as in Keras; defaults to 1); ``auto_scale_loss`` (``True``, the
                default: a ``'mixed_float16'`` model's optimizer is wrapped in a LossScaleOptimizer, as Keras).

        Raises:
            ValueError: for unknown optimizer, loss or metric names (listing valid
                ones), or per-output lists/dicts that don't match the outputs.
        """
        unknown = set(kwargs) - _COMPILE_EXTRAS
        if unknown:
            raise TypeError(f"compile: unrecognized keyword arguments {sorted(unknown)}")
        if kwargs.get("weighted_metrics"):  # ember's metrics already weigh samples by sample_weight
            metrics = as_metric_list(metrics) + as_metric_list(kwargs["weighted_metrics"])
        if optimizer == "rmsprop" and "rmsprop" not in optimizers._REGISTRY:
            optimizer = "adam"
        self.optimizer = optimizers.get(optimizer)
        if kwargs.get("auto_scale_loss", True) and self.dtype_policy.name == "mixed_float16" and not isinstance(
            self.optimizer, optimizers.LossScaleOptimizer
        ):  # Keras 3: a mixed_float16 model trains with dynamic loss scaling
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
        self.loss, self.loss_weights, self.run_eagerly = loss, loss_weights, run_eagerly
        names = list(getattr(self, "output_names", None) or [])
        if not names and isinstance(loss, (list, tuple, dict)):
            names = list(loss) if isinstance(loss, dict) else [f"output_{i}" for i in range(len(loss))]
        self._multi_output = len(names) > 1
        if not self._multi_output:
            loss, loss_weights, metrics = (_single(v) for v in (loss, loss_weights, metrics))
        self._output_specs = build_outputs(loss, loss_weights, metrics, names if self._multi_output else ["output"])
        self._loss_obj = self._output_specs[0].loss if not self._multi_output else None
        self._compile_config = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics}
        self._compiled_metrics = None
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._output_losses = []
        self._trainable_at_compile = _trainable_flags(self)
        self.compiled = True
        self.stop_training = False
        self._jit = None
        self._steps_per_execution = _steps_per_execution(kwargs.get("steps_per_execution", 1))
        jit = kwargs.get("jit_compile", _JIT_DEFAULT)
        if resolve_jit_compile(self, jit, run_eagerly):
            self._jit = JitSteps(self, warn=jit is True)

    # ------------------------------------------------------------------ metrics
    @property
    def metrics(self) -> list:
        """The loss tracker, per-output loss trackers (multi-output), then the compiled metrics (once built)."""
        if not self.compiled:
            return []
        out = [self._loss_tracker]
        if self._multi_output:
            out += [spec.tracker for spec in self._output_specs if spec.loss is not None]
        return out + list(self._compiled_metrics or [])

    @property
    def metrics_names(self) -> list[str]:
        """Names of :attr:`metrics`, e.g. ``['loss', 'accuracy']``."""
        return [m.name for m in self.metrics]

    def _build_metrics(self, y, y_pred) -> None:
        ys = y if self._multi_output else [y]
        preds = self._output_list(y_pred) if self._multi_output else [y_pred]
        self._compiled_metrics = []
        ys = [None] * len(preds) if ys is None else ys  # no targets: an add_loss-only model (Keras allows it)
        for spec, yt, yp in zip(self._output_specs, ys, preds, strict=True):
            y_shape = tuple(yp.shape) if yt is None else tuple(yt.shape)
            spec.build_metrics(y_shape, tuple(yp.shape), spec.name if self._multi_output else "")
            self._compiled_metrics += spec.metrics

    def reset_metrics(self) -> None:
        """Reset the loss tracker and every compiled metric."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict:
        """``{name: float}`` of every metric's current result (a Tensor result becomes a float or an array)."""
        return {m.name: plain_result(m.result()) for m in self.metrics}

    # ------------------------------------------------------------------ steps
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True) -> Tensor:
        """The compiled loss(es), weighted and summed, plus every ``add_loss``/regularization term.

        Returns:
            A scalar Tensor: ``sum_i loss_weight_i * loss_i(y_i, y_pred_i) + sum(model.losses)``.

        Raises:
            ValueError: if there is nothing to optimize.
        """
        total = None
        if self._multi_output:
            self._output_losses = []
            for spec, yt, yp in zip(self._output_specs, y, self._output_list(y_pred), strict=True):
                value = spec.loss(yt, yp, sample_weight) if spec.loss is not None else None
                self._output_losses.append(value)
                if value is not None:
                    term = value if spec.weight == 1.0 else value * spec.weight
                    total = term if total is None else total + term
        elif self._loss_obj is not None:
            total = self._loss_obj(y, y_pred, sample_weight)
            weight = self._output_specs[0].weight
            total = total if weight == 1.0 else total * weight
        for extra in self.losses:
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError(f"Model '{self.name}': no loss to optimize. Pass `loss=` to compile()")
        return total

    def train_step(self, data) -> dict:
        """One optimization step on a batch; returns the metric results.

        ``data`` is packed as Keras packs it: ``x`` alone when ``fit`` got no
        targets (``(x,)`` for a list of inputs), ``(x, y)``, or ``(x, y,
        sample_weight)``; :func:`ember.utils.unpack_x_y_sample_weight` unpacks it.
        Override it for custom training (GANs, VAEs): read the batch, compute
        losses, call ``backward()``, apply ``optimizer.apply(grads, variables)``
        and return a dict of floats for the logs.
        """
        if self._jit is not None:
            return self._jit.train_step(data)
        x, y, sample_weight = batching.unpack_x_y_sample_weight(data)
        self._clear_losses()
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        variables = self.trainable_weights
        if not variables or not loss.requires_grad:  # nothing to train: a no-op step, as in Keras
            return self._update_metrics(loss, y, y_pred, sample_weight, batching.num_samples(x))
        self.optimizer.backward(loss)  # scale_loss(loss).backward(): a LossScaleOptimizer scales
        grads = [v.grad for v in variables]
        self.optimizer.apply(grads, variables)
        for v in variables:
            v.grad = None
        return self._update_metrics(loss, y, y_pred, sample_weight, batching.num_samples(x))

    def test_step(self, data) -> dict:
        """Loss and metrics on a batch (packed as for :meth:`train_step`) in inference mode."""
        if self._jit is not None:
            return self._jit.test_step(data)
        x, y, sample_weight = batching.unpack_x_y_sample_weight(data)
        with no_grad():
            self._clear_losses()
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._update_metrics(loss, y, y_pred, sample_weight, batching.num_samples(x))

    def predict_step(self, data):
        """The model's output on a batch (``x``, or packed as for :meth:`train_step`) in inference mode."""
        if self._jit is not None:
            return self._jit.predict_step(data)
        x, _, _ = batching.unpack_x_y_sample_weight(data)
        with no_grad():
            return self(x, training=False)

    def _output_list(self, y_pred) -> list:
        """Model outputs as a list in output order (dict outputs are keyed by output name)."""
        if isinstance(y_pred, dict):
            return [y_pred[spec.name] for spec in self._output_specs]
        return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]

    def _update_metrics(self, loss, y, y_pred, sample_weight, batch) -> dict:
        self._loss_tracker.update_state(float(loss.item()), sample_weight=batch)
        if self._compiled_metrics is None:
            self._build_metrics(y, y_pred)
        if self._multi_output:
            outputs = self._output_list(y_pred)
            for spec, value, yt, yp in zip(self._output_specs, self._output_losses, y, outputs, strict=True):
                if value is not None:
                    spec.tracker.update_state(float(value.item()), sample_weight=batch)
                for m in spec.metrics:
                    m.update_state(yt, yp, sample_weight)
        else:
            for m in self._compiled_metrics:
                m.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # ------------------------------------------------------------------ fit / evaluate / predict
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1,
            distribute=None):  # fmt: skip
        """Train for ``epochs`` passes over ``(x, y)``; returns a :class:`~ember.callbacks.History`.

        Args:
            x: inputs, ``(samples, ...)`` (NumPy, list or Tensor; ints and float64 cast to float32);
                a list (or dict by input name) for multi-input models.
            y: targets, ``(samples, ...)``; a list (or dict by output name) for multi-output models.
            batch_size: samples per step. Defaults to ``32``.
            epochs: index of the last epoch (training runs ``initial_epoch .. epochs-1``). Defaults to ``1``.
            verbose: ``'auto'`` (= 1, progress bar), 0 (silent) or 2 (one line per epoch).
            callbacks: list of :class:`~ember.callbacks.Callback`.
            validation_split: share of the *last* samples held out for validation. Defaults to ``0.0``.
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, sample_weight_val)``.
            shuffle: reshuffle the training samples every epoch. Defaults to ``True``.
            class_weight: ``{class index: weight}`` scaling each sample's loss by its class (single output).
            sample_weight: per-sample loss weights ``(samples,)``.
            initial_epoch: epoch to start from (to resume a run). Defaults to ``0``.
            steps_per_epoch: stop each epoch after this many batches. Defaults to ``None`` (all).
            validation_steps: validation batches per epoch. Defaults to ``None`` (all).
            validation_batch_size: defaults to ``batch_size``.
            validation_freq: validate every this many epochs, or at the listed (1-based) epochs. Defaults to ``1``.
            distribute: a data-parallel strategy (:class:`ember.distributed.MPIStrategy`): ``batch_size`` is then
                per rank and each rank trains on its shard. Defaults to the one ``ember.distributed.init()``
                registered, else ``None``; ``False`` turns it off for this call.

        Returns:
            ``History`` with ``history['loss']``, ``history['accuracy']``, ``history['val_loss']``, ...

        Raises:
            ValueError: for mismatched lengths, an empty dataset, bad ``batch_size``,
                labels that don't fit the loss (out of range, one-hot vs sparse),
                all before any weight changes.
        """
        fn = "fit"
        dist = distribute_hook.current() if distribute is None else (distribute or None)  # False: off for this call
        _warn_if_trainable_changed(self)
        if dataset_loop.is_dataset(x):  # batch_size is ignored there, as Keras ignores it (the items are batches)
            return dataset_loop.fit_dataset(self, x, epochs, _verbose(verbose), callbacks, validation_data,
                                            initial_epoch, steps_per_epoch, y=y is not None,
                                            sample_weight=sample_weight is not None, validation_split=validation_split,
                                            class_weight=class_weight)  # fmt: skip
        batch_size = dist.per_rank_batch_size(batch_size) if dist else batching.check_batch_size(batch_size, fn)
        x, y, sw = data_checks.prepare(self, x, y, sample_weight, fn)
        if class_weight is not None:
            if self._multi_output:
                raise ValueError("fit: `class_weight` is only supported for single-output models; use sample_weight")
            sw = batching.class_weight_samples(y, class_weight, sw, fn)
        val = None
        if validation_data is not None:
            vx, vy, *vsw = validation_data
            val = data_checks.prepare(self, vx, vy, vsw[0] if vsw else None, fn)
        elif validation_split:
            (x, y, sw), val = batching.split_validation([x, y, sw], validation_split, fn)
        data_checks.check_targets(self, x, y, fn)
        if val is not None:
            data_checks.check_targets(self, val[0], val[1], fn)
        steps = batching.steps_for(batching.num_samples(x), batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, int(steps_per_epoch))
        verbose = _verbose(verbose)
        if dist is not None:  # checks across ranks, model built, rank-0-only callbacks (ember.distributed)
            steps, callbacks, verbose = dist.setup_fit(self, [x, y, sw], val, batch_size, steps_per_epoch,
                                                       callbacks, verbose)  # fmt: skip
        self._distribute = dist
        cb, history = _fit_callbacks(self, callbacks, {"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        self._initial_epoch = None
        cb.on_train_begin()
        start, self._initial_epoch = self._initial_epoch or initial_epoch, None  # BackupAndRestore may set it
        if dist is not None:  # every rank takes rank 0's weights, optimizer state and start epoch
            start = dist.on_train_begin(self, start)
        for epoch in range(start, epochs):
            self._fit_epoch(epoch, cb, [x, y, sw], batch_size, shuffle, steps)
            epoch_logs = dict(self._epoch_logs)
            if val is not None and _validate_now(epoch, validation_freq):
                vbs = validation_batch_size or batch_size
                val_logs = (dist.evaluate(self, val, vbs, validation_steps) if dist else
                            self._evaluate_arrays(*val, vbs, 0, cb, validation_steps))  # fmt: skip
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cb.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if epochs > start and getattr(self, "optimizer", None) is not None:  # Keras: EMA weights, if any, go in
            self.optimizer.finalize_variable_values(self.trainable_weights)
        cb.on_train_end({k: v[-1] for k, v in history.history.items()})
        self.history = history
        return history

    def _fit_epoch(self, epoch: int, cb, arrays: list, batch_size: int, shuffle: bool, steps: int) -> None:
        self.reset_metrics()
        cb.on_epoch_begin(epoch)
        logs = {}
        dist = getattr(self, "_distribute", None)
        batches = dist.epoch_batches(arrays, batch_size, shuffle, epoch) if dist else None
        spe = self._steps_per_execution  # Keras: callbacks see one batch per execution of spe steps
        for step, batch in enumerate(batches or batching.epoch_batches(arrays, batch_size, shuffle)):
            if step >= steps:
                break
            if step % spe == 0:
                cb.on_train_batch_begin(step)
            logs = self.train_step(batching.pack_x_y_sample_weight(*batch))
            if (step + 1) % spe == 0 or step + 1 == steps:
                cb.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
        self._epoch_logs = dist.end_epoch(self, logs) if dist else logs

    # ------------------------------------------------------------------ config
    def get_compile_config(self) -> dict | None:
        """The arguments given to :meth:`compile` (``None`` if not compiled), for saving."""
        if not self.compiled:
            return None
        return {"optimizer": self.optimizer, **self._compile_config}
