"""``use_ema``: Keras's moving average of the variables, its overwrite schedule and ``fit``'s finalize."""

import numpy as np
import pytest

import ember
from ember import layers, optimizers

rng = np.random.default_rng(3)
W0 = rng.standard_normal((3, 4))
GRADS = rng.standard_normal((6, 3, 4))


def _keras_ema_reference(momentum, lr=0.1, overwrite_every=None):
    """Plain SGD with Keras's EMA rule in float64: ``m = 0`` on step 1, then ``momentum``."""
    w, average, out = W0.copy(), np.zeros_like(W0), []
    for step, g in enumerate(GRADS, start=1):
        w = w - lr * g
        m = 0.0 if step == 1 else momentum
        average = m * average + (1 - m) * w
        if overwrite_every and step % overwrite_every == 0:
            w = average.copy()
        out.append((w.copy(), average.copy()))
    return out


def test_average_follows_keras_rule_and_finalize_writes_it():
    w = ember.Variable(W0.copy(), name="w")
    opt = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.9)
    for (want_w, want_average), g in zip(_keras_ema_reference(0.9), GRADS, strict=True):
        opt.apply([g], [w])
        np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-12)  # the variable itself is plain SGD
        np.testing.assert_allclose(opt.slots_for([w])[0]["average"], want_average, rtol=1e-12)
    opt.finalize_variable_values([w])
    np.testing.assert_array_equal(w.numpy(), opt.slots_for([w])[0]["average"])


def test_overwrite_frequency_copies_the_average_in_every_k_steps():
    w = ember.Variable(W0.copy(), name="w")
    opt = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    for (want_w, _), g in zip(_keras_ema_reference(0.5, overwrite_every=2), GRADS, strict=True):
        opt.apply([g], [w])
        np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-12)


def test_without_ema_finalize_changes_nothing_and_no_average_slot_exists():
    w = ember.Variable(W0.copy(), name="w")
    opt = optimizers.Adam(0.1)
    opt.apply([GRADS[0]], [w])
    before = w.numpy().copy()
    opt.finalize_variable_values([w])
    np.testing.assert_array_equal(w.numpy(), before)
    assert "average" not in opt.slots_for([w])[0]


def _data():
    x = rng.random((32, 3)).astype("float32")
    return x, x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")


def test_fit_ends_with_the_averaged_weights_and_resumes_from_a_saved_file(tmp_path):
    x, y = _data()

    def model_with(opt):
        ember.utils.set_random_seed(0)
        model = ember.Sequential([layers.Dense(4, activation="tanh", input_dim=3), layers.Dense(1)])
        model.compile(opt, "mse")
        return model

    plain = model_with(optimizers.Adam(0.05))
    averaged = model_with(optimizers.Adam(0.05, use_ema=True, ema_momentum=0.8))
    for model in (plain, averaged):
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    opt = averaged.optimizer
    for v, average in zip(averaged.trainable_weights, opt.slots_for(averaged.trainable_weights), strict=True):
        np.testing.assert_array_equal(v.numpy(), average["average"])
    # Both runs take the same steps; only the averaged one ends on its moving averages.
    assert not np.allclose(plain.get_weights()[0], averaged.get_weights()[0])
    path = tmp_path / "ema.keras"
    averaged.save(path)
    loaded = ember.models.load_model(path)
    assert loaded.optimizer.get_config()["use_ema"] and loaded.optimizer.get_config()["ema_momentum"] == 0.8
    for model in (averaged, loaded):
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(averaged.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_bad_ema_options_are_rejected_with_the_optimizer_name():
    with pytest.raises(ValueError, match=r"RMSprop: `ema_momentum` must be in \[0, 1\]. Received: 1.5"):
        optimizers.RMSprop(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match=r"Adam: `ema_overwrite_frequency` must be an int >= 1 or None. Received: 0"):
        optimizers.Adam(use_ema=True, ema_overwrite_frequency=0)
    config = optimizers.Nadam(use_ema=True, ema_momentum=0.95).get_config()
    assert optimizers.Nadam.from_config(config).get_config() == config
