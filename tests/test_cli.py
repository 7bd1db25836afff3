"""``ember train`` end to end in a subprocess, and its one-line errors."""

import os
import subprocess
import sys

import pytest
from safetensors.numpy import load_file


def run_cli(*args, cwd):
    env = dict(os.environ, PYTHONWARNINGS="error")
    return subprocess.run([sys.executable, "-m", "ember", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)  # fmt: skip


def test_default_train_reaches_95_percent_on_digits_and_saves_weights(tmp_path):
    result = run_cli("train", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("Epoch 30/30") for line in lines)
    acc_line = next(line for line in lines if line.startswith("test loss:"))
    accuracy = float(acc_line.split("test accuracy: ")[1].split()[0])
    assert accuracy >= 0.95
    weights = load_file(str(tmp_path / "out" / "mlp_digits.weights.safetensors"))
    assert len(weights) == 6


def test_perceptron_on_breast_cancer(tmp_path):
    result = run_cli("train", "--dataset", "breast_cancer", "--model", "perceptron", "--epochs", "20",
                     "--verbose", "0", "--output", str(tmp_path), cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.split("test accuracy: ")[1].split()[0])
    assert accuracy >= 0.93


@pytest.mark.parametrize(
    "args,needle",
    [
        (["train", "--epochs", "0"], "--epochs: expected a positive integer, got 0"),
        (["train", "--dataset", "cifar"], "invalid choice: 'cifar'"),
        (["train", "--learning-rate", "abc"], "expected a positive number"),
        (["train", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_give_one_line_error_and_nonzero_exit(tmp_path, args, needle):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and needle in result.stderr
    assert "Traceback" not in result.stderr
