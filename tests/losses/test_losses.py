"""Losses: Keras formulas (float64 NumPy references), torch where equivalent, reductions, gradients, configs."""

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from loss_reference import REFERENCE

import ember
from ember import losses
from ember.testing import gradcheck

rng = np.random.default_rng(0)
B, C = 6, 4
PROBS = rng.dirichlet(np.ones(C), size=B)
ONEHOT = np.eye(C)[rng.integers(0, C, B)]
REAL_T, REAL_P = rng.normal(size=(B, C)), rng.normal(size=(B, C))
POS_T, POS_P = rng.uniform(0.1, 3, (B, C)), rng.uniform(0.1, 3, (B, C))
BIN_T, BIN_P = rng.integers(0, 2, (B, C)).astype(float), rng.uniform(0.05, 0.95, (B, C))
LOGITS = rng.normal(size=(B, C)) * 3

# (class, function name, kwargs, y_true, y_pred)
CASES = [
    (losses.MeanSquaredError, "mean_squared_error", {}, REAL_T, REAL_P),
    (losses.MeanAbsoluteError, "mean_absolute_error", {}, REAL_T, REAL_P),
    (losses.MeanAbsolutePercentageError, "mean_absolute_percentage_error", {}, REAL_T, REAL_P),
    (losses.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error", {}, POS_T, POS_P),
    (losses.Huber, "huber", {}, REAL_T, REAL_P * 2),
    (losses.Huber, "huber", {"delta": 0.3}, REAL_T, REAL_P),
    (losses.LogCosh, "log_cosh", {}, REAL_T, REAL_P),
    (losses.CosineSimilarity, "cosine_similarity", {}, REAL_T, REAL_P),
    (losses.Hinge, "hinge", {}, BIN_T, REAL_P),
    (losses.Hinge, "hinge", {}, 2 * BIN_T - 1, REAL_P),
    (losses.SquaredHinge, "squared_hinge", {}, BIN_T, REAL_P),
    (losses.CategoricalHinge, "categorical_hinge", {}, ONEHOT, REAL_P),
    (losses.Poisson, "poisson", {}, POS_T, POS_P),
    (losses.KLDivergence, "kl_divergence", {}, PROBS, rng.dirichlet(np.ones(C), size=B)),
    (losses.BinaryCrossentropy, "binary_crossentropy", {}, BIN_T, BIN_P),
    (losses.BinaryCrossentropy, "binary_crossentropy", {"from_logits": True, "label_smoothing": 0.2}, BIN_T, LOGITS),
    (losses.CategoricalCrossentropy, "categorical_crossentropy", {}, ONEHOT, PROBS),
    (losses.CategoricalCrossentropy, "categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.1},
     ONEHOT, LOGITS),
    (losses.BinaryFocalCrossentropy, "binary_focal_crossentropy", {}, BIN_T, BIN_P),
    (losses.BinaryFocalCrossentropy, "binary_focal_crossentropy",
     {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5, "from_logits": True, "label_smoothing": 0.1},
     BIN_T, LOGITS),
    (losses.CategoricalFocalCrossentropy, "categorical_focal_crossentropy", {}, ONEHOT, PROBS),
    (losses.CategoricalFocalCrossentropy, "categorical_focal_crossentropy",
     {"from_logits": True, "gamma": 3.0, "alpha": 0.5, "label_smoothing": 0.1}, ONEHOT, LOGITS),
]  # fmt: skip
IDS = [f"{c.__name__}-{i}" for i, (c, *_) in enumerate(CASES)]


@pytest.mark.parametrize("cls, fn, kwargs, t, p", CASES, ids=IDS)
def test_function_and_class_match_keras_formula(cls, fn, kwargs, t, p):
    expected = REFERENCE[fn](t, p, **kwargs)
    per_sample = getattr(losses, fn)(t, ember.tensor(p), **kwargs)
    assert per_sample.shape == (B,)
    np.testing.assert_allclose(per_sample.numpy(), expected, rtol=1e-10, atol=1e-12)
    loss = cls(**kwargs)
    assert loss(t, ember.tensor(p)).item() == pytest.approx(expected.mean(), rel=1e-10)
    w = rng.uniform(0, 2, B)
    assert loss(t, ember.tensor(p), sample_weight=w).item() == pytest.approx((expected * w).mean(), rel=1e-10)
    assert cls(reduction="sum", **kwargs)(t, ember.tensor(p)).item() == pytest.approx(expected.sum(), rel=1e-10)
    np.testing.assert_allclose(cls(reduction="none", **kwargs)(t, ember.tensor(p)).numpy(), expected, rtol=1e-10)
    got = cls(reduction="mean_with_sample_weight", **kwargs)(t, ember.tensor(p), sample_weight=w).item()
    assert got == pytest.approx((expected * w).sum() / w.sum(), rel=1e-10)


@pytest.mark.parametrize("cls, fn, kwargs, t, p", CASES, ids=IDS)
def test_gradients_match_finite_differences(cls, fn, kwargs, t, p):
    assert gradcheck(lambda x: cls(**kwargs)(t, x), [p], atol=1e-6)


def test_float32_predictions_give_float32_losses():
    out = losses.CategoricalCrossentropy()(ONEHOT, ember.tensor(PROBS.astype(np.float32)))
    assert out.dtype == np.float32 and out.shape == ()


T = torch.tensor


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda: losses.MeanSquaredError()(REAL_T, ember.tensor(REAL_P)), lambda: tF.mse_loss(T(REAL_P), T(REAL_T))),
        (lambda: losses.MeanAbsoluteError()(REAL_T, ember.tensor(REAL_P)), lambda: tF.l1_loss(T(REAL_P), T(REAL_T))),
        (lambda: losses.Huber(delta=0.5)(REAL_T, ember.tensor(REAL_P)),
         lambda: tF.huber_loss(T(REAL_P), T(REAL_T), delta=0.5)),
        (lambda: losses.BinaryCrossentropy()(BIN_T, ember.tensor(BIN_P)),
         lambda: tF.binary_cross_entropy(T(BIN_P), T(BIN_T))),
        (lambda: losses.BinaryCrossentropy(from_logits=True)(BIN_T, ember.tensor(LOGITS)),
         lambda: tF.binary_cross_entropy_with_logits(T(LOGITS), T(BIN_T))),
        (lambda: losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)(ONEHOT, ember.tensor(LOGITS)),
         lambda: tF.cross_entropy(T(LOGITS), T(ONEHOT), label_smoothing=0.2)),
        (lambda: losses.SparseCategoricalCrossentropy(from_logits=True)(ONEHOT.argmax(1), ember.tensor(LOGITS)),
         lambda: tF.cross_entropy(T(LOGITS), T(ONEHOT.argmax(1)))),
        (lambda: losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1)(
            ONEHOT.argmax(1), ember.tensor(LOGITS)),
         lambda: tF.cross_entropy(T(LOGITS), T(ONEHOT.argmax(1)), ignore_index=1)),
        (lambda: losses.KLDivergence()(PROBS, ember.tensor(PROBS[::-1].copy())),
         lambda: tF.kl_div(T(PROBS[::-1].copy()).log(), T(PROBS), reduction="batchmean")),
        (lambda: losses.Poisson()(POS_T, ember.tensor(POS_P)),
         lambda: tF.poisson_nll_loss(T(POS_P), T(POS_T), log_input=False, eps=1e-7)),
        (lambda: losses.CosineSimilarity()(REAL_T, ember.tensor(REAL_P)),
         lambda: -tF.cosine_similarity(T(REAL_P), T(REAL_T), dim=-1).mean()),
    ],
    ids=["mse", "mae", "huber", "bce", "bce_logits", "cce_smoothing", "sparse", "sparse_ignore", "kld", "poisson",
         "cosine"],
)  # fmt: skip
def test_matches_torch(ours, theirs):
    assert ours().item() == pytest.approx(theirs().item(), rel=1e-10)


