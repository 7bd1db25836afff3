"""The TensorBoard callback's files read back with TensorBoard's own reader (issue 18): scalars, histograms and
the model graph that TensorBoard displays."""

import numpy as np
import pytest

from ember import callbacks, layers, models


def _accumulator(folder):
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError as exc:  # the test extra installs it: fail, naming the extra
        pytest.fail(f"this test needs the tensorboard package: pip install 'ember[viz]' ({exc})")
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return acc


def test_tensorboard_reads_scalars_histograms_and_graph(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 3, 64)
    inputs = layers.Input((4,), name="features")
    hidden = layers.Dense(8, activation="relu", name="hidden")(inputs)
    model = models.Model(inputs, layers.Dense(3, activation="softmax", name="probs")(hidden))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
                        callbacks=[callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1)])  # fmt: skip
    train, val = _accumulator(tmp_path / "train"), _accumulator(tmp_path / "validation")
    tags = train.Tags()
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(tags["scalars"])
    losses = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(losses, history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")], history.history["val_loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1, 2]
    assert {"hidden/kernel", "hidden/bias", "probs/kernel"} <= set(tags["histograms"])
    hist = train.Histograms("hidden/kernel")[-1].histogram_value
    kernel = model.get_layer("hidden").kernel.numpy()
    assert hist.num == kernel.size and hist.min == pytest.approx(float(kernel.min()), rel=1e-6)
    assert tags["graph"] is True
    graph = train.Graph()
    nodes = {n.name: n for n in graph.node}
    assert nodes["hidden"].op == "Dense" and list(nodes["hidden"].input) == ["features"]
    assert list(nodes["probs"].input) == ["hidden"] and nodes["probs"].attr["params"].s == b"27"


def test_write_images_is_refused_not_ignored():
    with pytest.raises(NotImplementedError, match="write_images"):
        callbacks.TensorBoard(write_images=True)


def test_live_plot_draws_the_curves_as_they_grow():
    import io

    from ember.callbacks.live_plot import sparkline

    assert sparkline([3.0, 2.0, 1.5, 1.0]) == "█▅▃▁" and sparkline([1.0, 1.0]) == "▁▁"
    stream = io.StringIO()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 2, 64)
    model = models.Sequential([layers.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[callbacks.LivePlot(metrics=["loss"], stream=stream)])
    blocks = [b for b in stream.getvalue().split("\nepoch ") if b]
    assert len(blocks) == 4
    last = blocks[-1].splitlines()[1]
    losses = history.history["loss"]
    assert last.startswith("loss") and sparkline(losses) in last and f"{losses[-1]:.4f}" in last
