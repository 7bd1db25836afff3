"""ONNX ``RNN``, ``GRU`` and ``LSTM`` as a time loop of ember ops (gradients by ordinary backprop through time).

ONNX layouts: ``X (seq, batch, input)`` (``layout=1``: batch first), weights ``W (dirs, gates*H, input)``,
``R (dirs, gates*H, H)``, biases ``B (dirs, 2*gates*H)`` = ``[Wb, Rb]``; gate order ``i, o, f, c`` (LSTM) and
``z, r, h`` (GRU). Per step (``f, g, h`` the activations, default sigmoid/tanh/tanh)::

    LSTM: i = f(x Wi + h Ri + Pi*c + b), f_ = f(x Wf + h Rf + Pf*c + b), c~ = g(x Wc + h Rc + b)
          c' = f_*c + i*c~,  o = f(x Wo + h Ro + Po*c' + b),  h' = o * h(c')
    GRU:  z = f(x Wz + h Rz + b), r = f(x Wr + h Rr + b),
          h~ = g(x Wh + (r*h) Rh + b)  or, with linear_before_reset, g(x Wh + r*(h Rh + Rbh) + Wbh)
          h' = (1 - z)*h~ + z*h
    RNN:  h' = f(x Wi + h Ri + b)

``sequence_lens`` freezes a sample's state after its length and zeroes its outputs there.
Reference: ONNX operator specification (LSTM, GRU, RNN).
"""

from __future__ import annotations

import numpy as np

from ember import ops
from ember.interop.onnx.runtime import constant


def _s(x, value):
    return constant(np.asarray(value, dtype=x.data.dtype))


def _activation(node, name: str, alpha, beta):
    table = {
        "Sigmoid": ops.sigmoid,
        "Tanh": ops.tanh,
        "Relu": ops.relu,
        "Softsign": ops.softsign,
        "Softplus": ops.softplus,
        "Elu": lambda x: ops.elu(x, alpha=1.0 if alpha is None else alpha),
        "LeakyRelu": lambda x: ops.leaky_relu(x, negative_slope=0.01 if alpha is None else alpha),
        "HardSigmoid": lambda x: ops.clip(ops.add(ops.multiply(x, _s(x, 0.2 if alpha is None else alpha)),
                                                  _s(x, 0.5 if beta is None else beta)), _s(x, 0.0), _s(x, 1.0)),
        "Affine": lambda x: ops.add(ops.multiply(x, _s(x, alpha)), _s(x, beta)),
        "ScaledTanh": lambda x: ops.multiply(ops.tanh(ops.multiply(x, _s(x, beta))), _s(x, alpha)),
    }  # fmt: skip
    key = next((k for k in table if k.lower() == name.lower()), None)
    if key is None:
        raise node.unsupported(f"recurrent activation {name!r}")
    return table[key]


def _activations(node, defaults: list[str], dirs: int):
    names = node.get("activations", defaults * dirs)
    alphas, betas = node.get("activation_alpha", []), node.get("activation_beta", [])
    fns = [
        _activation(node, n, alphas[i] if i < len(alphas) else None, betas[i] if i < len(betas) else None)
        for i, n in enumerate(names)
    ]
    k = len(defaults)
    return [fns[d * k : (d + 1) * k] for d in range(dirs)]


def _clip(node, x):
    c = node.get("clip")
    return x if c is None else ops.clip(x, _s(x, -c), _s(x, c))


def _prepare(node, inputs, gates: int):
    """Inputs in ``(seq, batch, ...)`` layout, per-direction weights and initial states."""
    x, w, r = inputs[0], inputs[1], inputs[2]
    if node.get("layout", 0):
        x = ops.transpose(x, (1, 0, 2))
    hidden = int(node.get("hidden_size", r.shape[-1]))
    dirs = w.shape[0]
    seq, batch = x.shape[0], x.shape[1]
    b = inputs[3] if len(inputs) > 3 and inputs[3] is not None else None
    lens = inputs[4] if len(inputs) > 4 and inputs[4] is not None else None
    h0 = inputs[5] if len(inputs) > 5 and inputs[5] is not None else None
    if h0 is not None and node.get("layout", 0):
        h0 = ops.transpose(h0, (1, 0, 2))
    zeros = constant(np.zeros((batch, hidden), dtype=x.data.dtype))
    lens = None if lens is None else np.asarray(lens.data).astype(np.int64)
    return x, w, r, b, lens, h0, zeros, hidden, dirs, seq


def _mask(lens, t, x):
    return None if lens is None else constant((t < lens).astype(x.data.dtype).reshape(-1, 1))


def _keep(mask, new, old):
    return new if mask is None else ops.add(ops.multiply(new, mask), ops.multiply(old, ops.subtract(_s(old, 1), mask)))


