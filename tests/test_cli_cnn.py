"""``ember train --model cnn``: the LeNet-style CNN on 8x8 digits, through the real CLI."""

import os
import subprocess
import sys

import numpy as np
from safetensors.numpy import load_file

from ember.training_recipes import augment_shifts, build_recipe, shift_image


def run_cli(*args, cwd):
    env = dict(os.environ, PYTHONWARNINGS="error")
    return subprocess.run([sys.executable, "-m", "ember", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)  # fmt: skip


def test_cnn_recipe_is_a_lenet_on_8x8x1_images():
    recipe = build_recipe("digits", "cnn")
    kinds = [type(layer).__name__ for layer in recipe.model.layers]
    assert kinds == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout", "Dense"]
    assert recipe.x_train.shape[1:] == (8, 8, 1) and recipe.x_train.dtype == np.float32
    assert 0.0 <= recipe.x_train.min() and recipe.x_train.max() == 1.0
    assert recipe.model.predict(recipe.x_test[:3], verbose=0).shape == (3, 10)
    # 90 % of the 1,437 training images, each also shifted by one pixel four ways; the rest validate
    x_val, y_val = recipe.validation_data
    assert len(x_val) == 144 and len(recipe.x_train) == 5 * 1293 and recipe.validation_split == 0.0


def test_shift_augmentation_moves_pixels_without_wrapping():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    down = shift_image(x, 1, 0)
    np.testing.assert_array_equal(down[0, 0, :, 0], np.zeros(4))
    np.testing.assert_array_equal(down[0, 1:, :, 0], x[0, :3, :, 0])
    left = shift_image(x, 0, -1)
    np.testing.assert_array_equal(left[0, :, :3, 0], x[0, :, 1:, 0])
    np.testing.assert_array_equal(left[0, :, 3, 0], np.zeros(4))
    xs, ys = augment_shifts(x, np.array([7]))
    assert xs.shape == (5, 4, 4, 1) and ys.tolist() == [7] * 5


def test_cli_trains_the_cnn_and_saves_its_weights(tmp_path):
    result = run_cli("train", "--model", "cnn", "--epochs", "2", "--verbose", "2", "--output", str(tmp_path),
                     cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Epoch 2/2" in result.stdout and "val_accuracy" in result.stdout
    accuracy = float(result.stdout.split("test accuracy: ")[1].split()[0])
    assert accuracy >= 0.90  # two epochs already learn the digits; the default 10 reach 99.17 % (seed 0)
    weights = load_file(str(tmp_path / "cnn_digits.weights.safetensors"))
    shapes = [weights[k].shape for k in sorted(weights)]
    assert shapes == [(3, 3, 1, 16), (16,), (3, 3, 16, 32), (32,), (128, 64), (64,), (64, 10), (10,)]


def test_cnn_on_a_non_image_dataset_is_a_one_line_error(tmp_path):
    result = run_cli("train", "--model", "cnn", "--dataset", "iris", cwd=tmp_path)
    assert result.returncode == 1
    assert "needs an image dataset" in result.stderr and "Traceback" not in result.stderr
