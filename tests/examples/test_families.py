"""Short versions of the issue-5 family examples: each must show that learning happens.

The full runs (and the numbers in RESULTS_FAMILIES.md) use the scripts' defaults; here each trains on a
small slice for a few steps and is compared with chance or with its untrained start.
"""

import importlib.util
import pathlib
import sys

import matplotlib.image
import numpy as np
import pytest

import ember
import ember.datasets

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"family_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclass-free, but keeps pickling-free reloads consistent
    spec.loader.exec_module(module)
    return module


def test_perceptron_breast_cancer():
    assert load("perceptron_breast_cancer").main(epochs=5)["test_accuracy"] >= 0.93


def test_rbf_iris():
    assert load("rbf_iris").main(epochs=15)["test_accuracy"] >= 0.9


def test_mlp_and_cnn_mnist_beat_chance():
    mlp = load("mlp_mnist").main(epochs=1, batch_size=32, train_limit=2000, test_limit=500, hidden=64, verbose=0)
    assert mlp["test_accuracy"] > 0.6
    cnn = load("cnn_mnist").main(epochs=1, batch_size=32, train_limit=320, test_limit=200, verbose=0)
    assert cnn["test_accuracy"] > 0.3  # 10 steps on 320 images, chance is 0.1


@pytest.mark.parametrize("model,floor", [("logistic", 0.2), ("mlp", 0.3), ("cnn", 0.3), ("gru", 0.2),
                                         ("transformer", 0.15)])  # fmt: skip
def test_mnist1d_models_learn(model, floor):
    module = load("mnist1d_models")
    (x, y), (xt, yt) = ember.datasets.mnist1d.load_data()
    row = module.train(model, ((x[:500], y[:500]), (xt[:300], yt[:300])), steps=40 if model != "transformer" else 15)
    assert row["test_accuracy"] > floor  # chance is 0.1


def test_rnn_tweets_and_air_passengers():
    tweets = load("rnn_tweets_sentiment").main("gru", epochs=1, train_limit=640, test_limit=300, verbose=0)
    assert tweets["test_accuracy"] > tweets["baseline"] - 0.05  # 10 steps: at least the majority rate
    air = load("rnn_air_passengers").main(epochs=40)
    assert air["rmse"] < air["seasonal_naive_rmse"]


@pytest.mark.parametrize("kind", ["lstm", "transformer"])
def test_char_lm_loss_drops_below_uniform(kind):
    out = load("char_lm_shakespeare").main(
        kind, steps=12, val_windows=64, verbose=0, sample_length=20, text_limit=100_000
    )
    assert out["val_loss"] < np.log(84)  # uniform over the 84 characters is 4.43 nats
    assert out["sample"].startswith("ROMEO.\n") and len(out["sample"]) == len("ROMEO.\n") + 20


def test_autoencoders_and_vae(tmp_path):
    ae = load("autoencoders_mnist").main(epochs=2, train_limit=1000, test_limit=200, verbose=0, batch_size=32)
    assert ae["denoised_mse"] < ae["noisy_identity_mse"]
    assert ae["plain_mse"] < 0.1  # an all-0.5 output scores about 0.2
    png = tmp_path / "vae.png"
    vae = load("vae_mnist").main(epochs=2, train_limit=1000, test_limit=200, out=str(png), verbose=0)
    assert -vae["elbo"] < 400 and vae["kl"] > 0  # the untrained decoder costs 784·log 2 ≈ 543 nats
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dbn_and_gan_run(tmp_path):
    dbn = load("dbn_mnist").main(1, 2, train_limit=1000, test_limit=200, verbose=0, batch_size=16)
    assert dbn["test_accuracy"] > 0.3 and dbn["reconstruction_errors"][0] < 0.1
    png = tmp_path / "gan.png"
    gan = load("dcgan_mnist").main(steps=2, train_limit=500, out=str(png), classifier_samples=50, classifier_epochs=1,
                                   verbose=0)  # fmt: skip
    assert 0.0 <= gan["confident_as_asked"] <= gan["confident_share"] <= 1.0
    assert matplotlib.image.imread(png).shape[:2] == (10 * 30, 5 * 30)  # 50 samples: a row of 5 per digit


def test_conditional_gan_learns_both_networks():
    dcgan = load("dcgan_mnist")
    (x, y), _ = ember.datasets.mnist.load_data()
    x, digits = (x[:512, ..., None] / 255).astype("float32"), np.eye(10, dtype="float32")[y[:512]]
    ember.utils.set_random_seed(0)
    gan = dcgan.GAN()
    gan.compile(ember.optimizers.Adam(2e-4, beta_1=0.5), ember.optimizers.Adam(2e-4, beta_1=0.5))
    z, asked = ember.random.normal((64, dcgan.LATENT), seed=5), ember.tensor(digits[:64])
    before = gan.generate(z, asked).numpy().mean()  # ≈ 0.5: sigmoid of small pre-activations
    history = gan.fit(x, digits, batch_size=32, epochs=3, verbose=0).history
    assert history["d_loss"][-1] < min(0.4, history["d_loss"][0])  # D learns real from fake (log 2 = 0.69 at chance)
    assert gan.generate(z, asked).numpy().mean() < before - 0.03  # G darkens towards MNIST's mean pixel 0.126


def test_dqn_runs_and_updates():
    out = load("dqn_cartpole").main(max_steps=1200, eval_episodes=2, verbose=0)
    assert out["train_steps"] == 1200 and out["mean_return"] >= 8


def test_cli_trains_sequence_models(tmp_path, capsys):
    from ember import cli

    args = ["train", "--dataset", "mnist1d", "--model", "gru", "--epochs", "1", "--batch-size", "200", "--verbose", "0"]
    assert cli.main(args + ["--output", str(tmp_path)]) == 0
    assert (tmp_path / "gru_mnist1d.weights.safetensors").exists()
    assert cli.main(["train", "--dataset", "iris", "--model", "lstm", "--output", str(tmp_path)]) == 1
    assert "sequence recipes pair --model lstm/gru/transformer with --dataset mnist1d" in capsys.readouterr().err
