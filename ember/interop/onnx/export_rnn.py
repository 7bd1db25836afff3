"""Converters: SimpleRNN/LSTM/GRU as ONNX ``RNN``/``LSTM``/``GRU``, Bidirectional, TimeDistributed.

Gate orders: Keras LSTM ``i, f, c, o`` -> ONNX ``i, o, f, c``; Keras GRU ``z, r, h`` = ONNX ``z, r, h``, with
``linear_before_reset=1`` for ``reset_after=True`` (bias rows ``[input, recurrent]`` = ONNX ``[Wb, Rb]``).
``go_backwards`` is ``direction="reverse"`` (Keras then returns the sequence in reversed time order, so the ONNX
sequence is flipped). A Keras mask becomes ``sequence_lens = sum(mask)``: exact for right-padded masks (the usual
``Embedding(mask_zero=True)`` padding at the end); masked steps then repeat the last valid output, as in Keras.
NOTE: a mask with holes or left padding cannot be expressed with ``sequence_lens``; the exported graph assumes
right padding (docs/onnx.md says so).
Source: https://onnx.ai/onnx/operators/onnx__LSTM.html, keras/src/layers/rnn/lstm.py.
"""

from __future__ import annotations

import numpy as np

from ember import layers, ops
from ember.interop.onnx.export_builder import to_numpy
from ember.interop.onnx.export_registry import LayerCall, lookup, register, unsupported
from ember.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell

_ONNX_ACT = {ops.tanh: "Tanh", ops.sigmoid: "Sigmoid", ops.relu: "Relu"}


def _act(layer, fn) -> str:
    if fn not in _ONNX_ACT:
        raise unsupported(layer, f"its cell activation {getattr(fn, '__name__', fn)!r} has no ONNX RNN equivalent "
                                 f"(supported: tanh, sigmoid, relu)")  # fmt: skip
    return _ONNX_ACT[fn]


def _blocks(w: np.ndarray, order, n: int) -> np.ndarray:
    return np.concatenate([w[..., k * n:(k + 1) * n] for k in order], axis=-1)


def _weights(layer, cell):
    """``(op_type, W, R, B, attrs)`` in ONNX layout: W ``(1, gates*units, in)``, R ``(1, gates*units, units)``."""
    if not isinstance(cell, (LSTMCell, GRUCell, SimpleRNNCell)):
        raise unsupported(layer, f"its cell {type(cell).__name__} is not a SimpleRNNCell, LSTMCell or GRUCell")
    n, kernel, rec = cell.units, to_numpy(cell.kernel), to_numpy(cell.recurrent_kernel)
    bias = None if cell.bias is None else to_numpy(cell.bias)
    if isinstance(cell, LSTMCell):
        order, op, acts = (0, 3, 1, 2), "LSTM", [cell.recurrent_activation, cell.activation, cell.activation]
    elif isinstance(cell, GRUCell):
        order, op, acts = (0, 1, 2), "GRU", [cell.recurrent_activation, cell.activation]
    else:
        order, op, acts = (0,), "RNN", [cell.activation]
    gates = len(order) * n
    w, r = _blocks(kernel, order, n).T[None], _blocks(rec, order, n).T[None]
    attrs = {"hidden_size": n, "activations": [_act(layer, a) for a in acts]}
    if bias is None:
        wb = rb = np.zeros(gates, kernel.dtype)
    elif isinstance(cell, GRUCell) and cell.reset_after:
        wb, rb = _blocks(bias[0], order, n), _blocks(bias[1], order, n)
    else:
        wb, rb = _blocks(bias, order, n), np.zeros(gates, kernel.dtype)
    if isinstance(cell, GRUCell):
        attrs["linear_before_reset"] = int(cell.reset_after)
    return op, w, r, np.concatenate([wb, rb])[None], attrs


