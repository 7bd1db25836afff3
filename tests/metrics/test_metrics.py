"""Metrics: stateful results over several batches against scikit-learn, Keras examples, configs, registry."""

import numpy as np
import pytest
from sklearn import metrics as skm

import ember
from ember import metrics

rng = np.random.default_rng(0)
N, C = 60, 4
Y_INT = rng.integers(0, C, N)
Y_ONEHOT = np.eye(C)[Y_INT]
SCORES = rng.dirichlet(np.ones(C), size=N)
W = rng.uniform(0.1, 2.0, N)
Y_BIN = rng.integers(0, 2, N).astype(float)
P_BIN = np.clip(Y_BIN * 0.3 + rng.uniform(0, 0.7, N), 0, 1)


def _batched(metric, *arrays, sample_weight=None, batch=16):
    metric.reset_state()
    for i in range(0, N, batch):
        sw = None if sample_weight is None else sample_weight[i : i + batch]
        metric.update_state(*(a[i : i + batch] for a in arrays), sample_weight=sw)
    return metric.result()


@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy_family_matches_sklearn(weighted):
    w = W if weighted else None
    pred = SCORES.argmax(1)
    expected = skm.accuracy_score(Y_INT, pred, sample_weight=w)
    assert _batched(metrics.SparseCategoricalAccuracy(), Y_INT, SCORES, sample_weight=w) == pytest.approx(expected)
    assert _batched(metrics.SparseCategoricalAccuracy(), Y_INT[:, None], SCORES, sample_weight=w) == pytest.approx(
        expected
    )
    assert _batched(metrics.CategoricalAccuracy(), Y_ONEHOT, SCORES, sample_weight=w) == pytest.approx(expected)
    assert _batched(metrics.Accuracy(), Y_INT, pred, sample_weight=w) == pytest.approx(expected)
    binary = skm.accuracy_score(Y_BIN, P_BIN > 0.6, sample_weight=w)
    assert _batched(metrics.BinaryAccuracy(threshold=0.6), Y_BIN[:, None], P_BIN[:, None], sample_weight=w) == (
        pytest.approx(binary)
    )
    for k in (1, 2, 3):
        top = skm.top_k_accuracy_score(Y_INT, SCORES, k=k, sample_weight=w, labels=range(C))
        assert _batched(metrics.SparseTopKCategoricalAccuracy(k=k), Y_INT, SCORES, sample_weight=w) == (
            pytest.approx(top)
        )
        assert _batched(metrics.TopKCategoricalAccuracy(k=k), Y_ONEHOT, SCORES, sample_weight=w) == pytest.approx(top)


def test_top_k_counts_ties_as_hits_and_sorted_ids():
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    assert m([0, 1], [[0.5, 0.5, 0.0], [0.2, 0.2, 0.6]]) == 0.5  # tie at the top counts for label 0
    ids = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    assert ids([2, 0], [[1, 2, 0], [1, 2, 0]]) == 0.5


@pytest.mark.parametrize("weighted", [False, True])
def test_confusion_counts_precision_recall_match_sklearn(weighted):
    w = W if weighted else None
    for thr in (0.3, 0.5, 0.8):
        pred = P_BIN > thr
        (tn, fp), (fn, tp) = skm.confusion_matrix(Y_BIN, pred, sample_weight=w)
        kinds = (metrics.TruePositives, metrics.FalsePositives, metrics.TrueNegatives, metrics.FalseNegatives)
        got = [_batched(cls(thresholds=thr), Y_BIN, P_BIN, sample_weight=w) for cls in kinds]
        np.testing.assert_allclose(got, [tp, fp, tn, fn], rtol=1e-12)
        prec = skm.precision_score(Y_BIN, pred, sample_weight=w)
        rec = skm.recall_score(Y_BIN, pred, sample_weight=w)
        assert _batched(metrics.Precision(thresholds=thr), Y_BIN, P_BIN, sample_weight=w) == pytest.approx(prec)
        assert _batched(metrics.Recall(thresholds=thr), Y_BIN, P_BIN, sample_weight=w) == pytest.approx(rec)


