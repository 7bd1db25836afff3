"""ember.viz.plot_history writes a PNG of the training curves."""

import numpy as np
import pytest

import ember


def test_plot_history_writes_png_with_one_panel_per_metric(tmp_path):
    history = {"loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 0.7, 0.9], "val_loss": [1.1, 0.6, 0.4]}
    path = tmp_path / "curves.png"
    fig = ember.viz.plot_history(history, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
    loss_lines = axes[0].get_lines()
    assert [line.get_label() for line in loss_lines] == ["train", "validation"]
    np.testing.assert_array_equal(loss_lines[1].get_ydata(), [1.1, 0.6, 0.4])
    np.testing.assert_array_equal(loss_lines[0].get_xdata(), [1, 2, 3])


def test_plot_history_from_fit_and_errors(tmp_path):
    model = ember.Sequential([ember.layers.Dense(1, input_dim=2)])
    model.compile("sgd", "mse")
    history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0)
    fig = ember.viz.plot_history(history, None)
    assert len(fig.get_axes()[0].get_lines()[0].get_ydata()) == 2
    with pytest.raises(ValueError, match="non-empty"):
        ember.viz.plot_history({}, None)
    with pytest.raises(ValueError, match="unknown metrics"):
        ember.viz.plot_history(history, None, metrics=["auc"])
