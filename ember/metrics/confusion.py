"""Threshold metrics (Keras 3): TruePositives..., Precision, Recall, AUC, F1Score/FBetaScore.

They accumulate weighted confusion counts per threshold; a prediction counts
as positive when strictly above the threshold and a target when non-zero.
Source: keras/src/metrics/confusion_metrics.py, keras/src/metrics/f_score_metrics.py.
"""

from __future__ import annotations

from ember.metrics.metrics import Metric
from ember.ops import confusion_kernels as C


def _thresholds(cls: str, thresholds, top_k=None):
    if thresholds is None and top_k is not None:
        return [C.NEG_INF], True  # Keras: with top_k, every kept prediction counts as positive
    values = [0.5] if thresholds is None else ([thresholds] if isinstance(thresholds, (int, float)) else thresholds)
    values = [float(t) for t in values]
    if any(not 0.0 <= t <= 1.0 for t in values):
        raise ValueError(f"{cls}: thresholds must lie in [0, 1]. Received: thresholds={thresholds}")
    return values, not isinstance(thresholds, (list, tuple))


class _ConfusionMetric(Metric):
    """Counts of one kind (``'tp'``, ``'fp'``, ``'tn'``, ``'fn'``) at each threshold."""

    kind = "tp"

    def __init__(self, thresholds=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        self.thresholds, self._scalar = _thresholds(type(self).__name__, thresholds, getattr(self, "top_k", None))
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.counts = {k: C.zeros(len(self.thresholds)) for k in ("tp", "fp", "tn", "fn")}

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = C.prepare(y_true, y_pred, getattr(self, "class_id", None), getattr(self, "top_k", None))
        for key, value in zip(("tp", "fp", "tn", "fn"), C.confusion_counts(t, p, self.thresholds, sample_weight),
                              strict=True):  # fmt: skip
            self.counts[key] = self.counts[key] + value

    def _out(self, values):
        return float(values[0]) if self._scalar else values

    def result(self):
        return self._out(self.counts[self.kind])

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMetric):
    """Weighted count of positive targets predicted above the threshold(s).

    Args:
        thresholds: a float or list of floats in ``[0, 1]``; a list gives one count per threshold.
            Defaults to ``0.5``.
    """

    kind = "tp"


class FalsePositives(_ConfusionMetric):
    """Weighted count of negative targets predicted above the threshold(s). ``thresholds`` defaults to ``0.5``."""

    kind = "fp"


class TrueNegatives(_ConfusionMetric):
    """Weighted count of negative targets predicted at or below the threshold(s). ``thresholds`` defaults to ``0.5``."""

    kind = "tn"


class FalseNegatives(_ConfusionMetric):
    """Weighted count of positive targets predicted at or below the threshold(s). ``thresholds`` defaults to ``0.5``."""

    kind = "fn"


