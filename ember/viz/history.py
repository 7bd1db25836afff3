"""``plot_history``: loss and metric curves of a training run as a PNG (matplotlib, imported when called)."""

from __future__ import annotations

import io
import os


def _series(history) -> dict:
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(
            "plot_history: expected a History (from fit) or a non-empty dict of metric lists. "
            f"Received: {type(history).__name__}"
        )
    return logs


def plot_history(history, path="history.png", metrics=None, title=None, dpi=100):
    """Plot each metric of a training run against the epoch, training and validation curves together.

    One panel per metric (``loss``, ``accuracy``, ...); ``val_<name>`` is drawn
    dashed in the panel of ``<name>``. The figure is drawn on matplotlib's Agg
    canvas without touching ``pyplot``'s global state, and written atomically.

    Args:
        history: a :class:`~ember.callbacks.History` or its ``history`` dict.
        path: PNG file to write, or ``None`` to only return the figure. Defaults to ``'history.png'``.
        metrics: names to plot. Defaults to every non-``val_`` key.
        title: figure title. Defaults to ``None``.
        dpi: resolution. Defaults to ``100``.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: for an empty history or an unknown metric name.
        ImportError: if matplotlib is not installed (``pip install 'ember[viz]'``).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    logs = _series(history)
    names = list(metrics) if metrics is not None else [k for k in logs if not k.startswith("val_")]
    names = names or [k[4:] for k in logs]
    unknown = [n for n in names if n not in logs and f"val_{n}" not in logs]
    if unknown:
        raise ValueError(f"plot_history: unknown metrics {unknown}. Available: {sorted(logs)}")
    fig = Figure(figsize=(4.5 * len(names), 3.5), dpi=dpi)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        for key, style, label in ((name, "-", "train"), (f"val_{name}", "--", "validation")):
            if key in logs:
                values = logs[key]
                ax.plot(range(1, len(values) + 1), values, style, marker="o", markersize=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        from ember.saving.atomic import atomic_write_bytes

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        atomic_write_bytes(os.fspath(path), buffer.getvalue())
    return fig
