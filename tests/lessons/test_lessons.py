"""The lessons run as tests, and what they print is checked against numbers computed here independently."""

import importlib.util
import math
import pathlib

import numpy as np
import pytest

LESSONS = pathlib.Path(__file__).resolve().parents[2] / "lessons"


def load(name):
    spec = importlib.util.spec_from_file_location(f"lesson_{name}", LESSONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sig(z):
    return 1 / (1 + math.exp(-z))


def test_every_lesson_is_tested_and_short():
    scripts = sorted(p.stem for p in LESSONS.glob("0*.py"))
    assert scripts == ["01_neuron", "02_forward_propagation", "03_backprop_xor", "04_losses_and_optimizers",
                       "05_keras_sequential", "06_gallery"]  # fmt: skip
    assert all(len((LESSONS / f"{s}.py").read_text().splitlines()) < 300 for s in scripts)


def test_lesson_1_neuron_and_activations(tmp_path, capsys):
    r = load("01_neuron").main(["--output", str(tmp_path)])
    out = capsys.readouterr().out
    assert r["z1"] == pytest.approx(0.15 * 0.1 + 0.4, abs=1e-12) and r["a1"] == pytest.approx(sig(0.415), abs=1e-12)
    assert r["a2"] == pytest.approx(sig(0.25 * sig(0.415) + 0.5), abs=1e-12)
    assert "z = 0.15·0.1 + 0.4 = 0.415, a = σ(0.415) = 0.6023" in out and "a = σ(0.6506) = 0.6571" in out
    p = np.array([-2.0, 0.5, 2.0])
    s, t = 1 / (1 + np.exp(-p)), np.tanh(p)
    np.testing.assert_allclose(r["table"]["sigmoid"][1], s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(r["table"]["tanh"][1], 1 - t**2, rtol=1e-12)
    np.testing.assert_array_equal(r["table"]["relu"][1], (p > 0).astype(float))
    e = np.exp([2.0, 1.0, 0.1])
    np.testing.assert_allclose(r["softmax"], e / e.sum(), rtol=1e-6)
    assert pathlib.Path(r["plot"]).read_bytes()[:4] == b"\x89PNG"


def test_lesson_2_forward_propagation_by_hand_equals_ember(capsys):
    r = load("02_forward_propagation").main([])
    out = capsys.readouterr().out
    h = [sig(0.1 * 0.15 + 0.6 * 0.20 + 0.4), sig(0.1 * 0.25 + 0.6 * 0.30 + 0.4)]
    a = sig(h[0] * 0.45 + h[1] * 0.5 + 0.6)
    assert r["a_hidden"] == pytest.approx(h, abs=1e-12) and r["a_out"] == pytest.approx(a, abs=1e-12)
    assert r["ember"] == pytest.approx(a, abs=1e-6)
    assert f"a = σ(z) = {a:.4f}" in out and f"model.predict([0.1, 0.6]) = {a:.4f}" in out
    assert "z_0 = 0.1·0.15 + 0.6·0.2 + 0.4 = 0.535" in out


def test_lesson_3_backprop_xor(tmp_path, capsys):
    r = load("03_backprop_xor").main(["--output", str(tmp_path)])
    out = capsys.readouterr().out
    assert r["diff"] < 1e-12  # autograd's step is the notes' hand-derived step
    assert "dL/dz_0 = dL/da_0 · sigmoid'(z_0)" in out and "W ← W − η·dL/dW, η = 1" in out
    np.testing.assert_array_equal(np.round(r["predictions"].ravel(), 3), [0.013, 0.989, 0.989, 0.011])
    dot = pathlib.Path(r["dot"]).read_text()
    assert "hidden/kernel (2, 2)" in dot and "grad" in dot


def test_lesson_4_losses_and_optimizers(tmp_path, capsys):
    r = load("04_losses_and_optimizers").main(["--output", str(tmp_path)], epochs=6)
    out = capsys.readouterr().out
    for name, run in r.items():
        assert run["curve"][-1] < run["curve"][0], name
        assert f"{name:30s} loss {run['curve'][0]:.4f} -> {run['curve'][-1]:.4f}" in out
        assert run["accuracy"] > 0.8, name
    # momentum accelerates plain SGD at the same step size (same start, same batches)
    assert r["cross-entropy + SGD momentum"]["curve"][-1] < r["cross-entropy + SGD"]["curve"][-1]
    assert (tmp_path / "losses_optimizers.png").read_bytes()[:4] == b"\x89PNG"


def test_lesson_5_keras_sequential(capsys):
    r = load("05_keras_sequential").main([])
    out = capsys.readouterr().out
    assert r["accuracy"] >= 0.95 and r["n_test"] == 114
    assert f"test accuracy {r['accuracy']:.4f} on 114 tumours" in out


def test_lesson_6_gallery(capsys):
    r = load("06_gallery").main([])
    out = capsys.readouterr().out
    assert r["perceptron"][0] == 30 + 1
    assert r["deep feed-forward"][0] == 784 * 64 + 64 + 64 * 10 + 10
    assert r["CNN"][0] == 3 * 3 * 8 + 8 + 13 * 13 * 8 * 10 + 10
    assert r["LSTM"][0] == 4 * (16 * (8 + 16) + 16) + 16 * 3 + 3
    assert r["GAN generator"][1] == (2, 28, 28, 1)
    assert "96.49 %" in r["perceptron"][2] and "99.08 %" in r["CNN"][2]
    assert all(row[2] != "not measured" for row in r.values()) and "RBF network" in out
