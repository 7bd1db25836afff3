"""RBFLayer: formula, gradients, k-means centres, learning on iris, errors."""

import numpy as np
import pytest

import ember
import ember.datasets
import ember.testing
from ember import layers
from ember.layers.rbf import squared_distances


def test_output_formula_and_gradcheck():
    rbf = layers.RBFLayer(3, betas=0.5)
    x = np.random.default_rng(0).standard_normal((4, 2)).astype("float32")
    out = rbf(x).numpy()
    c, b = rbf.get_weights()
    np.testing.assert_allclose(out, np.exp(-b * ((x[:, None] - c[None]) ** 2).sum(-1)), rtol=1e-5)

    def f(xx, cc, bb):
        return ember.ops.exp(-bb * squared_distances(xx, cc))

    rng = np.random.default_rng(1)
    ember.testing.gradcheck(f, [rng.standard_normal((4, 2)), rng.standard_normal((3, 2)), rng.random(3) + 0.5])


def test_kmeans_centres_find_clusters():
    rng = np.random.default_rng(0)
    means = np.array([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]])
    x = np.concatenate([m + 0.1 * rng.standard_normal((30, 2)) for m in means]).astype("float32")
    rbf = layers.RBFLayer(3)
    rbf.initialize_centers(x)
    found = rbf.centers.numpy()
    assert np.abs(np.sort(found, axis=0) - np.sort(means, axis=0)).max() < 0.1
    assert np.all(rbf.betas.numpy() > 10)  # tight clusters → narrow units


def test_rbf_network_learns_iris():
    (x, y), (xt, yt) = ember.datasets.iris.load_data()
    mu, sd = x.mean(0), x.std(0)
    x, xt = ((x - mu) / sd).astype("float32"), ((xt - mu) / sd).astype("float32")
    rbf = layers.RBFLayer(12)
    rbf.initialize_centers(x)
    model = ember.Sequential([ember.Input((4,)), rbf, layers.Dense(3, activation="softmax")])
    model.compile(optimizer=ember.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(xt, yt, verbose=0)[1] >= 0.9


def test_generic_checks_and_errors():
    ember.testing.run_layer_test(layers.RBFLayer, init_kwargs={"units": 4}, input_shape=(3, 2),
                                 expected_output_shape=(3, 4), expected_num_trainable_weights=2)  # fmt: skip
    with pytest.raises(ValueError, match=r"RBFLayer 'r' expects 2-D input.*Received: shape=\(2, 3, 4\)"):
        layers.RBFLayer(2, name="r")(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="units"):
        layers.RBFLayer(0)
