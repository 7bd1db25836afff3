"""What ``compile()`` configures per model output: losses, loss weights, metrics and their log names.

A single-output model logs ``loss`` and ``accuracy``; a multi-output model logs
the weighted total ``loss``, then ``<output>_loss`` and ``<output>_<metric>``
for each output, ``<output>`` being the name of the layer that produced it
(Keras 3's keys, e.g. ``dense_1_loss``, ``val_dense_1_accuracy``).
Source: keras/src/trainers/compile_utils.py (``CompileLoss``, ``CompileMetrics``).
"""

from __future__ import annotations

from ember import losses as losses_mod
from ember import metrics as metrics_mod


def _per_output(value, names: list[str], what: str, default=None) -> list:
    """``value`` spread over the outputs: a dict by output name, a list by position, else the same for all."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(
                f"compile: `{what}` has keys {unknown} that are not output names. Expected keys among {names}"
            )
        return [value.get(n, default) for n in names]
    if isinstance(value, (list, tuple)) and what != "metrics":
        if len(value) != len(names):
            raise ValueError(
                f"compile: `{what}` must have one entry per output ({len(names)}: {names}). "
                f"Received: {len(value)} entries"
            )
        return list(value)
    return [value] * len(names)


def as_metric_list(metrics) -> list:
    if metrics is None:
        return []
    if isinstance(metrics, (str, metrics_mod.Metric)) or callable(metrics):
        return [metrics]  # a bare string, as the seeds write `metrics='accuracy'`
    return list(metrics)


def _metrics_per_output(metrics, names: list[str]) -> list[list]:
    if isinstance(metrics, dict):
        return [as_metric_list(m) for m in _per_output(metrics, names, "metrics")]
    flat = as_metric_list(metrics)
    if len(names) > 1 and len(flat) == len(names) and all(isinstance(m, (list, tuple)) or m is None for m in flat):
        return [as_metric_list(m) for m in flat]  # a list of lists: one list per output
    return [list(flat) for _ in names]


def _fresh(metric):
    """A separate copy of a Metric object, so each output keeps its own state."""
    if isinstance(metric, metrics_mod.Metric):
        return type(metric).from_config(metric.get_config())
    return metric


class OutputSpec:
    """One output's loss, loss weight and metric identifiers (resolved to Metrics on the first batch)."""

    def __init__(self, name: str, loss, weight, metric_ids: list):
        self.name, self.loss_id, self.weight, self.metric_ids = name, loss, weight, metric_ids
        self.loss = losses_mod.get(loss) if loss is not None else None
        self.metrics = None
        self.tracker = metrics_mod.Mean(name=f"{name}_loss")

    @property
    def sparse(self) -> bool:
        """Whether the targets are integer class labels (sparse categorical cross-entropy)."""
        return isinstance(self.loss, losses_mod.SparseCategoricalCrossentropy)

    def build_metrics(self, y_shape, y_pred_shape, prefix: str) -> None:
        """Resolve the metric identifiers against the target and prediction shapes."""
        loss_name = getattr(self.loss, "name", None)
        self.metrics = []
        for m in self.metric_ids:
            metric = metrics_mod.get(m if not prefix else _fresh(m), y_shape, y_pred_shape, loss_name)
            if prefix:
                metric.name = f"{prefix}_{metric.name}"
            self.metrics.append(metric)


def check_names(metric_ids) -> None:
    """Resolve metric names now so a typo fails in ``compile``, not at the first step."""
    for m in metric_ids:
        if isinstance(m, str):
            metrics_mod.get(m, (1,), (1,))


def build_outputs(loss, loss_weights, metrics, output_names: list[str]) -> list[OutputSpec]:
    """One :class:`OutputSpec` per output name.

    Raises:
        ValueError: for lists of the wrong length, dict keys that are not output
            names, or unknown loss/metric names.
    """
    losses = _per_output(loss, output_names, "loss")
    weights = _per_output(1.0 if loss_weights is None else loss_weights, output_names, "loss_weights", 1.0)
    per_metrics = _metrics_per_output(metrics, output_names)
    specs = []
    for name, lo, w, ms in zip(output_names, losses, weights, per_metrics, strict=True):
        check_names(ms)
        specs.append(OutputSpec(name, lo, float(w) if w is not None else 1.0, ms))
    return specs


def plain_result(value):
    """A metric's result as logs hold it: a Tensor/Variable (a Keras-style ``add_variable`` metric's
    ``result()``) becomes a Python float, or a copied array if it has several values; anything else is kept."""
    from ember.autograd import Tensor

    if isinstance(value, Tensor):
        return float(value.data) if value.data.size == 1 else value.data.copy()
    return value
