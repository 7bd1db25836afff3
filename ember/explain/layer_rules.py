"""Per-layer worked formulas for ``ember.explain.forward``: Dense per neuron, Conv at one output position,
recurrent layers for one time step, anything else by shapes and values."""

from __future__ import annotations

import numpy as np

from ember import activations, backend
from ember.autograd import Tensor, no_grad
from ember.explain.trace import Step, fmt, fmt_array, fmtp


def _np(t) -> np.ndarray:
    return np.asarray(backend.to_numpy(getattr(t, "data", t)), dtype=np.float64)


def _act(fn, z: np.ndarray) -> np.ndarray:
    with no_grad():
        return _np(fn(Tensor(z.astype(np.float32))))


def act_name(fn) -> str:
    """The Keras name of an activation function (``'linear'`` for ``None``)."""
    try:
        return activations.serialize(fn)
    except Exception:  # a custom callable
        return getattr(fn, "__name__", type(fn).__name__)


def _terms(x_row, w_col, b, max_values) -> str:
    terms = [f"{fmtp(a)}·{fmtp(w)}" for a, w in zip(x_row[:max_values], w_col[:max_values], strict=False)]
    if len(x_row) > max_values:
        terms.append(f"… ({len(x_row) - max_values} more terms)")
    return " + ".join(terms) + (f" + {fmtp(b)}" if b is not None else "")


def dense(layer, x, out, opts) -> Step:
    """``z_j = Σ_i x_i·W_ij + b_j`` and ``a_j = activation(z_j)`` for the first ``max_neurons`` neurons."""
    x0 = _np(x)[opts["sample"]].reshape(-1, _np(x).shape[-1])[0]
    w = _np(layer.kernel)
    b = _np(layer.bias) if layer.bias is not None else None
    z = x0 @ w + (b if b is not None else 0.0)
    name = act_name(layer.activation)
    a = _act(layer.activation, z[None])[0]
    title = f"{layer.name} (Dense): z = x·W + b, a = {name}(z)    W {w.shape}, b {None if b is None else b.shape}"
    lines = [f"x = {fmt_array(x0, opts['max_values'])}"]
    for j in range(min(opts["max_neurons"], w.shape[1])):
        bias = None if b is None else b[j]
        lines.append(f"z_{j} = {_terms(x0, w[:, j], bias, opts['max_values'])} = {fmt(z[j])}")
        lines.append(f"a_{j} = {name}({fmt(z[j])}) = {fmt(a[j])}")
    if w.shape[1] > opts["max_neurons"]:
        lines.append(f"… {w.shape[1] - opts['max_neurons']} more neurons; a = {fmt_array(a, opts['max_values'])}")
    got = _np(out)[opts["sample"]].reshape(-1, w.shape[1])[0]
    return Step(title, lines, {"x": x0, "z": z, "a": a, "output": got})


