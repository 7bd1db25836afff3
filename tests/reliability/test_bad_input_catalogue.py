"""RELIABILITY.md E1 (the bad-input catalogue), E3 (a failed call leaves no damage) and E4 (empty data).

Every case raises ``ValueError``/``TypeError`` whose message names the layer, loss or function, the argument,
what was expected and what was received; after it, the weights, the optimizer state and the global RNG are
bit-identical to before.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
from ember import layers, losses, models

RNG = np.random.default_rng(0)
X = RNG.standard_normal((10, 4)).astype(np.float32)
Y = np.arange(10) % 3


def _model(loss="sparse_categorical_crossentropy"):
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax", name="probe")])
    model.compile(optimizer="adam", loss=loss)
    model.train_on_batch(X, Y if "sparse" in loss else np.eye(3)[Y])  # the optimizer has state to protect
    return model


# (id, call on a fresh model, exception, regex of: who, argument/what, expected, received)
CATALOGUE = [
    ("wrong last dim", lambda m: m.predict(np.zeros((2, 5), "float32"), verbose=0), ValueError,
     r"Dense 'probe'.*axis -1 of size 4.*\(5,\)"),
    ("wrong ndim", lambda m: CONV(np.zeros((1, 5, 3), "float32")), ValueError,
     r"Conv2D 'conv_probe'.*rank 4.*per sample \(5, 3\)"),
    ("object dtype", lambda m: m.fit(np.array([[object()] * 4] * 10), Y, verbose=0), TypeError,
     r"fit.*(x|input).*numeric.*object"),
    ("str dtype", lambda m: m.fit(np.array([["a"] * 4] * 10), Y, verbose=0), TypeError,
     # fit takes strings (for models that start with a text layer), so the first numeric layer refuses them
     r"Dense 'probe': expected numeric inputs.*Received: inputs of dtype=<U1"),
    ("complex dtype", lambda m: m.fit(X.astype(np.complex64), Y, verbose=0), TypeError,
     r"fit.*(x|input).*(real|numeric|float).*complex"),
    ("x/y count mismatch", lambda m: m.fit(X, Y[:9], verbose=0), ValueError,
     r"fit.*same number of samples.*10.*9"),
    ("batch_size 0", lambda m: m.fit(X, Y, batch_size=0, verbose=0), ValueError,
     r"fit.*batch_size.*positive.*0"),
    ("batch_size negative", lambda m: m.fit(X, Y, batch_size=-3, verbose=0), ValueError,
     r"fit.*batch_size.*positive.*-3"),
    ("label >= C", lambda m: m.fit(X, np.full(10, 3), verbose=0), ValueError,
     r"sparse_categorical_crossentropy.*\[0, 3\).*max=3"),
    ("label < 0", lambda m: m.fit(X, np.full(10, -1), verbose=0), ValueError,
     r"sparse_categorical_crossentropy.*\[0, 3\).*min=-1"),
    ("float labels to sparse CE", lambda m: m.fit(X, Y + 0.5, verbose=0), ValueError,
     r"sparse_categorical_crossentropy.*integer.*(float|0\.5)"),
    ("target/output shape mismatch", lambda m: _categorical(m).fit(X, np.zeros((10, 4)), verbose=0), ValueError,
     r"categorical_crossentropy.*\(None, 3\)|categorical_crossentropy.*3.*4"),
]


def _conv():
    conv = layers.Conv2D(2, 3, name="conv_probe")
    conv(np.zeros((1, 5, 5, 3), "float32"))
    return conv


CONV = _conv()  # built here: building draws from the RNG, which the cases must leave untouched


def _optimizer_state(optimizer) -> list:
    """Copies of every slot array of ``optimizer`` (moments, ...), in a stable order."""
    return [np.array(slots[k]) for _, slots in sorted(optimizer._slots.items()) for k in sorted(slots)
            if not k.startswith("_")]  # fmt: skip


def _categorical(model):
    model.compile(optimizer=model.optimizer, loss="categorical_crossentropy")
    return model


@pytest.mark.parametrize("case", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_e1_e3_error_names_who_what_expected_received_and_nothing_changes(case):
    _, call, exc_type, pattern = case
    model = _model()
    weights = model.get_weights()
    slots = _optimizer_state(model.optimizer)
    iterations = int(model.optimizer.iterations)
    rng_state = ember.backend.random.get_state()
    with pytest.raises(exc_type) as excinfo:
        call(model)
    assert excinfo.match(pattern), f"message {excinfo.value!s} does not match {pattern}"
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert int(model.optimizer.iterations) == iterations
    for a, b in zip(slots, _optimizer_state(model.optimizer), strict=True):
        np.testing.assert_array_equal(a, b)
    assert ember.backend.random.get_state() == rng_state


def test_e1_backward_twice_names_the_fix():
    w = ember.tensor([1.0], requires_grad=True)
    loss = (w * 2.0).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()


def test_e1_nan_input_with_checking_on_names_the_op():
    from ember.debug import AnomalyError, detect_anomaly

    model = _model()
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"(NaN|nan|Inf)"):
        model(np.full((1, 4), np.nan, "float32"))


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_e4_empty_dataset_is_refused_before_step_one_naming_size_0(call):
    model = _model()
    weights, iterations = model.get_weights(), int(model.optimizer.iterations)
    x, y = np.zeros((0, 4), "float32"), np.zeros((0,), "int64")
    args = (x,) if call == "predict" else (x, y)
    with pytest.raises(ValueError, match=rf"{call}.*(empty|0 samples|size 0)"):
        getattr(model, call)(*args, verbose=0)
    assert int(model.optimizer.iterations) == iterations
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_e2_no_out_of_range_label_gives_a_finite_loss():
    """1,000 random trials with a label outside [0, C): never a finite loss (an error every time)."""
    rng = np.random.default_rng(7)
    for _ in range(1000):
        c = int(rng.integers(2, 6))
        labels = rng.integers(0, c, 4)
        labels[rng.integers(4)] = int(rng.choice([-1, c, c + int(rng.integers(1, 100))]))
        with pytest.raises(ValueError):
            losses.sparse_categorical_crossentropy(labels, rng.normal(size=(4, c)).astype("float32"),
                                                   from_logits=bool(rng.integers(2)))  # fmt: skip
