"""Issue 2's progress output: Keras's line format, one plain line per epoch off a terminal."""

import re

import numpy as np

from ember import layers, models


def _model():
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_dim=2)])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


DATA = (np.random.default_rng(0).standard_normal((40, 2)), (np.arange(40) % 2).astype(np.float32))
LINE = re.compile(r"^2/2 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$")


def test_fit_prints_one_keras_line_per_epoch_when_not_a_terminal(capsys):
    _model().fit(*DATA, epochs=3, batch_size=32)
    out = capsys.readouterr().out.splitlines()
    assert out[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert len(out) == 6
    assert all(LINE.match(line) for line in out[1::2]), out


def test_single_epoch_prints_no_epoch_header_and_sorted_val_keys(capsys):
    x, y = DATA
    _model().fit(x, y, epochs=1, batch_size=32, validation_data=(x, y))
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and not out[0].startswith("Epoch")
    keys = re.findall(r" - (\w+): ", out[0])
    assert keys == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_verbose_zero_prints_nothing(capsys):
    model = _model()
    model.fit(*DATA, epochs=2, verbose=0)
    model.evaluate(*DATA, verbose=0)
    model.predict(DATA[0], verbose=0)
    assert capsys.readouterr().out == ""


def test_verbose_two_prints_keras_epoch_summary(capsys):
    _model().fit(*DATA, epochs=1, batch_size=32, verbose=2)
    out = capsys.readouterr().out.strip()
    assert re.match(r"^2/2 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$", out), out