def conv(layer, x, out, opts) -> Step:
    """One output position, worked out: ``y[0, …, f] = Σ window ⊙ K[…, f] + b_f``, then the activation."""
    rank = len(layer.kernel_size)
    if getattr(layer, "data_format", "channels_last") != "channels_last" or getattr(layer, "groups", 1) != 1:
        return generic(layer, x, out, opts)
    xs = _np(x)[opts["sample"]]
    k = _np(layer.kernel)
    pads = []
    for n, ks, s, d in zip(xs.shape[:rank], layer.kernel_size, layer.strides, layer.dilation_rate, strict=True):
        span = (ks - 1) * d + 1
        total = max((-(-n // s) - 1) * s + span - n, 0) if layer.padding == "same" else 0
        pads.append((total // 2, total - total // 2))
    xp = np.pad(xs, pads + [(0, 0)])
    index = tuple(slice(0, (ks - 1) * d + 1, d) for ks, d in zip(layer.kernel_size, layer.dilation_rate, strict=True))
    window = xp[index]
    b = _np(layer.bias) if layer.bias is not None else np.zeros(k.shape[-1])
    z = np.tensordot(window, k, axes=rank + 1) + b
    name = act_name(layer.activation)
    a = _act(layer.activation, z[None])[0]
    pos = ", ".join("0" for _ in range(rank))
    lines = [f"window at output position ({pos}) (padding {layer.padding!r}): shape {window.shape}, values "
             f"{fmt_array(window, opts['max_values'])}"]  # fmt: skip
    for f in range(min(opts["max_neurons"], k.shape[-1])):
        lines.append(f"z[{pos}, {f}] = Σ window ⊙ K[…, {f}] + b_{f} = {fmt(z[f] - b[f])} + {fmt(b[f])} = {fmt(z[f])}")
        lines.append(f"a[{pos}, {f}] = {name}({fmt(z[f])}) = {fmt(a[f])}")
    title = f"{layer.name} ({type(layer).__name__}): y = {name}(x ⋆ K + b)    K {k.shape}, output {tuple(out.shape)}"
    got = _np(out)[opts["sample"]][(0,) * rank]
    return Step(title, lines, {"window": window, "z": z, "a": a, "output": got})


def lstm(layer, x, out, opts) -> Step:
    """The first time step's gates, from zero state: ``i, f, o = σ(·)``, ``c̃ = tanh(·)``, ``c``, ``h``."""
    cell = layer.cell
    xs = _np(x)[opts["sample"]]
    x0 = xs[-1] if getattr(layer, "go_backwards", False) else xs[0]
    n = cell.units
    z = x0 @ _np(cell.kernel) + (_np(cell.bias) if cell.bias is not None else 0.0)  # h_{-1} = 0: no U·h term
    zi, zf, zc, zo = z[:n], z[n:2 * n], z[2 * n:3 * n], z[3 * n:]
    i, f, o = (_act(cell.recurrent_activation, v[None])[0] for v in (zi, zf, zo))
    c_hat = _act(cell.activation, zc[None])[0]
    c = i * c_hat  # f·c_{-1} = 0
    h = o * _act(cell.activation, c[None])[0]
    lines = [f"x_0 = {fmt_array(x0, opts['max_values'])}; h_-1 = c_-1 = 0 (initial state)"]
    for j in range(min(opts["max_neurons"], n)):
        lines += [f"unit {j}: i = σ({fmt(zi[j])}) = {fmt(i[j])}, f = σ({fmt(zf[j])}) = {fmt(f[j])}, "
                  f"c̃ = tanh({fmt(zc[j])}) = {fmt(c_hat[j])}, o = σ({fmt(zo[j])}) = {fmt(o[j])}",
                  f"        c = f·c_-1 + i·c̃ = {fmt(c[j])}, h = o·tanh(c) = {fmt(h[j])}"]  # fmt: skip
    title = (f"{layer.name} (LSTM): gates [i f c o] = x_t·W + h_(t-1)·U + b; c_t = f⊙c_(t-1) + i⊙c̃; "
             f"h_t = o⊙tanh(c_t)    (first time step)")  # fmt: skip
    return Step(title, lines, {"x": x0, "i": i, "f": f, "c_hat": c_hat, "c": c, "h": h})


def generic(layer, x, out, opts) -> Step:
    """Shapes and a few values of input and output, for layers without a worked rule."""
    xs = x if not isinstance(x, (list, tuple)) else x[0]
    lines = [f"input  {tuple(xs.shape)}: {fmt_array(_np(xs)[opts['sample']], opts['max_values'])}",
             f"output {tuple(out.shape)}: {fmt_array(_np(out)[opts['sample']], opts['max_values'])}"]  # fmt: skip
    return Step(f"{layer.name} ({type(layer).__name__})", lines, {"output": _np(out)[opts["sample"]]})


RULES = {"Dense": dense, "Conv1D": conv, "Conv2D": conv, "Conv3D": conv, "LSTM": lstm}


def explain_layer(layer, x, out, opts) -> Step:
    """The :class:`Step` for one layer call, by the rule of its class (or :func:`generic`)."""
    rule = RULES.get(type(layer).__name__, generic)
    if isinstance(out, (list, tuple)):
        out = out[0]
    return rule(layer, x, out, opts)
