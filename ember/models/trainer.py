"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` and the overridable steps.

Source: keras/src/trainers/trainer.py and its NumPy/TensorFlow backends (Keras 3),
reduced to an eager loop: each step is forward, loss, ``backward()``, optimizer update.
"""

from __future__ import annotations

from ember import losses as losses_mod
from ember import metrics as metrics_mod
from ember import optimizers
from ember.autograd import Tensor, no_grad
from ember.callbacks import CallbackList, History, ProgbarLogger
from ember.ops.labels import sparse_labels
from ember.utils import batching
from ember.utils.progbar import Progbar


def _verbose(verbose) -> int:
    return 1 if verbose == "auto" else int(verbose)


def _metric_list(metrics) -> list:
    if metrics is None:
        return []
    if isinstance(metrics, (str, metrics_mod.Metric)) or callable(metrics):
        return [metrics]  # a bare string, as the seeds write `metrics='accuracy'`
    return list(metrics)


class Trainer:
    """Mixin giving a :class:`~ember.models.Model` Keras's training API."""

    compiled = False

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, run_eagerly=False, **kwargs):
        """Configure training.

        Args:
            optimizer: name (``'adam'``, ``'sgd'``) or Optimizer. Defaults to
                ``'rmsprop'`` as in Keras (falls back to Adam's defaults if
                RMSprop is not available).
            loss: name (``'binary_crossentropy'``, ``'mse'``, ...), Loss or function.
            metrics: list of names/Metrics/functions, or one name such as ``'accuracy'``.
            loss_weights: accepted for API compatibility (single-output models).
            run_eagerly: accepted; ember always runs eagerly.

        Raises:
            ValueError: for unknown optimizer, loss or metric names (listing valid ones).
        """
        if optimizer == "rmsprop" and "rmsprop" not in optimizers._REGISTRY:
            optimizer = "adam"
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._loss_obj = losses_mod.get(loss) if loss is not None else None
        self._metric_ids = _metric_list(metrics)
        for m in self._metric_ids:  # fail now on unknown names, not at the first step
            if isinstance(m, str):
                metrics_mod.get(m, (1,), (1,))
        self._compiled_metrics = None
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self.compiled = True
        self.stop_training = False

    # ------------------------------------------------------------------ metrics
    @property
    def metrics(self) -> list:
        """The loss tracker followed by the compiled metrics (once built)."""
        if not self.compiled:
            return []
        return [self._loss_tracker] + list(self._compiled_metrics or [])

    @property
    def metrics_names(self) -> list[str]:
        """Names of :attr:`metrics`, e.g. ``['loss', 'accuracy']``."""
        return [m.name for m in self.metrics]

    def _build_metrics(self, y_shape, y_pred_shape) -> None:
        loss_name = getattr(self._loss_obj, "name", None)
        self._compiled_metrics = [metrics_mod.get(m, y_shape, y_pred_shape, loss_name) for m in self._metric_ids]

    def reset_metrics(self) -> None:
        """Reset the loss tracker and every compiled metric."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict:
        """``{name: float}`` of every metric's current result."""
        return {m.name: m.result() for m in self.metrics}

    # ------------------------------------------------------------------ steps
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None) -> Tensor:
        """The compiled loss plus every ``add_loss``/regularization term, a scalar Tensor."""
        total = self._loss_obj(y, y_pred, sample_weight) if self._loss_obj is not None else None
        for extra in self.losses:
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError(f"Model '{self.name}': no loss to optimize. Pass `loss=` to compile()")
        return total

    def train_step(self, data) -> dict:
        """One optimization step on a batch ``(x, y, sample_weight)``; returns the metric results."""
        x, y, sample_weight = data
        self._clear_losses()
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        variables = self.trainable_weights
        loss.backward()
        grads = [v.grad for v in variables]
        self.optimizer.apply(grads, variables)
        for v in variables:
            v.grad = None
        return self._update_metrics(loss, y, y_pred, sample_weight, batching.num_samples(x))

    def test_step(self, data) -> dict:
        """Loss and metrics on a batch ``(x, y, sample_weight)`` in inference mode."""
        x, y, sample_weight = data
        with no_grad():
            self._clear_losses()
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        return self._update_metrics(loss, y, y_pred, sample_weight, batching.num_samples(x))

    def predict_step(self, data):
        """The model's output on a batch ``x`` in inference mode."""
        x = data[0] if isinstance(data, tuple) else data
        with no_grad():
            return self(x, training=False)

    def _update_metrics(self, loss, y, y_pred, sample_weight, batch) -> dict:
        self._loss_tracker.update_state(float(loss.item()), sample_weight=batch)
        if self._compiled_metrics is None:
            self._build_metrics(tuple(y.shape), tuple(y_pred.shape))
        for m in self._compiled_metrics:
            m.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # ------------------------------------------------------------------ data checks
    def _prepare(self, x, y, sample_weight, fn: str):
        if not self.compiled:
            raise RuntimeError(f"Model '{self.name}' must be compiled before {fn}(). Call model.compile(...)")
        sparse = isinstance(self._loss_obj, losses_mod.SparseCategoricalCrossentropy)
        x = batching.as_inputs(x, fn)
        y = batching.as_targets(y, fn, keep_integers=sparse)
        sw = batching.as_targets(sample_weight, fn, keep_integers=False)
        batching.check_lengths(x, y, sw, fn)
        return x, y, sw

    def _check_targets(self, x, y, fn: str) -> None:
        """Check labels against the loss and the model's output shape, once, before any step."""
        if y is None or self._loss_obj is None:
            return
        first = batching.take(x, slice(0, 1))
        out_shape = tuple(self.predict_step(first).shape)  # builds the model if needed; draws no noise
        name = getattr(self._loss_obj, "name", "loss")
        if isinstance(self._loss_obj, losses_mod.SparseCategoricalCrossentropy):
            sparse_labels(y, (len(y),) + out_shape[1:], f"{fn}: loss {name}")
        elif isinstance(self._loss_obj, losses_mod.CategoricalCrossentropy):
            if y.ndim == len(out_shape) - 1 or (y.shape[-1] == 1 and out_shape[-1] > 1):
                raise ValueError(
                    f"{fn}: loss {name} expects one-hot targets of shape (n, {out_shape[-1]}). Received: targets "
                    f"of shape {y.shape}, which look like integer labels. Use "
                    "loss='sparse_categorical_crossentropy', or one-hot encode them with "
                    "ember.utils.to_categorical(y)"
                )
        if y.shape[1:] != out_shape[1:] and not isinstance(self._loss_obj, losses_mod.SparseCategoricalCrossentropy):
            squeezable = y.ndim == len(out_shape) - 1 and out_shape[-1] == 1 and y.shape[1:] == out_shape[1:-1]
            if not squeezable:
                raise ValueError(
                    f"{fn}: loss {name} expects targets shaped like the model output (n,) + {out_shape[1:]}. "
                    f"Received: targets of shape {y.shape}"
                )

    # ------------------------------------------------------------------ fit / evaluate / predict
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):  # fmt: skip
        """Train for ``epochs`` passes over ``(x, y)``; returns a :class:`~ember.callbacks.History`.

        Args:
            x: inputs, ``(samples, ...)`` (NumPy, list or Tensor; ints and float64 cast to float32).
            y: targets, ``(samples, ...)``.
            batch_size: samples per step. Defaults to ``32``.
            epochs: passes over the data. Defaults to ``1``.
            verbose: ``'auto'`` (= 1, progress bar), 0 (silent) or 2 (one line per epoch).
            callbacks: list of :class:`~ember.callbacks.Callback`.
            validation_split: share of the *last* samples held out for validation. Defaults to ``0.0``.
            validation_data: ``(x_val, y_val)`` evaluated after each epoch.
            shuffle: reshuffle the training samples every epoch. Defaults to ``True``.
            sample_weight: per-sample loss weights ``(samples,)``.
            initial_epoch: epoch to start counting from. Defaults to ``0``.
            validation_freq: validate every this many epochs. Defaults to ``1``.

        Returns:
            ``History`` with ``history['loss']``, ``history['accuracy']``, ``history['val_loss']``, ...

        Raises:
            ValueError: for mismatched lengths, an empty dataset, bad ``batch_size``,
                labels that don't fit the loss (out of range, one-hot vs sparse),
                all before any weight changes.
        """
        fn = "fit"
        batch_size = batching.check_batch_size(batch_size, fn)
        x, y, sw = self._prepare(x, y, sample_weight, fn)
        val = None
        if validation_data is not None:
            vx, vy, *vsw = validation_data
            val = self._prepare(vx, vy, vsw[0] if vsw else None, fn)
        elif validation_split:
            (x, y, sw), val = batching.split_validation([x, y, sw], validation_split, fn)
        self._check_targets(x, y, fn)
        if val is not None:
            self._check_targets(val[0], val[1], fn)
        n = batching.num_samples(x)
        steps = batching.steps_for(n, batch_size)
        verbose = _verbose(verbose)
        history = History()
        cbs = [history] + list(callbacks or [])
        if verbose:
            cbs.append(ProgbarLogger())
        cb = CallbackList(cbs, model=self, params={"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        cb.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cb.on_epoch_begin(epoch)
            logs = {}
            for step, batch in enumerate(batching.epoch_batches([x, y, sw], batch_size, shuffle)):
                if steps_per_epoch is not None and step >= steps_per_epoch:
                    break
                cb.on_train_batch_begin(step)
                logs = self.train_step(batch)
                cb.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_arrays(*val, validation_batch_size or batch_size, 0)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cb.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cb.on_train_end()
        self.history = history
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):  # fmt: skip
        """Loss and metrics on ``(x, y)`` in inference mode.

        Returns:
            The scalar loss when no metrics were compiled, else ``[loss, *metrics]``
            (or a dict with ``return_dict=True``).

        Raises:
            ValueError: as :meth:`fit` does for bad data.
        """
        fn = "evaluate"
        batch_size = batching.check_batch_size(batch_size, fn)
        x, y, sw = self._prepare(x, y, sample_weight, fn)
        self._check_targets(x, y, fn)
        logs = self._evaluate_arrays(x, y, sw, batch_size, _verbose(verbose))
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def _evaluate_arrays(self, x, y, sw, batch_size: int, verbose: int) -> dict:
        self.reset_metrics()
        steps = batching.steps_for(batching.num_samples(x), batch_size)
        bar = Progbar(steps, verbose=verbose)
        logs = {}
        for step, batch in enumerate(batching.epoch_batches([x, y, sw], batch_size, shuffle=False)):
            logs = self.test_step(batch)
            bar.update(step + 1, logs, finalize=step + 1 == steps)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x`` as a NumPy array ``(samples, ...)``.

        Raises:
            ValueError/TypeError: for empty or non-numeric input.
        """
        fn = "predict"
        batch_size = batching.check_batch_size(batch_size, fn)
        x = batching.as_inputs(x, fn)
        batching.check_lengths(x, None, None, fn)
        steps = batching.steps_for(batching.num_samples(x), batch_size)
        bar = Progbar(steps, verbose=_verbose(verbose))
        outputs = []
        for step, (xb,) in enumerate(batching.epoch_batches([x], batch_size, shuffle=False)):
            out = self.predict_step(xb)
            outputs.append([o.data for o in out] if isinstance(out, (list, tuple)) else out.data)
            bar.update(step + 1, finalize=step + 1 == steps)
        return batching.concatenate(outputs)

    # ------------------------------------------------------------------ single batches
    def train_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """One training step on one batch; returns the loss (and metrics) as :meth:`evaluate` does."""
        x, y, sw = self._prepare(x, y, sample_weight, "train_on_batch")
        self.reset_metrics()
        logs = self.train_step((x, y, sw))
        return logs if return_dict else self._as_values(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch in inference mode."""
        x, y, sw = self._prepare(x, y, sample_weight, "test_on_batch")
        self.reset_metrics()
        logs = self.test_step((x, y, sw))
        return logs if return_dict else self._as_values(logs)

    def predict_on_batch(self, x):
        """The model's output for one batch, as NumPy."""
        out = self.predict_step(batching.as_inputs(x, "predict_on_batch"))
        return batching.concatenate([out.data])

    def _as_values(self, logs: dict):
        values = [logs[name] for name in self.metrics_names]
        return values[0] if len(values) == 1 else values
