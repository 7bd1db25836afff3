"""RELIABILITY rows B1 (extreme logits), B2 (BCE from logits), E2 (out-of-range labels) and shape errors."""

import numpy as np
import pytest
from scipy.special import expit

import ember
from ember import losses

rng = np.random.default_rng(42)


def _cross_entropy_float64(z, labels):
    """``logsumexp(z) - z[label]`` as ``log1p(sum of exp(z - max) over non-max entries) + (max - z[label])``.

    (``scipy.special.logsumexp(z) - z[label]`` rounds values below ~1e-13 to 0 when ``|z| ~ 1e3``.)
    """
    top = z.argmax(axis=1)
    m = z[np.arange(len(z)), top]
    e = np.exp(z - m[:, None])
    e[np.arange(len(z)), top] = 0
    return np.log1p(e.sum(axis=1)) + (m - z[np.arange(len(z)), labels])


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e3), (np.float64, 1e300)])
def test_b1_extreme_logits_give_finite_cross_entropy_matching_logsumexp(dtype, scale):
    trials, classes = 10_000, 5
    z = (rng.uniform(-1, 1, (trials, classes)) * scale).astype(dtype)
    labels = rng.integers(0, classes, trials)
    reference = _cross_entropy_float64(z.astype(np.float64), labels)
    x = ember.tensor(z, requires_grad=True)
    sparse = losses.sparse_categorical_crossentropy(labels, x, from_logits=True)
    onehot = losses.categorical_crossentropy(np.eye(classes)[labels], x, from_logits=True)
    for values in (sparse, onehot):
        got = values.numpy()
        assert got.dtype == dtype and np.isfinite(got).all()
        # losses below the dtype's smallest normal number (e.g. 1e-72 in float32) round to 0 or a subnormal
        np.testing.assert_allclose(got, reference, rtol=1e-6, atol=np.finfo(dtype).smallest_normal)
    (sparse.sum() + onehot.sum()).backward()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_b2_bce_from_logits_is_stable_and_exact(dtype):
    z = np.array([1e-8, -1e-8, 20, -20, 88.7, -88.7, 100, -100, 1e4, -1e4], dtype=dtype)
    for y in (0.0, 1.0):
        t = np.full(z.shape, y, dtype=dtype)
        x = ember.tensor(z[:, None], requires_grad=True)
        loss = losses.binary_crossentropy(t[:, None], x, from_logits=True)
        z64 = z.astype(np.float64)
        expected = np.maximum(z64, 0) - z64 * y + np.log1p(np.exp(-np.abs(z64)))
        # below float32's smallest normal number there is no relative precision left to test
        np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-6, atol=np.finfo(dtype).smallest_normal)
        loss.sum().backward()
        np.testing.assert_allclose(x.grad.numpy()[:, 0], expit(z64) - y, atol=1e-7)


def test_b2_regression_z_minus_100_label_1_gives_100():
    y, z = np.array([[1.0]], np.float32), np.array([[-100.0]], np.float32)
    assert losses.BinaryCrossentropy(from_logits=True)(y, ember.tensor(z)).item() == pytest.approx(100.0, rel=1e-6)
    assert losses.binary_crossentropy(y, ember.tensor(z), from_logits=True).numpy()[0] == pytest.approx(100.0)
    focal = losses.BinaryFocalCrossentropy(from_logits=True, gamma=0.0)
    assert focal(np.array([[1.0]]), ember.tensor(np.array([[-100.0]]))).item() == pytest.approx(100.0)


def test_focal_losses_stay_finite_for_extreme_logits():
    z = ember.tensor(np.array([[1e3, -1e3, 0.0], [-1e3, 1e3, 5.0]], np.float32), requires_grad=True)
    out = losses.CategoricalFocalCrossentropy(from_logits=True)(np.eye(3)[[1, 2]], z) + \
        losses.BinaryFocalCrossentropy(from_logits=True)(np.array([[0, 1, 1], [1, 0, 0]]), z)  # fmt: skip
    out.backward()
    assert np.isfinite(out.item()) and np.isfinite(z.grad.numpy()).all()


@pytest.mark.parametrize("from_logits", [True, False])
def test_e2_out_of_range_labels_never_give_a_finite_loss(from_logits):
    classes, finite = 4, 0
    probs = ember.tensor(rng.dirichlet(np.ones(classes), size=8))
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    for _ in range(1000):
        labels = rng.integers(0, classes, 8)
        labels[rng.integers(0, 8)] = rng.choice([-1, classes, classes + rng.integers(0, 100), -rng.integers(1, 100)])
        try:
            value = loss(labels, probs)
            finite += bool(np.isfinite(value.item()))
        except ValueError as err:
            assert "labels must lie in [0, 4)" in str(err)
    assert finite == 0


def test_e2_non_integer_and_one_hot_labels_are_rejected():
    probs = ember.tensor(np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="non-integer"):
        losses.sparse_categorical_crossentropy(np.array([0.5, 1.0]), probs)
    with pytest.raises(ValueError, match="look one-hot encoded: use categorical_crossentropy"):
        losses.sparse_categorical_crossentropy(np.eye(3)[[0, 1]], probs)


def test_shape_mismatch_names_the_loss_and_suggests_the_fix():
    with pytest.raises(ValueError) as err:
        losses.MeanSquaredError()(np.zeros((4, 3)), ember.tensor(np.zeros((4, 1))))
    msg = str(err.value)
    assert "mean_squared_error" in msg and "y_true.shape=(4, 3), y_pred.shape=(4, 1)" in msg and "Dense(units=" in msg
    with pytest.raises(ValueError, match="categorical_crossentropy.*integer class labels: use "
                                         "loss='sparse_categorical_crossentropy'.*to_categorical"):  # fmt: skip
        losses.CategoricalCrossentropy()(np.array([0, 2, 1]), ember.tensor(np.full((3, 3), 1 / 3)))
    with pytest.raises(ValueError, match="binary_crossentropy: y_true and y_pred must have the same shape"):
        losses.binary_crossentropy(np.zeros((5, 2)), ember.tensor(np.full((5, 3), 0.5)))
