"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts."""

from __future__ import annotations


def _fmt_shape(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):  # several outputs, e.g. an LSTM with return_state=True
        return "[" + ", ".join(_fmt_shape(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most ``width`` characters, breaking only between shapes."""
    pieces = text.replace("), ", "),\0").split("\0")
    lines = [pieces[0]]
    for piece in pieces[1:]:
        if len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines


def _bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"  # pragma: no cover


def trainable_flags(layers) -> list[str]:
    """Keras's "Trainable" column: ``'Y'``/``'N'`` for a layer with weights (``layer.trainable``), else ``'-'``.

    Source: keras/src/utils/summary_utils.py (``show_trainable``).
    """
    return [("Y" if layer.trainable else "N") if layer.weights else "-" for layer in layers]


def optimizer_params(model) -> tuple[int, int]:
    """Keras's "Optimizer params" ``(count, bytes)``: 0 until the compiled optimizer has stepped (built).

    Counts Keras's ``optimizer.variables``: ``iterations``, the learning rate (unless a schedule), the
    optimizer-wide scalars (e.g. Nadam's ``u_product``) and every slot buffer (Adam's ``m``, ``v``);
    the scalars take 4 bytes each, as Keras counts them. Source: keras/src/utils/summary_utils.py (``print_summary``).
    """
    optimizer = getattr(model, "optimizer", None)
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    slots = getattr(optimizer, "_slots", None)
    if not slots:
        return 0, 0
    buffers = [a for per_variable in slots.values() for k, a in per_variable.items() if not k.startswith("_")]
    scalars = (not callable(optimizer._learning_rate)) + len(optimizer.global_state())
    count = 1 + scalars + sum(int(a.size) for a in buffers)
    return count, 4 * (1 + scalars) + sum(int(a.size) * a.dtype.itemsize for a in buffers)


def summary_lines(model, rows, line_length: int | None = None, trainable=None) -> list[str]:
    """The summary table as lines.

    Args:
        model: the model (its ``name`` and weights).
        rows: ``[(layer name and type, output shape, params)]``, or with a fourth
            cell, a list of ``'layer[node][tensor]'`` inbound references, for graphs
            that are not a plain chain (Keras's "Connected to" column).
        line_length: total width. Defaults to ``75`` (``108`` with "Connected to"), plus ``12`` with
            ``trainable``.
        trainable: ``None``, or one ``'Y'``/``'N'``/``'-'`` per row (``trainable_flags``): adds Keras's
            "Trainable" column (``summary(show_trainable=True)``), 12 characters wide.
    """
    connected = bool(rows) and len(rows[0]) == 4
    extra = 12 if trainable is not None else 0
    line_length = (line_length or (108 if connected else 75) + extra) - extra
    shares = (0.3, 0.26, 0.18) if connected else (0.44, 0.32)
    widths = [int(line_length * f) for f in shares]
    widths.append(line_length - sum(widths) - len(widths) - 2)  # n columns take n + 1 border characters
    align = ["<", "<", ">", "<"][: len(widths)]
    if trainable is not None:
        widths.append(extra - 1)
        align.append("^")

    def row(cells, sep="│"):
        parts = [f" {str(c):{a}{w - 2}} " for c, a, w in zip(cells, align, widths, strict=True)]
        return sep + sep.join(parts) + sep

    def rule(left, mid, right, fill):
        return left + mid.join(fill * w for w in widths) + right

    header = ("Layer (type)", "Output Shape", "Param #", "Connected to")[: len(widths) - bool(extra)]
    header += ("Trainable",) if extra else ()
    lines = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━"), row(header, "┃"), rule("┡", "╇", "┩", "━")]
    for i, (name, shape, params, *links) in enumerate(rows):
        inbound = (links[0] or ["-"]) if connected else []
        shapes = _wrap(_fmt_shape(shape), widths[1] - 2)
        flag = [trainable[i]] if extra else []
        lines.append(row((name, shapes[0], f"{params:,}", *inbound[:1], *flag)))
        for j in range(1, max(len(shapes), len(inbound))):  # continuation lines: more shapes, more links
            cells = ["", shapes[j] if j < len(shapes) else "", ""]
            if connected:
                cells.append(inbound[j] if j < len(inbound) else "")
            lines.append(row(cells + [""] * bool(extra)))
        if i < len(rows) - 1:
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))
    total = model.count_params()
    trainable = int(sum(w.size for w in model.trainable_weights))
    itemsize = {w.dtype.itemsize for w in model.weights} or {4}
    item = max(itemsize)
    opt_count, opt_bytes = optimizer_params(model)
    lines.append(f" Total params: {total + opt_count:,} ({_bytes(total * item + opt_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({_bytes(trainable * item)})")
    lines.append(f" Non-trainable params: {total - trainable:,} ({_bytes((total - trainable) * item)})")
    if opt_count:
        lines.append(f" Optimizer params: {opt_count:,} ({_bytes(opt_bytes)})")
    return lines
