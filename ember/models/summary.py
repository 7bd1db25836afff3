"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts."""

from __future__ import annotations


def _fmt_shape(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_fmt_shape(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"  # pragma: no cover


def summary_lines(model, rows, line_length: int = 75) -> list[str]:
    """The summary table as lines.

    Args:
        model: the model (its ``name`` and weights).
        rows: ``[(layer name and type, output shape, params)]``.
        line_length: total width. Defaults to ``75``.
    """
    widths = [int(line_length * 0.44), int(line_length * 0.32)]
    widths.append(line_length - sum(widths) - 4)

    def row(cells, sep="│"):
        parts = [f" {cells[0]:<{widths[0] - 2}} ", f" {cells[1]:<{widths[1] - 2}} ", f" {cells[2]:>{widths[2] - 2}} "]
        return sep + sep.join(parts) + sep

    def rule(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    lines = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━")]
    lines.append(row(("Layer (type)", "Output Shape", "Param #"), "┃"))
    lines.append(rule("┡", "╇", "┩", "━"))
    for i, (name, shape, params) in enumerate(rows):
        lines.append(row((name, _fmt_shape(shape), f"{params:,}")))
        if i < len(rows) - 1:
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))
    total = model.count_params()
    trainable = int(sum(w.size for w in model.trainable_weights))
    itemsize = {w.dtype.itemsize for w in model.weights} or {4}
    item = max(itemsize)
    lines.append(f" Total params: {total:,} ({_bytes(total * item)})")
    lines.append(f" Trainable params: {trainable:,} ({_bytes(trainable * item)})")
    lines.append(f" Non-trainable params: {total - trainable:,} ({_bytes((total - trainable) * item)})")
    return lines
