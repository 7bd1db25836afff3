"""Keras's progress line: ``32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.9132 - loss: 0.2871``.

On a terminal the line is redrawn in place after every step. When stdout is
not a terminal (a log file, a pipe) only the final line of each epoch is
printed, once, so logs stay readable.
"""

from __future__ import annotations

import sys
import time


def format_value(value: float) -> str:
    """Keras's number format: 4 decimals, scientific below 1e-3; an array (per-class F1, ...) shows its mean."""
    if getattr(value, "ndim", 0):
        value = float(value.mean())
    return f"{value:.4f}" if abs(value) > 1e-3 or value == 0 else f"{value:.4e}"


def format_time(seconds_per_unit: float, unit: str = "step") -> str:
    """``'3ms/step'``-style duration, choosing s, ms or us as Keras does."""
    if seconds_per_unit >= 1 or seconds_per_unit == 0:
        return f"{seconds_per_unit:.0f}s/{unit}"
    if seconds_per_unit >= 1e-3:
        return f"{seconds_per_unit * 1e3:.0f}ms/{unit}"
    return f"{seconds_per_unit * 1e6:.0f}us/{unit}"


class Progbar:
    """A progress bar for ``target`` steps.

    Args:
        target: total number of steps, or ``None`` if unknown.
        width: bar width in characters. Defaults to ``20``.
        verbose: 1 for the bar, 2 for one line at the end, 0 for silence. Defaults to ``1``.
        stream: where to write. Defaults to ``sys.stdout``.
        interactive: redraw in place. Defaults to ``stream.isatty()``.
    """

    def __init__(self, target, width: int = 20, verbose: int = 1, stream=None, interactive=None, unit_name="step"):
        self.target, self.width, self.verbose = target, width, verbose
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.unit_name = unit_name
        self._start = time.perf_counter()
        self._last_draw = 0.0

    def update(self, current: int, values: dict | None = None, finalize: bool | None = None) -> None:
        """Show progress at step ``current`` with the metric ``values`` (name → float)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if self.verbose == 0 or (not finalize and (self.verbose == 2 or not self.interactive)):
            return
        now = time.perf_counter()
        if not finalize and now - self._last_draw < 0.05:
            return
        self._last_draw = now
        line = self._line(current, values or {}, now, finalize)
        if self.interactive and self.verbose == 1:
            self.stream.write("\r" + line + "\x1b[K" + ("\n" if finalize else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _line(self, current: int, values: dict, now: float, finalize: bool) -> str:
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        target = self.target if self.target is not None else current
        digits = len(str(target))
        head = f"{current:>{digits}}/{target}"
        if self.verbose == 1:
            filled = int(self.width * current / target) if target else self.width
            if self.interactive:
                bar = "\x1b[32m" + "━" * filled + "\x1b[0m" + "\x1b[37m" + "━" * (self.width - filled) + "\x1b[0m"
            else:
                bar = "━" * filled + " " * (self.width - filled)
            head += f" {bar}"
        if self.verbose == 2:
            timing = f" - {elapsed:.0f}s - {format_time(per_step, self.unit_name)}"
        elif finalize or self.target is None:
            timing = f" {elapsed:.0f}s {format_time(per_step, self.unit_name)}"
        else:
            timing = f" {per_step * (target - current):.0f}s {format_time(per_step, self.unit_name)}"
        body = "".join(f" - {k}: {format_value(v)}" for k, v in sorted(values.items()))
        return head + timing + body
