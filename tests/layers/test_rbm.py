"""RBM: free energy against brute-force enumeration, CD-k gradient, Gibbs sampling, learning; DBN; VAE helpers."""

import itertools

import numpy as np
import pytest

import ember
import ember.testing
from ember import layers


def _small_rbm(visible=3, hidden=2):
    ember.config.set_floatx("float64")
    rbm = layers.RBM(hidden)
    rbm.build((None, visible))
    rng = np.random.default_rng(0)
    rbm.set_weights([rng.standard_normal((visible, hidden)), rng.standard_normal(hidden), rng.standard_normal(visible)])
    return rbm


def test_free_energy_matches_enumeration():
    rbm = _small_rbm()
    w, bh, bv = rbm.get_weights()
    vs = np.array(list(itertools.product([0, 1], repeat=3)), dtype="float64")
    hs = np.array(list(itertools.product([0, 1], repeat=2)), dtype="float64")
    energy = -(vs @ bv)[:, None] - (hs @ bh)[None, :] - vs @ w @ hs.T  # E(v, h)
    brute = -np.log(np.exp(-energy).sum(axis=1))
    np.testing.assert_allclose(rbm.free_energy(vs).numpy(), brute, rtol=1e-10)


def test_cd_loss_gradient_is_data_minus_model_statistics():
    rbm = _small_rbm()
    v = np.random.default_rng(1).integers(0, 2, size=(5, 3)).astype("float64")
    ember.utils.set_random_seed(7)
    loss = rbm.contrastive_divergence_loss(v, k=2)
    loss.backward()
    ember.utils.set_random_seed(7)
    v_k = rbm.gibbs_sample(v, k=2).numpy()
    w, bh, _ = rbm.get_weights()

    def sig(z):
        return 1 / (1 + np.exp(-z))

    positive, negative = v.T @ sig(v @ w + bh) / 5, v_k.T @ sig(v_k @ w + bh) / 5
    np.testing.assert_allclose(-rbm.kernel.grad.numpy(), positive - negative, atol=1e-12)
    np.testing.assert_allclose(-rbm.visible_bias.grad.numpy(), v.mean(0) - v_k.mean(0), atol=1e-12)
    assert set(np.unique(v_k)) <= {0.0, 1.0}


def test_rbm_learns_patterns_and_dbn_fine_tunes():
    rng = np.random.default_rng(0)
    patterns = np.array([[1, 1, 1, 0, 0, 0, 1, 0], [0, 0, 0, 1, 1, 1, 0, 1]], dtype="float32")
    x = patterns[rng.integers(0, 2, 200)]
    rbm = layers.RBM(4)
    errors = rbm.fit_cd(x, epochs=15, batch_size=20, optimizer=ember.optimizers.SGD(0.5, momentum=0.5))
    assert errors[-1] < 0.05 < errors[0]
    dbn = layers.DBN([6, 4])
    dbn.pretrain(x, epochs=3, batch_size=20)
    dense = dbn.to_dense_layers()
    np.testing.assert_array_equal(dense[0].kernel.numpy(), dbn.rbms[0].kernel.numpy())
    y = (x[:, 0] == 1).astype("int64")
    model = ember.Sequential([ember.Input((8,)), *dense, layers.Dense(2, activation="softmax")])
    model.compile(optimizer=ember.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=5, batch_size=20, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] == 1.0


def test_rbm_generic_checks_and_errors():
    # As a layer the RBM maps v to p(h|v), which does not involve the visible bias, so the generic
    # training check (every weight gets a gradient) does not apply; CD-k training is tested above.
    ember.testing.run_layer_test(layers.RBM, init_kwargs={"units": 3}, input_shape=(4, 5), expected_output_shape=(4, 3),
                                 expected_num_trainable_weights=3, run_training_check=False)  # fmt: skip
    with pytest.raises(ValueError, match=r"RBM 'r' expects 2-D input.*Received: shape=\(2, 3, 4\)"):
        layers.RBM(2, name="r")(np.ones((2, 3, 4), "float32"))


def test_sampling_layer_and_kl():
    mean = np.array([[1.0, -2.0]], "float32")
    log_var = np.array([[0.5, -1.0]], "float32")
    kl = layers.kl_divergence_normal(mean, log_var).numpy()
    expected = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=-1)
    np.testing.assert_allclose(kl, expected, rtol=1e-6)
    sampler = layers.Sampling(add_kl_loss=True)
    z = sampler([np.repeat(mean, 20000, 0), np.repeat(log_var, 20000, 0)]).numpy()
    np.testing.assert_allclose(z.mean(0), mean[0], atol=0.03)
    np.testing.assert_allclose(z.std(0), np.exp(0.5 * log_var[0]), rtol=0.03)
    np.testing.assert_allclose(float(sampler.losses[0].item()), expected[0], rtol=1e-5)
    m = ember.tensor(mean, requires_grad=True)
    layers.Sampling()([m, ember.tensor(log_var)]).sum().backward()
    np.testing.assert_allclose(m.grad.numpy(), 1.0)  # reparameterisation: dz/dmu = 1
    with pytest.raises(ValueError, match=r"Sampling 's' expects \[z_mean, z_log_var\] of equal shapes"):
        layers.Sampling(name="s")([mean, log_var[:, :1]])


def test_sampling_generic_checks():
    ember.testing.run_layer_test(layers.Sampling, init_kwargs={"seed": 3, "add_kl_loss": True},
                                 input_shape=[(4, 2), (4, 2)], expected_output_shape=(4, 2),
                                 expected_num_trainable_weights=0, expected_num_losses=1)  # fmt: skip