def test_precision_with_threshold_list_class_id_and_top_k():
    many = _batched(metrics.Precision(thresholds=[0.3, 0.8]), Y_BIN, P_BIN)
    np.testing.assert_allclose(many, [skm.precision_score(Y_BIN, P_BIN > t) for t in (0.3, 0.8)])
    col = _batched(metrics.Recall(class_id=2), Y_ONEHOT, SCORES)
    assert col == pytest.approx(skm.recall_score(Y_ONEHOT[:, 2], SCORES[:, 2] > 0.5))
    # top_k=1 and class_id: class 2 is predicted positive where it is the row's argmax
    top = _batched(metrics.Precision(top_k=1, class_id=2), Y_ONEHOT, SCORES)
    assert top == pytest.approx(skm.precision_score(Y_INT == 2, SCORES.argmax(1) == 2))
    assert metrics.Precision()([0, 1, 1, 1], [1, 0, 1, 1]) == pytest.approx(2 / 3)  # Keras's docstring example


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_f1_score_matches_sklearn(average):
    pred = np.eye(C)[SCORES.argmax(1)]
    expected = skm.f1_score(Y_ONEHOT, pred, average=average, zero_division=0)
    got = _batched(metrics.F1Score(average=average), Y_ONEHOT, SCORES)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    thr = _batched(metrics.F1Score(average=average, threshold=0.3), Y_ONEHOT, SCORES)
    np.testing.assert_allclose(thr, skm.f1_score(Y_ONEHOT, SCORES > 0.3, average=average, zero_division=0), rtol=1e-5)
    fb = _batched(metrics.FBetaScore(average=average, beta=2.0), Y_ONEHOT, SCORES)
    np.testing.assert_allclose(fb, skm.fbeta_score(Y_ONEHOT, pred, beta=2.0, average=average, zero_division=0),
                               rtol=1e-5)  # fmt: skip


def test_auc_roc_equals_sklearn_when_scores_fall_in_distinct_bins():
    # scores at bin centres (k + 0.5) / 199 are separated by the 200 Keras thresholds: the binned ROC is exact
    k = rng.choice(198, size=N, replace=False)
    scores = (k + 0.5) / 199
    y = (rng.uniform(size=N) < scores).astype(float)
    assert _batched(metrics.AUC(), y, scores) == pytest.approx(skm.roc_auc_score(y, scores), rel=1e-12)
    weighted = _batched(metrics.AUC(), y, scores, sample_weight=W)
    assert weighted == pytest.approx(skm.roc_auc_score(y, scores, sample_weight=W), rel=1e-12)
    assert _batched(metrics.AUC(), y, P_BIN) == pytest.approx(skm.roc_auc_score(y, P_BIN), abs=0.02)


