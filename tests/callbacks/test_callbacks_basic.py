"""Callbacks: Keras's behaviour, messages and files."""

import csv
import math
import os

import numpy as np
import pytest

import ember
from ember import callbacks, layers


def _model(lr=0.01):
    model = ember.Sequential([layers.Dense(4, activation="relu", input_dim=3), layers.Dense(1)])
    model.compile(ember.optimizers.SGD(lr), "mse")
    return model


def _data(n=32):
    rng = np.random.default_rng(0)
    x = rng.random((n, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


class Replay(callbacks.Callback):
    """Feeds fixed values as the monitored metric, one per epoch."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def test_early_stopping_patience_and_message(capsys):
    x, y = _data()
    model = _model()
    stop = callbacks.EarlyStopping(monitor="score", mode="min", patience=2, verbose=1)
    scores = Replay("score", [5, 4, 4.5, 4.2, 1, 1, 1, 1, 1, 1])
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[scores, stop])
    assert history.epoch == [0, 1, 2, 3]
    assert stop.stopped_epoch == 3 and stop.best == 4
    assert "Epoch 4: early stopping" in capsys.readouterr().out


def test_early_stopping_min_delta_baseline_and_restore(capsys):
    x, y = _data()
    model = _model()
    snapshots = []
    snap = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: snapshots.append(model.get_weights()))
    stop = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.5, patience=1, restore_best_weights=True, verbose=1)
    values = [3.0, 2.0, 1.8, 1.7, 1.0]  # 1.8 is not 0.5 better than 2.0
    model.fit(x, y, epochs=5, verbose=0, callbacks=[Replay("val_loss", values), snap, stop])
    assert stop.stopped_epoch == 2 and stop.best_epoch == 1
    for got, want in zip(model.get_weights(), snapshots[1], strict=True):
        np.testing.assert_array_equal(got, want)
    assert "Restoring model weights from the end of the best epoch: 2." in capsys.readouterr().out
    # With a baseline never beaten, the first epoch does not reset the wait, so it stops one epoch earlier.
    flat = [0.5] * 6
    base = callbacks.EarlyStopping(monitor="acc", patience=2, baseline=0.9)
    assert _model().fit(x, y, epochs=6, verbose=0, callbacks=[Replay("acc", flat), base]).epoch == [0, 1]
    plain = callbacks.EarlyStopping(monitor="acc", patience=2)
    assert _model().fit(x, y, epochs=6, verbose=0, callbacks=[Replay("acc", flat), plain]).epoch == [0, 1, 2]


def test_early_stopping_start_from_epoch_and_missing_metric():
    x, y = _data()
    stop = callbacks.EarlyStopping(monitor="score", mode="min", patience=0, start_from_epoch=3)
    history = _model().fit(x, y, epochs=6, verbose=0, callbacks=[Replay("score", [1, 2, 3, 4, 5, 6]), stop])
    assert history.epoch == [0, 1, 2, 3, 4]
    with pytest.warns(UserWarning, match="which is not available"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping(monitor="nope", mode="min")])
    with pytest.raises(ValueError, match="can't tell whether that metric should be maximized"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping(monitor="nope")])
    with pytest.raises(ValueError, match="mode"):
        callbacks.EarlyStopping(mode="up")


def test_model_checkpoint_file_names_and_best_only(tmp_path, capsys):
    x, y = _data()
    model = _model()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{score:.2f}.weights.safetensors")
    ckpt = callbacks.ModelCheckpoint(pattern, monitor="score", mode="min", save_best_only=True,
                                     save_weights_only=True, verbose=1)  # fmt: skip
    model.fit(x, y, epochs=4, verbose=0, callbacks=[Replay("score", [3.0, 2.5, 2.75, 1.25]), ckpt])
    assert sorted(os.listdir(tmp_path)) == ["ckpt-01-3.00.weights.safetensors", "ckpt-02-2.50.weights.safetensors",
                                            "ckpt-04-1.25.weights.safetensors"]  # fmt: skip
    out = capsys.readouterr().out
    assert "Epoch 3: score did not improve from 2.50000" in out
    assert "Epoch 4: score improved from 2.50000 to 1.25000, saving model to" in out
    clone = _model()
    clone.load_weights(str(tmp_path / "ckpt-04-1.25.weights.safetensors"))
    for a, b in zip(clone.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="must end in `.keras`"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.h5"))


def test_model_checkpoint_full_model_every_epoch(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "m{epoch}.keras"))])
    loaded = ember.models.load_model(str(tmp_path / "m2.keras"))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert (tmp_path / "m1.keras").exists()


def test_terminate_on_nan_stops_at_the_bad_batch_and_checkpoint_stays_finite(tmp_path, capsys):
    x, y = _data(40)
    y[25] = np.nan  # batch 3 with batch_size 8, shuffle off
    model = _model()
    seen = []
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "last.weights.safetensors"), save_weights_only=True)
    model.fit(x[:8], y[:8], epochs=1, verbose=0, callbacks=[ckpt])  # a finite checkpoint first
    good = model.get_weights()
    spy = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
              callbacks=[spy, callbacks.TerminateOnNaN(), ckpt])  # fmt: skip
    assert seen == [0, 1, 2, 3]
    assert "Batch 3: Invalid loss, terminating training" in capsys.readouterr().out
    saved = _model()
    saved.load_weights(str(tmp_path / "last.weights.safetensors"))
    assert all(np.isfinite(w).all() for w in saved.get_weights())
    for a, b in zip(saved.get_weights(), good, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(RuntimeError, match="batch 3"):
        strict = callbacks.TerminateOnNaN(raise_error=True)
        _model().fit(x, y, batch_size=8, shuffle=False, verbose=0, callbacks=[strict])


def test_reduce_lr_on_plateau_and_scheduler(capsys):
    x, y = _data()
    model = _model(lr=0.1)
    reduce = callbacks.ReduceLROnPlateau(monitor="score", factor=0.5, patience=1, min_lr=0.02, verbose=1)
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[Replay("score", [1, 1, 1, 1, 1]), reduce])
    # the logged rate is the one the epoch trained with; the reduction applies from the next epoch
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.025, 0.02])
    assert model.optimizer.learning_rate == pytest.approx(0.02)
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05." in capsys.readouterr().out
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=2)
    model = _model(lr=1.0)
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    assert history.history["learning_rate"] == [1.0, 0.5, 0.25]
    one_arg = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    assert model.fit(x, y, epochs=2, verbose=0, callbacks=[one_arg]).history["learning_rate"] == [0.01, 0.02]
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: "fast")])


def test_csv_logger_writes_and_appends(tmp_path):
    x, y = _data()
    path = str(tmp_path / "log.csv")
    _model().fit(x, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[callbacks.CSVLogger(path)])
    _model().fit(x, y, epochs=1, validation_split=0.25, verbose=0, callbacks=[callbacks.CSVLogger(path, append=True)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "0"]
    assert all(math.isfinite(float(v)) for r in rows[1:] for v in r[1:])


def test_lambda_callback_hooks_and_unknown_hook():
    x, y = _data()
    events = []
    cb = callbacks.LambdaCallback(on_train_begin=lambda logs: events.append("begin"),
                                  on_epoch_end=lambda e, logs: events.append(("epoch", e, sorted(logs))),
                                  on_train_end=lambda logs: events.append("end"))  # fmt: skip
    _model().fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert events == ["begin", ("epoch", 0, ["loss"]), ("epoch", 1, ["loss"]), "end"]
    with pytest.raises(ValueError, match="unknown hook"):
        callbacks.LambdaCallback(on_everything=print)


def test_tensorboard_writes_readable_event_files(tmp_path):
    from tensorboardX.event_file_writer import EventFileWriter  # noqa: F401 - the writer the callback uses
    from tensorboardX.proto import event_pb2

    x, y = _data()
    _model().fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                 callbacks=[callbacks.TensorBoard(log_dir=str(tmp_path))])  # fmt: skip
    scalars = {}
    for run in ("train", "validation"):
        files = os.listdir(tmp_path / run)
        assert len(files) == 1 and files[0].startswith("events.out.tfevents")
        data = (tmp_path / run / files[0]).read_bytes()
        pos = 0
        while pos < len(data):  # TFRecord framing: length, crc, payload, crc
            length = int.from_bytes(data[pos : pos + 8], "little")
            event = event_pb2.Event.FromString(data[pos + 12 : pos + 12 + length])
            pos += 16 + length
            for value in event.summary.value:
                scalars.setdefault((run, value.tag), []).append(event.step)
    assert scalars[("train", "epoch_loss")] == [0, 1]
    assert scalars[("validation", "epoch_loss")] == [0, 1]
    assert ("train", "epoch_learning_rate") in scalars


def test_fit_reuses_a_history_passed_in_callbacks():
    x, y = _data()
    mine = callbacks.History()
    returned = _model().fit(x, y, epochs=2, verbose=0, callbacks=[mine])
    assert returned is mine and len(mine.history["loss"]) == 2