class Precision(_ConfusionMetric):
    """``tp / (tp + fp)`` (0 when nothing is predicted positive).

    Args:
        thresholds: float or list in ``[0, 1]``. Defaults to ``0.5`` (or none with ``top_k``).
        top_k: only the ``k`` highest predictions of each row count as positive. Defaults to ``None``.
        class_id: compute the metric for this column only. Defaults to ``None``.

    Example:
        >>> Precision()([0, 1, 1, 1], [1, 0, 1, 1])
        0.6666666666666666
    """

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.top_k, self.class_id = top_k, class_id
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        tp = self.counts["tp"]
        return self._out(C.divide_no_nan(tp, tp + self.counts["fp"]))

    def get_config(self):
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(Precision):
    """``tp / (tp + fn)`` (0 when there is no positive target); arguments as :class:`Precision`."""

    def result(self):
        tp = self.counts["tp"]
        return self._out(C.divide_no_nan(tp, tp + self.counts["fn"]))


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from confusion counts at ``num_thresholds`` thresholds.

    Thresholds are ``[-eps, 1/(n-1), ..., (n-2)/(n-1), 1 + eps]`` (``eps = 1e-7``); the
    curve is summed with the trapezoid rule (``'interpolation'``; for PR, Davis &
    Goadrich's interpolation), or with ``'minoring'``/``'majoring'`` rectangles.

    Args:
        num_thresholds: Defaults to ``200``.
        curve: ``'ROC'`` or ``'PR'``. Defaults to ``'ROC'``.
        summation_method: ``'interpolation'``, ``'minoring'`` or ``'majoring'``. Defaults to ``'interpolation'``.
        name: Defaults to ``'auc'``.
        thresholds: explicit thresholds in ``[0, 1]`` (then ``-eps`` and ``1 + eps`` are added). Defaults to ``None``.
        multi_label: one curve per label (last axis), averaged (weighted by ``label_weights``). Defaults to ``False``.
        num_labels: accepted for Keras compatibility. Defaults to ``None``.
        label_weights: per-label weights for ``multi_label``. Defaults to ``None``.
        from_logits: apply a sigmoid to predictions first. Defaults to ``False``.

    Raises:
        ValueError: for an unknown curve or summation method, or ``num_thresholds <= 1``.

    Example:
        >>> round(AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]), 6)
        0.75

    Source: Keras's ``keras.metrics.AUC``; Davis & Goadrich, "The Relationship Between
    Precision-Recall and ROC Curves" (ICML 2006).
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):  # fmt: skip
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR'. Received: curve={curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: unknown summation_method. Received: summation_method={summation_method!r}")
        if thresholds is None and num_thresholds <= 1:
            raise ValueError(f"AUC: num_thresholds must be > 1. Received: num_thresholds={num_thresholds}")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            num_thresholds = len(inner) + 2
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.thresholds = [0.0 - 1e-7, *inner, 1.0 + 1e-7]
        self.num_thresholds, self.curve, self.summation_method = num_thresholds, curve, summation_method
        self._init_thresholds = thresholds
        self.multi_label, self.num_labels, self.label_weights = multi_label, num_labels, label_weights
        self.from_logits = from_logits
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.counts = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = C.prepare(y_true, y_pred)
        if self.from_logits:
            p = C.sigmoid(p)
        new = C.confusion_counts(t, p, self.thresholds, sample_weight, multi_label=self.multi_label)
        self.counts = new if self.counts is None else tuple(a + b for a, b in zip(self.counts, new, strict=True))

    def result(self) -> float:
        if self.counts is None:
            return 0.0
        return C.auc(*self.counts, curve=self.curve, summation_method=self.summation_method,
                     label_weights=self.label_weights if self.multi_label else None)  # fmt: skip

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "thresholds": self._init_thresholds,
                "multi_label": self.multi_label, "num_labels": self.num_labels,
                "label_weights": self.label_weights, "from_logits": self.from_logits}  # fmt: skip


class FBetaScore(Metric):
    """F-beta score per class from thresholded predictions: ``(1 + b²) P R / (b² P + R)``.

    Args:
        average: ``None`` (one score per class, an array), ``'micro'`` (pooled counts),
            ``'macro'`` (mean over classes) or ``'weighted'`` (by class support). Defaults to ``None``.
        beta: weight of recall. Defaults to ``1.0``.
        threshold: predictions above it are positive; ``None`` marks each row's maximum. Defaults to ``None``.
        name: Defaults to ``'fbeta_score'``.

    Raises:
        ValueError: for an unknown ``average`` or ``beta <= 0``; in ``update_state`` for
            inputs that are not ``(batch, classes)``.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{type(self).__name__}: average must be None, 'micro', 'macro' or 'weighted'. "
                             f"Received: average={average!r}")  # fmt: skip
        if beta <= 0:
            raise ValueError(f"{type(self).__name__}: beta must be > 0. Received: beta={beta}")
        self.average, self.beta, self.threshold = average, beta, threshold
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.sums = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        new = C.fbeta_counts(y_true, y_pred, self.threshold, sample_weight, micro=self.average == "micro")
        self.sums = new if self.sums is None else tuple(a + b for a, b in zip(self.sums, new, strict=True))

    def result(self):
        if self.sums is None:
            return 0.0
        return C.fbeta_score(*self.sums, beta=self.beta, average=self.average)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score (:class:`FBetaScore` with ``beta=1``): harmonic mean of precision and recall per class.

    Args:
        average: ``None``, ``'micro'``, ``'macro'`` or ``'weighted'``. Defaults to ``None``.
        threshold: Defaults to ``None`` (each row's maximum is the prediction).
        name: Defaults to ``'f1_score'``.
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
