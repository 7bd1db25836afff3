"""Evaluation and inference: ``evaluate``, ``predict`` and the single-batch methods (Keras 3 API).

A mixin of :class:`~ember.models.trainer.Trainer`; the step functions
(``test_step``, ``predict_step``) and metrics come from there.
"""

from __future__ import annotations

from ember.callbacks import CallbackList
from ember.models import data_checks, dataset_loop
from ember.utils import batching
from ember.utils.progbar import Progbar

_NO_CALLBACKS = CallbackList([])


def _verbose(verbose) -> int:
    return 1 if verbose == "auto" else int(verbose)


def _arrays(out):
    """The arrays of a model output: a Tensor, a list of them, or a dict of them."""
    if isinstance(out, dict):
        return {k: v.data for k, v in out.items()}
    return [o.data for o in out] if isinstance(out, (list, tuple)) else out.data


class Evaluator:
    """Mixin giving a model ``evaluate``, ``predict`` and the ``*_on_batch`` methods."""

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
        if dataset_loop.is_dataset(x):
            # batch_size is ignored, as Keras ignores it for a PyDataset
            dataset_loop._no_extras(fn, y=y is not None, sample_weight=sample_weight is not None)
            cb = CallbackList(callbacks, model=self) if callbacks else None
            logs = dataset_loop.evaluate_dataset(self, x, _verbose(verbose), cb, steps)
            return logs if return_dict else self._as_values(logs)
        batch_size = batching.check_batch_size(batch_size, fn)
        x, y, sw = data_checks.prepare(self, x, y, sample_weight, fn)
        data_checks.check_targets(self, x, y, fn)
        cb = CallbackList(callbacks, model=self) if callbacks else None
        logs = self._evaluate_arrays(x, y, sw, batch_size, _verbose(verbose), cb, steps)
        if return_dict:
            return logs
        return self._as_values(logs)

    def _evaluate_arrays(self, x, y, sw, batch_size: int, verbose: int, cb=None, max_steps=None) -> dict:
        self.reset_metrics()
        steps = batching.steps_for(batching.num_samples(x), batch_size)
        steps = steps if max_steps is None else min(steps, int(max_steps))
        bar = Progbar(steps, verbose=verbose)
        logs = {}
        if cb is not None:
            cb.on_test_begin()
        for step, batch in enumerate(batching.epoch_batches([x, y, sw], batch_size, shuffle=False)):
            if step >= steps:
                break
            if cb is not None:
                cb.on_test_batch_begin(step)
            logs = self.test_step(batching.pack_x_y_sample_weight(*batch))
            if cb is not None:
                cb.on_test_batch_end(step, logs)
            bar.update(step + 1, logs, finalize=step + 1 == steps)
        if cb is not None:
            cb.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for ``x`` as a NumPy array ``(samples, ...)`` (a list for multi-output models).

        Raises:
            ValueError/TypeError: for empty or non-numeric input.
        """
        fn = "predict"
        if dataset_loop.is_dataset(x):
            return dataset_loop.predict_dataset(self, x, _verbose(verbose), steps)
        batch_size = batching.check_batch_size(batch_size, fn)
        if isinstance(x, dict) and hasattr(self, "_flatten_inputs"):
            x = self._flatten_inputs(x)
        x = batching.as_inputs(x, fn)
        batching.check_lengths(x, None, None, fn)
        n_steps = batching.steps_for(batching.num_samples(x), batch_size)
        n_steps = n_steps if steps is None else min(n_steps, int(steps))
        bar = Progbar(n_steps, verbose=_verbose(verbose))
        cb = CallbackList(callbacks, model=self) if callbacks else _NO_CALLBACKS
        cb.on_predict_begin()
        outputs = []
        for step, (xb,) in enumerate(batching.epoch_batches([x], batch_size, shuffle=False)):
            if step >= n_steps:
                break
            cb.on_predict_batch_begin(step)
            out = self.predict_step(batching.pack_x_y_sample_weight(xb))
            outputs.append(_arrays(out))
            cb.on_predict_batch_end(step, {"outputs": out})
            bar.update(step + 1, finalize=step + 1 == n_steps)
        cb.on_predict_end()
        if isinstance(outputs[0], dict):
            return {k: batching.concatenate([o[k] for o in outputs]) for k in outputs[0]}
        return batching.concatenate(outputs)

    # ------------------------------------------------------------------ single batches
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the loss (and metrics) as :meth:`evaluate` does."""
        x, y, sw = data_checks.prepare(self, x, y, sample_weight, "train_on_batch")
        if class_weight is not None:
            sw = batching.class_weight_samples(y, class_weight, sw, "train_on_batch")
        self.reset_metrics()
        logs = self.train_step(batching.pack_x_y_sample_weight(x, y, sw))
        return logs if return_dict else self._as_values(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch in inference mode."""
        x, y, sw = data_checks.prepare(self, x, y, sample_weight, "test_on_batch")
        self.reset_metrics()
        logs = self.test_step(batching.pack_x_y_sample_weight(x, y, sw))
        return logs if return_dict else self._as_values(logs)

    def predict_on_batch(self, x):
        """The model's output for one batch, as NumPy (a list for multi-output models)."""
        if isinstance(x, dict) and hasattr(self, "_flatten_inputs"):
            x = self._flatten_inputs(x)
        x = batching.as_inputs(x, "predict_on_batch")
        out = _arrays(self.predict_step(batching.pack_x_y_sample_weight(x)))
        if isinstance(out, dict):
            return {k: batching.concatenate([v]) for k, v in out.items()}
        return batching.concatenate([out])

    def _as_values(self, logs: dict):
        names = [n for n in self.metrics_names if n in logs] or list(logs)
        values = [logs[name] for name in names]
        return values[0] if len(values) == 1 else values