def _keras_auc_reference(y, p, num_thresholds=200, curve="ROC"):
    """Float64 restatement of keras.metrics.AUC for one label."""
    thr = np.array([-1e-7] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + 1e-7])
    above = p[None, :] > thr[:, None]
    tp, fp = (above & (y == 1)).sum(1).astype(float), (above & (y == 0)).sum(1).astype(float)
    fn, tn = (y == 1).sum() - tp, (y == 0).sum() - fp
    div = lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))  # noqa: E731
    if curve == "ROC":
        x, yv = div(fp, fp + tn), div(tp, tp + fn)
        return float(((x[:-1] - x[1:]) * (yv[:-1] + yv[1:]) / 2).sum())
    dtp, pp = tp[:-1] - tp[1:], tp + fp
    slope = div(dtp, np.maximum(pp[:-1] - pp[1:], 0))
    intercept = tp[1:] - slope * pp[1:]
    ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), div(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
    return float(div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum())


@pytest.mark.parametrize("curve", ["ROC", "PR"])
def test_auc_matches_keras_formula_and_doc_example(curve):
    assert _batched(metrics.AUC(curve=curve), Y_BIN, P_BIN) == pytest.approx(
        _keras_auc_reference(Y_BIN, P_BIN, curve=curve), rel=1e-12
    )
    assert metrics.AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]) == pytest.approx(0.75)
    perfect = metrics.AUC(curve=curve)([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert perfect == pytest.approx(1.0)


def test_auc_multi_label_and_logits():
    y = (rng.uniform(size=(N, 3)) < 0.5).astype(float)
    p = np.clip(y * 0.2 + rng.uniform(0, 0.8, (N, 3)), 0, 1)
    per_label = [_keras_auc_reference(y[:, j], p[:, j]) for j in range(3)]
    assert _batched(metrics.AUC(multi_label=True), y, p) == pytest.approx(np.mean(per_label), rel=1e-12)
    lw = [1.0, 2.0, 0.5]
    got = _batched(metrics.AUC(multi_label=True, label_weights=lw), y, p)
    assert got == pytest.approx(np.dot(per_label, lw) / sum(lw), rel=1e-12)
    logits = np.log(P_BIN.clip(1e-3, 1 - 1e-3) / (1 - P_BIN.clip(1e-3, 1 - 1e-3)))
    assert _batched(metrics.AUC(from_logits=True), Y_BIN, logits) == pytest.approx(
        _keras_auc_reference(Y_BIN, P_BIN.clip(1e-3, 1 - 1e-3)), rel=1e-9
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics_match_sklearn(weighted):
    w = W if weighted else None
    t, p = rng.normal(size=(N, 3)), rng.normal(size=(N, 3))
    assert _batched(metrics.MeanSquaredError(), t, p, sample_weight=w) == pytest.approx(
        skm.mean_squared_error(t, p, sample_weight=w)
    )
    assert _batched(metrics.MeanAbsoluteError(), t, p, sample_weight=w) == pytest.approx(
        skm.mean_absolute_error(t, p, sample_weight=w)
    )
    assert _batched(metrics.RootMeanSquaredError(), t, p, sample_weight=w) == pytest.approx(
        np.sqrt(skm.mean_squared_error(t, p, sample_weight=w))
    )
    for agg, multi in [("uniform_average", "uniform_average"), ("variance_weighted_average", "variance_weighted"),
                       (None, "raw_values")]:  # fmt: skip
        got = _batched(metrics.R2Score(class_aggregation=agg), t, p, sample_weight=w)
        np.testing.assert_allclose(got, skm.r2_score(t, p, sample_weight=w, multioutput=multi), rtol=1e-10)
    one = _batched(metrics.R2Score(num_regressors=3), t[:, 0], p[:, 0])
    r2 = skm.r2_score(t[:, 0], p[:, 0])
    assert one == pytest.approx(1 - (1 - r2) * (N - 1) / (N - 3 - 1))


def test_confusion_matrix_matches_sklearn():
    pred = SCORES.argmax(1)
    np.testing.assert_array_equal(
        metrics.confusion_matrix(Y_INT, pred, num_classes=C), skm.confusion_matrix(Y_INT, pred)
    )
    np.testing.assert_array_equal(metrics.confusion_matrix(Y_INT, SCORES), skm.confusion_matrix(Y_INT, pred))
    got = metrics.confusion_matrix(Y_INT, pred, num_classes=6, weights=W, dtype="float64")
    np.testing.assert_allclose(got, skm.confusion_matrix(Y_INT, pred, labels=range(6), sample_weight=W))
    with pytest.raises(ValueError, match="must lie in \\[0, 3\\). Received: values in \\[0, 3\\]"):
        metrics.confusion_matrix(Y_INT, pred, num_classes=3)
    with pytest.raises(ValueError, match="same length"):
        metrics.confusion_matrix([0, 1], [0])


def test_mean_sum_reset_and_call():
    m = metrics.Mean()
    m.update_state([1.0, 2.0], sample_weight=[3.0, 1.0])
    m.update_state(ember.tensor(np.array([4.0])))
    assert m.result() == pytest.approx((3 + 2 + 4) / 5)
    m.reset_state()
    assert m.result() == 0.0
    s = metrics.Sum()
    s.update_state(np.ones((2, 3)), sample_weight=[1.0, 2.0])
    assert s.result() == 9.0
    auc = metrics.AUC()
    auc.update_state([0, 1], [0.2, 0.9])
    auc.reset_state()
    assert auc.result() == 0.0


@pytest.mark.parametrize("name, cls, key", [
    ("auc", metrics.AUC, "auc"), ("precision", metrics.Precision, "precision"), ("recall", metrics.Recall, "recall"),
    ("f1_score", metrics.F1Score, "f1_score"), ("rmse", metrics.RootMeanSquaredError, "rmse"),
    ("r2_score", metrics.R2Score, "r2_score"), ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy,
                                                "top_k_categorical_accuracy"),
    ("TruePositives", metrics.TruePositives, "TruePositives"),
])  # fmt: skip
def test_registry_names(name, cls, key):
    m = metrics.get(name)
    assert type(m) is cls and m.name == key  # Keras's compile names a metric after its string


CONFIG_CASES = [
    metrics.AUC(num_thresholds=50, curve="PR"),
    metrics.Precision(thresholds=[0.2, 0.4]),
    metrics.F1Score(average="macro", threshold=0.4),
    metrics.R2Score(num_regressors=2),
    metrics.TopKCategoricalAccuracy(k=2),
    metrics.BinaryAccuracy(threshold=0.7),
    metrics.Sum(name="total"),
]


@pytest.mark.parametrize("metric", CONFIG_CASES)
def test_config_round_trip(metric):
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == metric.get_config()


def test_default_names_and_bad_arguments():
    assert metrics.TruePositives().name == "true_positives" and metrics.AUC().name == "auc"
    assert metrics.SparseTopKCategoricalAccuracy().name == "sparse_top_k_categorical_accuracy"
    with pytest.raises(ValueError, match="AUC: curve must be 'ROC' or 'PR'"):
        metrics.AUC(curve="roc")
    with pytest.raises(ValueError, match="thresholds must lie in \\[0, 1\\]"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match="F1Score: average must be"):
        metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="shape \\(batch, classes\\)"):
        metrics.F1Score()([0, 1], [0.2, 0.8])
    with pytest.raises(ValueError, match="Unknown metric: 'aucc'"):
        metrics.get("aucc")


def test_fit_logs_threshold_metrics():
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    model = ember.models.Sequential([ember.layers.Input((3,)), ember.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["auc", "precision", metrics.Recall()])
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert {"loss", "auc", "precision", "recall"} <= set(history.history)
    assert 0.0 <= history.history["auc"][0] <= 1.0


def test_docstring_examples_run():
    import doctest
    import importlib

    for name in ("accuracy", "confusion", "regression", "metrics"):
        result = doctest.testmod(importlib.import_module(f"ember.metrics.{name}"))
        assert result.failed == 0 and result.attempted >= 1


def test_per_class_results_are_logged_as_arrays_and_shown_as_their_mean(capsys):
    x = rng.normal(size=(20, 3)).astype(np.float32)
    y = np.eye(3)[rng.integers(0, 3, 20)].astype(np.float32)
    model = ember.models.Sequential([ember.layers.Input((3,)), ember.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=[metrics.F1Score()])
    history = model.fit(x, y, epochs=1, batch_size=10, verbose=1)
    per_class = history.history["f1_score"][0]
    assert per_class.shape == (3,)
    assert f"f1_score: {per_class.mean():.4f}" in capsys.readouterr().out