def test_string_aliases_and_names():
    expected = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
                "msle": "mean_squared_logarithmic_error", "kld": "kl_divergence", "huber": "huber_loss",
                "logcosh": "log_cosh", "bce": "binary_crossentropy", "Hinge": "hinge",
                "binary_focal_crossentropy": "binary_focal_crossentropy", "poisson": "poisson",
                "categorical_focal_crossentropy": "categorical_focal_crossentropy"}  # fmt: skip
    for alias, name in expected.items():
        assert losses.get(alias).name == name
    assert losses.mse is losses.mean_squared_error and losses.KLD is losses.kl_divergence
    with pytest.raises(ValueError, match="Unknown loss: 'mean_squared_eror'.*mean_squared_error"):
        losses.get("mean_squared_eror")
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.Huber(reduction="avg")


@pytest.mark.parametrize("cls", [c for c, *_ in CASES] + [losses.SparseCategoricalCrossentropy])
def test_config_round_trip(cls):
    loss = cls(reduction="sum", name="custom")
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == loss.get_config()


def test_function_losses_are_wrapped_with_their_name():
    def my_loss(y_true, y_pred):
        return ember.ops.mean(ember.ops.abs(y_true - y_pred), axis=-1)

    wrapped = losses.get(my_loss)
    assert wrapped.name == "my_loss"
    assert wrapped(ember.tensor(REAL_T), ember.tensor(REAL_P)).item() == pytest.approx(np.abs(REAL_T - REAL_P).mean())
    with pytest.raises(TypeError, match="named class"):
        losses.serialize(wrapped)


def test_trailing_unit_axis_is_aligned_not_broadcast():
    y, p = np.array([0.0, 1.0, 1.0]), np.array([[0.2], [0.7], [0.9]])
    got = losses.MeanSquaredError()(y, ember.tensor(p)).item()
    assert got == pytest.approx(((y - p[:, 0]) ** 2).mean())
    np.testing.assert_allclose(losses.binary_crossentropy(y[:, None], ember.tensor(p[:, 0])).numpy().shape, (3,))


def test_docstring_examples_run():
    import doctest

    from ember.losses import probabilistic, regression

    for module in (losses, probabilistic, regression):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted >= 1


@pytest.mark.parametrize("from_logits", [True, False])
def test_sparse_categorical_gradients_and_ignore_class(from_logits):
    labels = ONEHOT.argmax(1)
    pred = LOGITS if from_logits else PROBS
    assert gradcheck(lambda x: losses.SparseCategoricalCrossentropy(from_logits=from_logits)(labels, x), [pred])
    masked = losses.sparse_categorical_crossentropy(labels, ember.tensor(pred), from_logits=from_logits,
                                                    ignore_class=int(labels[0]))  # fmt: skip
    full = losses.sparse_categorical_crossentropy(labels, ember.tensor(pred), from_logits=from_logits)
    keep = labels != labels[0]
    np.testing.assert_allclose(masked.numpy(), np.where(keep, full.numpy(), 0.0))


def test_log_cosh_and_huber_are_finite_for_huge_residuals():
    big = np.array([[1e4, -1e4, 1e30]], np.float32)
    x = ember.tensor(big, requires_grad=True)
    out = losses.log_cosh(np.zeros_like(big), x)
    assert out.item() == pytest.approx(float(np.mean(np.abs(big.astype(np.float64)) - np.log(2))), rel=1e-6)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.sign(big) / 3, rtol=1e-6)
    assert np.isfinite(losses.Huber()(np.zeros_like(big), ember.tensor(big)).item())
