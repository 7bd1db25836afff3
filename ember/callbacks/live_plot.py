"""``LivePlot``: the training curves drawn in the terminal as they grow (a live view for long runs)."""

from __future__ import annotations

import sys

from ember.callbacks.callback import Callback

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values, width: int = 60) -> str:
    """``values`` as a row of block characters, lowest ``▁`` to highest ``█`` (the last ``width`` values)."""
    values = [float(v) for v in values][-width:]
    if not values:
        return ""
    lo, hi = min(values), max(values)
    span = hi - lo
    return "".join(BARS[0] if span == 0 else BARS[min(int((v - lo) / span * len(BARS)), len(BARS) - 1)]
                   for v in values)  # fmt: skip


class LivePlot(Callback):
    """Draw each logged metric's per-epoch curve as a sparkline after every epoch.

    On a terminal the block is redrawn in place (ANSI cursor-up); elsewhere (logs, notebooks, CI) one
    block per epoch is printed, so a log shows the curves as they grew. Each line reads
    ``loss      ▇▅▄▃▂▁  0.2345  (best 0.2345 at epoch 6)``.

    Args:
        metrics: log keys to draw; ``None`` draws every key of the logs. Defaults to ``None``.
        width: at most this many (latest) epochs per curve. Defaults to ``60``.
        stream: where to write. Defaults to ``sys.stdout``.

    Example:
        >>> sparkline([3.0, 2.0, 1.5, 1.0])
        '█▅▃▁'
    """

    def __init__(self, metrics=None, width: int = 60, stream=None):
        super().__init__()
        self.metrics, self.width, self.stream = metrics, width, stream
        self.curves: dict[str, list[float]] = {}
        self._drawn = 0

    def on_train_begin(self, logs=None):
        self.curves, self._drawn = {}, 0

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            if self.metrics is None or key in self.metrics:
                self.curves.setdefault(key, []).append(float(value))
        self._draw(epoch)

    def _draw(self, epoch: int) -> None:
        stream = self.stream or sys.stdout
        lower_is_better = ("loss", "error", "mse", "mae")
        lines = [f"epoch {epoch + 1}"]
        for key, curve in self.curves.items():
            pick = min if any(k in key for k in lower_is_better) else max
            best = pick(curve)
            lines.append(f"{key:<14s} {sparkline(curve, self.width):<{self.width}s}  {curve[-1]:.4f}  "
                         f"(best {best:.4f} at epoch {curve.index(best) + 1})")  # fmt: skip
        live = getattr(stream, "isatty", lambda: False)()
        if live and self._drawn:
            stream.write(f"\x1b[{self._drawn}A")
        stream.write("\n".join(line + ("\x1b[K" if live else "") for line in lines) + "\n")
        stream.flush()
        self._drawn = len(lines)