def _run(node, inputs, gates: int, defaults: list[str], step, n_states: int):
    x, w, r, b, lens, h0, zeros, hidden, dirs, seq = _prepare(node, inputs, gates)
    direction = node.get("direction", "forward")
    acts = _activations(node, defaults, dirs)
    ys, finals = [], [[] for _ in range(n_states)]
    for d in range(dirs):
        wd, rd = w[d], r[d]
        xw = ops.matmul(x, ops.transpose(wd))  # (seq, batch, gates*H)
        bias = None if b is None else (b[d][: gates * hidden], b[d][gates * hidden :])
        states = [zeros] * n_states
        if h0 is not None:
            states[0] = h0[d]
        if n_states > 1 and len(inputs) > 6 and inputs[6] is not None:
            states[1] = inputs[6][d] if not node.get("layout", 0) else ops.transpose(inputs[6], (1, 0, 2))[d]
        reverse = direction == "reverse" or (direction == "bidirectional" and d == 1)
        if reverse and lens is not None and np.any(lens != seq):
            raise node.unsupported("reverse direction with sequence_lens shorter than the sequence")
        outs = [None] * seq
        for t in reversed(range(seq)) if reverse else range(seq):
            new = step(node, xw[t], states, rd, bias, acts[d], hidden, d, inputs)
            m = _mask(lens, t, x)
            states = [_keep(m, n, o) for n, o in zip(new, states, strict=True)]
            outs[t] = states[0] if m is None else ops.multiply(states[0], m)
        ys.append(ops.stack(outs, axis=0))  # (seq, batch, H)
        for k in range(n_states):
            finals[k].append(states[k])
    y = ops.stack(ys, axis=1)  # (seq, dirs, batch, H)
    finals = [ops.stack(f, axis=0) for f in finals]  # (dirs, batch, H)
    if node.get("layout", 0):
        y = ops.transpose(y, (2, 0, 1, 3))
        finals = [ops.transpose(f, (1, 0, 2)) for f in finals]
    return [y, *finals]


def _gate(node, xw_t, h, rd, bias, k: int, hidden: int):
    cols = slice(k * hidden, (k + 1) * hidden)
    z = ops.add(xw_t[:, cols], ops.matmul(h, ops.transpose(rd[cols])))
    if bias is not None:
        z = ops.add(z, ops.add(bias[0][cols], bias[1][cols]))
    return z


def _lstm_step(node, xw_t, states, rd, bias, acts, hidden, d, inputs):
    f, g, h_act = acts
    h, c = states
    p = inputs[7][d] if len(inputs) > 7 and inputs[7] is not None else None
    pre = [_gate(node, xw_t, h, rd, bias, k, hidden) for k in range(4)]  # i, o, f, c
    if p is not None:
        pre[0] = ops.add(pre[0], ops.multiply(p[:hidden], c))
        pre[2] = ops.add(pre[2], ops.multiply(p[2 * hidden :], c))
    i = f(_clip(node, pre[0]))
    fg = ops.subtract(_s(i, 1), i) if node.get("input_forget", 0) else f(_clip(node, pre[2]))
    c_new = ops.add(ops.multiply(fg, c), ops.multiply(i, g(_clip(node, pre[3]))))
    if p is not None:
        pre[1] = ops.add(pre[1], ops.multiply(p[hidden : 2 * hidden], c_new))
    o = f(_clip(node, pre[1]))
    return [ops.multiply(o, h_act(c_new)), c_new]


def _gru_step(node, xw_t, states, rd, bias, acts, hidden, d, inputs):
    f, g = acts
    (h,) = states
    z = f(_clip(node, _gate(node, xw_t, h, rd, bias, 0, hidden)))
    r = f(_clip(node, _gate(node, xw_t, h, rd, bias, 1, hidden)))
    cols = slice(2 * hidden, 3 * hidden)
    rh = ops.transpose(rd[cols])
    wb = None if bias is None else bias[0][cols]
    rb = None if bias is None else bias[1][cols]
    if node.get("linear_before_reset", 0):
        hr = ops.matmul(h, rh) if rb is None else ops.add(ops.matmul(h, rh), rb)
        pre = ops.add(xw_t[:, cols], ops.multiply(r, hr))
    else:
        pre = ops.add(xw_t[:, cols], ops.matmul(ops.multiply(r, h), rh))
        pre = pre if rb is None else ops.add(pre, rb)
    pre = pre if wb is None else ops.add(pre, wb)
    h_tilde = g(_clip(node, pre))
    return [ops.add(ops.multiply(ops.subtract(_s(z, 1), z), h_tilde), ops.multiply(z, h))]


def _rnn_step(node, xw_t, states, rd, bias, acts, hidden, d, inputs):
    return [acts[0](_clip(node, _gate(node, xw_t, states[0], rd, bias, 0, hidden)))]


KERNELS = {
    "LSTM": lambda node, inputs: _run(node, inputs, 4, ["Sigmoid", "Tanh", "Tanh"], _lstm_step, 2),
    "GRU": lambda node, inputs: _run(node, inputs, 3, ["Sigmoid", "Tanh"], _gru_step, 1),
    "RNN": lambda node, inputs: _run(node, inputs, 1, ["Tanh"], _rnn_step, 1),
}
