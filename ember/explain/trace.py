"""The trace object that ``ember.explain`` returns: titled steps of formulas and numbers, printable as text,
Markdown or HTML (notebooks show the HTML)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from ember import backend


def fmt(value, precision: int = 4) -> str:
    """One number as the traces print it (``4`` significant digits, no trailing noise)."""
    return f"{float(value):.{precision}g}"


def fmtp(value, precision: int = 4) -> str:
    """:func:`fmt`, parenthesised when negative (for products: ``0.5·(-1.2)``)."""
    text = fmt(value, precision)
    return f"({text})" if text.startswith("-") else text


def fmt_array(array, max_values: int = 8, precision: int = 4) -> str:
    """A vector/array as ``[a, b, c]``, the middle elided past ``max_values`` entries."""
    a = np.asarray(backend.to_numpy(getattr(array, "data", array)), dtype=np.float64).ravel()
    if a.size <= max_values:
        return "[" + ", ".join(fmt(v, precision) for v in a) + "]"
    head = ", ".join(fmt(v, precision) for v in a[: max_values // 2])
    tail = ", ".join(fmt(v, precision) for v in a[-(max_values // 2):])
    return f"[{head}, … ({a.size - max_values} more), {tail}]"


@dataclass
class Step:
    """One layer's (or one stage's) explanation.

    Attributes:
        title: e.g. ``"hidden (Dense): z = x·W + b, a = sigmoid(z)"``.
        lines: the worked formulas with their numbers, one per line.
        values: the arrays behind the lines (``"x"``, ``"z"``, ``"a"``, ``"dL/dW"``...), for tests and plots.
    """

    title: str
    lines: list[str] = field(default_factory=list)
    values: dict = field(default_factory=dict)


class Trace:
    """An ordered list of :class:`Step` s; ``trace["hidden"]`` finds a step by its layer name.

    ``str(trace)`` is plain text, :meth:`to_markdown` Markdown, :meth:`to_html` an HTML fragment (Jupyter
    renders it through ``_repr_html_``).
    """

    def __init__(self, title: str, steps: list[Step]):
        self.title = title
        self.steps = steps

    def __getitem__(self, name: str) -> Step:
        for step in self.steps:
            if step.title.split(" ", 1)[0] == name:
                return step
        raise KeyError(f"Trace: no step for layer {name!r}. Steps: {[s.title.split(' ', 1)[0] for s in self.steps]}")

    def __len__(self) -> int:
        return len(self.steps)

    def __str__(self) -> str:
        out = [self.title, "=" * len(self.title)]
        for step in self.steps:
            out += ["", step.title] + ["  " + line for line in step.lines]
        return "\n".join(out) + "\n"

    __repr__ = __str__

    def to_markdown(self) -> str:
        """The trace as Markdown: a heading per step and its lines in a code block."""
        out = [f"## {self.title}"]
        for step in self.steps:
            out += ["", f"### {step.title}", "", "```text", *step.lines, "```"]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """The trace as an HTML fragment (headings and ``<pre>`` blocks), escaped."""
        out = [f'<div class="ember-trace"><h3>{html.escape(self.title)}</h3>']
        for step in self.steps:
            out.append(f"<h4>{html.escape(step.title)}</h4><pre>{html.escape(chr(10).join(step.lines))}</pre>")
        return "".join(out) + "</div>"

    def _repr_html_(self) -> str:
        return self.to_html()
