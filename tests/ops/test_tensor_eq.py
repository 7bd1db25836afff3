"""``==`` and ``!=`` on Tensors are elementwise (as in PyTorch, NumPy and Keras), never Python identity.

Issue 16: with identity ``==``, Keras-guide code such as a custom metric doing
``ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")`` silently counted 0.
"""

import numpy as np
import pytest

import ember
from ember import ops
from tests.keras_ref.keras_runner import run_keras

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("op", ["eq", "ne"])
def test_tensor_tensor_matches_numpy(op):
    a = RNG.integers(0, 3, size=(4, 5)).astype("float32")
    b = RNG.integers(0, 3, size=(4, 5)).astype("float32")
    ta, tb = ember.Tensor(a), ember.Tensor(b)
    got = (ta == tb) if op == "eq" else (ta != tb)
    want = (a == b) if op == "eq" else (a != b)
    assert isinstance(got, ember.Tensor)
    assert got.dtype == np.bool_ and got.shape == (4, 5)
    np.testing.assert_array_equal(got.numpy(), want)
    assert want.any() and not want.all()  # the data exercise both outcomes


def test_scalar_array_and_broadcasting_match_numpy():
    a = np.arange(12, dtype="float64").reshape(3, 4) % 3
    t = ember.Tensor(a)
    row = np.array([0.0, 1.0, 2.0, 0.0])
    cases = [
        (t == 1, a == 1), (1 == t, a == 1), (t != 2.0, a != 2.0),
        (t == row, a == row), (row == t, a == row), (t != row, a != row),
        (t == ember.Tensor(row[:, None][:1]), a == row[:, None][:1]),  # (1, 1) broadcasts
        (t == [0.0, 1.0, 2.0, 0.0], a == row), (t == np.float32(2), a == 2),
    ]
    for got, want in cases:
        assert isinstance(got, ember.Tensor) and got.dtype == np.bool_
        np.testing.assert_array_equal(got.numpy(), want)


def test_int_and_bool_dtypes():
    x = ember.Tensor(np.array([1, 2, 3], dtype="int32"))
    np.testing.assert_array_equal((x == 2).numpy(), [False, True, False])
    m = ember.Tensor(np.array([True, False]))
    np.testing.assert_array_equal((m == True).numpy(), [True, False])  # noqa: E712 - elementwise on purpose


def test_no_gradient_and_identity_hash():
    w = ember.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = w == 1.0
    assert not out.requires_grad
    assert hash(w) == object.__hash__(w) and {w: "w"}[w] == "w" and w in {w}
    assert (w == None) is False and (w != None) is True  # noqa: E711 - not elementwise: plain bools
    assert (w == "w") is False and (w == object()) is False


def test_bool_of_many_elements_is_ambiguous():
    t = ember.Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="ambiguous. Use .any\\(\\) or .all\\(\\)"):
        bool(t == t)
    assert (t == t).all().item() and not (t == 1.0).all().item() and (t == 1.0).any().item()


def test_variables_in_lists_and_weights_lookups_are_identity_based():
    a = ember.Variable(np.zeros(()), name="a")
    b = ember.Variable(np.zeros(()), name="b")  # equal values: == alone would confuse them
    layer = ember.layers.Dense(2)
    layer.build((None, 3))
    assert any(v is layer.kernel for v in layer.weights)
    assert layer.kernel in layer.weights  # identity first, as Python's `in` does
    assert bool(a == b) and a is not b
    assert [v.name for v in [a, b] if v is b] == ["b"]


class CategoricalTruePositives(ember.metrics.Metric):
    """The Keras guide's custom metric ("Training & evaluation with the built-in methods"), imports changed."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        # Keras: self.add_variable(shape=(), name="ctp", initializer="zeros") after super().__init__; ember's
        # Metric has no add_variable and calls reset_state() in __init__, so the state is made first here.
        self.true_positives = ember.Variable(np.zeros((), "float32"), name="ctp", trainable=False)
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, "float32"))
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def test_keras_guide_custom_metric_counts_true_positives_like_keras():
    rng = np.random.default_rng(3)
    y_pred = rng.random((32, 10)).astype("float32")
    y_true = rng.integers(0, 10, size=(32, 1))
    y_true[:9, 0] = y_pred[:9].argmax(1)  # at least 9 hits
    want = int((y_true[:, 0] == y_pred.argmax(1)).sum())
    m = CategoricalTruePositives()
    m.update_state(ember.Tensor(y_true), ember.Tensor(y_pred))
    assert float(m.result()) == want >= 9
    keras_code = f"""
from keras import ops
y_pred = np.array({y_pred.tolist()}, dtype="float32"); y_true = np.array({y_true.tolist()})
values = ops.cast(y_true, "int32") == ops.cast(ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1)), "int32")
result = float(ops.convert_to_numpy(ops.sum(ops.cast(values, "float32"))))
"""
    assert run_keras(keras_code) == want