def recurrent(b, layer, x: str, mask: str | None):
    """The Keras outputs of RNN ``layer`` on ``x`` ``(batch, timesteps, features)``: ``[out, *states]``."""
    if layer.stateful:
        raise unsupported(layer, "stateful=True keeps state between calls, which an ONNX graph cannot")
    op, w, r, bias, attrs = _weights(layer, layer.cell)
    xt = b.transpose(x, [1, 0, 2])
    seq_lens = ""
    if mask is not None:
        counts = b.reduce("ReduceSum", b.cast(mask, np.int32), [1], keepdims=False)
        seq_lens = b.cast(counts, np.int32, f"{layer.name}_sequence_lens")
    name = layer.name
    inputs = [xt, b.const(w, f"{name}_W"), b.const(r, f"{name}_R"), b.const(bias, f"{name}_B"), seq_lens]
    direction = "reverse" if layer.go_backwards else "forward"
    outs = b.op(op, inputs, name, outputs=3 if op == "LSTM" else 2, direction=direction, **attrs)
    y, states = outs[0], [b.squeeze(s, [0]) for s in outs[1:]]
    if layer.return_sequences:
        y = b.squeeze(y, [1])  # (timesteps, batch, units)
        if layer.go_backwards:
            y = b.flip(y, 0)  # Keras returns the reversed-time sequence; padded steps are 0 in both
        elif mask is not None:  # masked steps repeat the last valid output (Keras), ONNX writes 0 there
            keep = b.unsqueeze(b.transpose(mask, [1, 0]), [2])
            y = b.op("Where", [keep, y, b.unsqueeze(states[0], [0])])
        out = b.transpose(y, [1, 0, 2])
    else:
        out = states[0]
    return [out] + (states if layer.return_state else [])


@register(layers.RNN, masks=True)
def rnn(b, layer, call):
    if len(call.inputs) > 1:
        raise unsupported(layer, "tensors passed to the call besides the sequence (initial_state=, mask=) are not "
                                 "exported; the graph starts from zero states and reads the input's Keras mask")
    outs = recurrent(b, layer, call.inputs[0], call.masks[0])
    return [b.op("Identity", [outs[0]], layer.name)] + outs[1:]


@register(layers.Bidirectional, masks=True)
def bidirectional(b, layer, call):
    if len(call.inputs) > 1:
        raise unsupported(layer, "an initial_state passed to the call is not exported")
    fwd = recurrent(b, layer.forward_layer, call.inputs[0], call.masks[0])
    bwd = recurrent(b, layer.backward_layer, call.inputs[0], call.masks[0])
    y, y_rev = fwd[0], bwd[0]
    if layer.return_sequences and layer.backward_layer.go_backwards != layer.forward_layer.go_backwards:
        y_rev = b.flip(y_rev, 1)
    mode = layer.merge_mode
    if mode is None:
        outs = [y, y_rev]
    elif mode == "concat":
        outs = [b.op("Concat", [y, y_rev], layer.name, axis=-1)]
    elif mode == "sum":
        outs = [b.op("Add", [y, y_rev], layer.name)]
    elif mode == "ave":
        outs = [b.op("Mul", [b.op("Add", [y, y_rev]), b.scalar(0.5)], layer.name)]
    else:
        outs = [b.op("Mul", [y, y_rev], layer.name)]
    if layer.return_state or mode is None:
        outs = outs + fwd[1:] + bwd[1:]
    return outs


@register(layers.TimeDistributed)
def time_distributed(b, layer, call):
    if call.masks[0] is not None:
        raise unsupported(layer, "a Keras mask on TimeDistributed's input is not exported")
    inner = layer.layer
    entry = lookup(inner)
    if entry is None:
        raise unsupported(inner, "no ONNX converter exists for this layer type")
    shape = call.shapes[0]
    folded = b.reshape(call.inputs[0], [-1, *shape[2:]])
    sub = LayerCall(inputs=[folded], shapes=[(shape[0] * shape[1], *shape[2:])], masks=[None])
    y = entry[0](b, inner, sub)[0]
    out_shape = inner.compute_output_shape((shape[0] * shape[1], *shape[2:]))
    return [b.reshape(y, [-1, shape[1], *out_shape[1:]], layer.name)]
