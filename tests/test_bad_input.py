"""Issue 2's bad-input catalogue: clear errors, raised before anything is trained."""

import numpy as np
import pytest

import ember
from ember import layers, models


def _compiled(loss="sparse_categorical_crossentropy", units=3):
    model = models.Sequential([layers.Dense(units, activation="softmax", input_dim=4)])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


X = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)


def test_dense_called_on_wrong_last_axis_names_layer_and_shapes():
    dense = layers.Dense(2, name="dense_probe")
    dense(np.zeros((5, 64)))
    with pytest.raises(ValueError, match=r"Dense 'dense_probe'.*64.*\(5, 63\)"):
        dense(np.zeros((5, 63)))


def _assert_raises_and_untouched(model, fn, match):
    """``fn`` raises ValueError matching ``match`` and leaves weights, optimizer and RNG as they were (E3)."""
    before = model.get_weights()
    state = ember.backend.random.get_state()
    with pytest.raises(ValueError, match=match):
        fn()
    assert before and all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert model.optimizer.iterations == 0
    assert ember.backend.random.get_state() == state


@pytest.mark.parametrize(
    "y,match",
    [
        (np.zeros(9, dtype=int), r"same number of samples.*10.*9"),
        (np.array([0, 1, 2, 3, 0, 1, 2, 0, 1, 2]), r"\[0, 3\).*max=3"),
        (np.array([0, 1, -1, 0, 0, 1, 2, 0, 1, 2]), r"\[0, 3\).*min=-1"),
        (np.eye(3)[np.arange(10) % 3], r"one-hot encoded: use categorical_crossentropy"),
    ],
    ids=["length", "label_too_big", "negative_label", "onehot_for_sparse"],
)
def test_fit_rejects_bad_labels_before_training(y, match):
    model = _compiled()
    _assert_raises_and_untouched(model, lambda: model.fit(X, y, epochs=1, verbose=0), match)


def test_sparse_labels_given_to_categorical_loss_suggest_the_fix():
    model = _compiled(loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*to_categorical"):
        model.fit(X, np.arange(10) % 3, epochs=1, verbose=0)


def test_empty_dataset_is_refused():
    model = _compiled()
    with pytest.raises(ValueError, match="empty"):
        model.fit(np.zeros((0, 4)), np.zeros((0,)), verbose=0)


def test_bad_batch_size_is_refused():
    with pytest.raises(ValueError, match="batch_size"):
        _compiled().fit(X, np.zeros(10, dtype=int), batch_size=0, verbose=0)


def test_string_inputs_are_refused_with_type_error():
    with pytest.raises(TypeError, match="numeric"):
        _compiled().fit(np.array([["a"] * 4] * 10), np.zeros(10, dtype=int), verbose=0)


@pytest.mark.parametrize(
    "kind,call",
    [
        ("optimizer", lambda m: m.compile(optimizer="adamm", loss="mse")),
        ("loss", lambda m: m.compile(optimizer="adam", loss="mean_sqared_error")),
        ("metric", lambda m: m.compile(optimizer="adam", loss="mse", metrics=["acuracy"])),
        ("activation", lambda m: layers.Dense(3, activation="rellu")),
    ],
)
def test_unknown_names_list_the_valid_ones(kind, call):
    model = models.Sequential([layers.Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match=rf"Unknown {kind}: .*Expected one of: .*"):
        call(model)


def test_sparse_loss_called_directly_refuses_out_of_range_labels():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        ember.losses.sparse_categorical_crossentropy(np.array([3]), np.zeros((1, 3)), from_logits=True)
