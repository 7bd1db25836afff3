"""Recurrent layers (Keras 3): the generic ``RNN(cell)`` loop and ``SimpleRNN``, ``LSTM``, ``GRU``.

``RNN`` runs any cell step by step. ``SimpleRNN``/``LSTM``/``GRU`` with their default
activations take the fast path instead: one matmul projects every timestep's input,
then a fused whole-sequence kernel (:mod:`ember.ops.recurrent`) runs the recurrence
and its backpropagation through time as a single graph node.

Masking (Keras's rule): a ``(batch, timesteps)`` mask, from ``Embedding(mask_zero=True)``,
``Masking`` or ``mask=``, makes masked steps carry the previous state and output over.

Source: keras/src/layers/rnn/{rnn,simple_rnn,lstm,gru}.py.
"""

from __future__ import annotations

from ember import ops
from ember.autograd import Tensor
from ember.layers.layer import Layer
from ember.layers.recurrent_cells import (
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
    _positive_units,
    deserialize_cell,
)
from ember.layers.serialization import serialize
from ember.ops import recurrent as rec

_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask")


class RNN(Layer):
    """Loop a cell over the time axis of ``(batch, timesteps, features)`` inputs.

    Args:
        cell: a cell (``call(inputs_t, states) -> (output_t, new_states)`` with ``state_size``)
            or a list of cells (stacked with :class:`StackedRNNCells`).
        return_sequences: return every step's output ``(batch, timesteps, units)`` instead of the
            last ``(batch, units)``. Defaults to ``False``.
        return_state: also return the final states: ``[output, *states]``. Defaults to ``False``.
        go_backwards: process the sequence in reverse (outputs stay in processing order, as Keras).
            Defaults to ``False``.
        stateful: keep the final states of a batch as the initial states of the next; needs a fixed
            batch size (``batch_size=`` / ``batch_input_shape=``). Defaults to ``False``.
        unroll: accepted for Keras compatibility (ember always loops). Defaults to ``False``.
        zero_output_for_mask: accepted; masked steps repeat the previous output. Defaults to ``False``.

    Call arguments:
        sequences: ``(batch, timesteps, features)``.
        initial_state: list of ``(batch, size)`` tensors, one per state. Defaults to zeros.
        mask: ``(batch, timesteps)`` bool. Defaults to the input's Keras mask.
        training: enables dropout. Defaults to ``None`` (off).

    Raises:
        ValueError: for input that is not 3-D, an ``initial_state`` of the wrong count or shape,
            or ``stateful=True`` without a fixed batch size, naming the layer, expected and received.

    Example:
        >>> import ember
        >>> rnn = ember.layers.RNN(ember.layers.LSTMCell(4), return_sequences=True)
        >>> rnn(ember.ops.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):  # fmt: skip
        batch = kwargs.get("batch_size") or (kwargs.get("batch_input_shape") or [None])[0]
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "state_size") or not hasattr(cell, "call"):
            raise ValueError(f"{type(self).__name__}: `cell` must have `call` and `state_size`. Received: {cell!r}")
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), bool(stateful)
        self.unroll, self.zero_output_for_mask = unroll, zero_output_for_mask
        self._fixed_batch = batch
        self.states = None

    @property
    def _state_sizes(self) -> list:
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    def _err(self, what: str) -> ValueError:
        return ValueError(f"{type(self).__name__} '{self.name}' {what}")

    def build(self, input_shape) -> None:
        if len(input_shape) != 3:
            raise self._err(f"expects 3-D input (batch, timesteps, features). Received: shape={tuple(input_shape)}")
        if self.stateful and input_shape[0] is None and self._fixed_batch is None:
            raise self._err(
                "with stateful=True needs a fixed batch size: pass batch_size= (or batch_input_shape=) to the "
                f"layer. Expected: an int batch axis. Received: input shape {tuple(input_shape)}"
            )
        self.cell._maybe_build((input_shape[0], input_shape[-1]))
        for w in self.cell.weights:
            w.path = f"{self.name}/{w.path}"
        self.built = True

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != 3:
            raise self._err(f"expects 3-D input (batch, timesteps, features). Received: shape={tuple(x.shape)}")
        if self.stateful and self._fixed_batch is not None and x.shape[0] != self._fixed_batch:
            raise self._err(f"with stateful=True expects batch size {self._fixed_batch}. Received: {x.shape[0]}")

    def _initial_states(self, initial_state, batch: int, dtype) -> list:
        sizes = self._state_sizes
        if initial_state is None:
            if self.stateful and self.states is not None:
                return list(self.states)
            return [ops.zeros((batch, s), dtype=dtype) for s in sizes]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        states = [s if isinstance(s, Tensor) else Tensor(s) for s in states]
        expected = [(batch, s) for s in sizes]
        received = [tuple(s.shape) for s in states]
        if expected != received:
            raise self._err(
                f"expects initial_state as {len(expected)} tensor(s) of shapes {expected}. "
                f"Received: {len(received)} tensor(s) of shapes {received}"
            )
        return states

    def reset_states(self, states=None) -> None:
        """Reset a stateful layer's states to zeros (or to ``states``)."""
        self.states = None if states is None else [s if isinstance(s, Tensor) else Tensor(s) for s in states]

    reset_state = reset_states

    def call(self, sequences, initial_state=None, mask=None, training=None):
        x = sequences
        self._check_input(x)
        states = self._initial_states(initial_state, x.shape[0], x.dtype)
        if mask is not None:
            mask = mask if isinstance(mask, Tensor) else Tensor(mask)
            if tuple(mask.shape) != tuple(x.shape[:2]):
                raise self._err(f"expects a mask of shape {tuple(x.shape[:2])}. Received: {tuple(mask.shape)}")
        if self.go_backwards:
            x = ops.flip(x, axis=1)
            mask = None if mask is None else ops.flip(mask, axis=1)
        self.cell.reset_dropout_mask()
        self.cell.reset_recurrent_dropout_mask()
        training = bool(training)
        fused = self._fused_call(x, states, mask, training)
        seq, last, final = fused if fused is not None else self._loop(x, states, mask, training)
        if self.stateful:
            self.states = [s.detach() for s in final]
        out = seq if self.return_sequences else last
        return [out] + list(final) if self.return_state else out

    def _fused_call(self, x, states, mask, training):
        """Subclasses return ``(sequence, last_output, final_states)`` from a fused kernel, or ``None``."""
        return None

    def _loop(self, x, states, mask, training):
        outs, prev = [], None
        keep = None if mask is None else ops.expand_dims(ops.cast(mask, "bool"), -1)
        for t in range(x.shape[1]):
            out, new = self.cell(x[:, t], states, training=training)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            if keep is not None:
                prev = ops.zeros_like(out) if prev is None else prev
                k = keep[:, t]
                out = ops.where(k, out, prev)
                new = [ops.where(k, n, s) for n, s in zip(new, states, strict=True)]
            prev, states = out, new
            if self.return_sequences:
                outs.append(out)
        seq = ops.stack(outs, axis=1) if self.return_sequences else None
        return seq, prev, states

    def compute_output_shape(self, input_shape):
        units = self.cell.output_size
        batch = input_shape[0]
        out = (batch, input_shape[1], units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [out] + [(batch, s) for s in self._state_sizes]
        return out

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self._state_sizes) if self.return_state else out

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({k: getattr(self, k) for k in _RNN_ARGS})
        if type(self) is RNN:
            config["cell"] = serialize(self.cell)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if "cell" in config:
            config["cell"] = deserialize_cell(config["cell"])
        return cls(**config)


class _BuiltinRNN(RNN):
    """An RNN that makes its own cell from the constructor arguments (SimpleRNN, LSTM, GRU)."""

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"

    def __init__(self, units, **kwargs):
        _positive_units(type(self).__name__, units)
        rnn_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _RNN_ARGS or k in _LAYER_KWARGS}
        self.activity_regularizer = kwargs.pop("activity_regularizer", None)
        kwargs.pop("use_cudnn", None)
        cell = self.cell_class(units, name=self.cell_name, dtype=rnn_kwargs.get("dtype"),
                               trainable=rnn_kwargs.get("trainable", True), **kwargs)  # fmt: skip
        super().__init__(cell, **rnn_kwargs)

    def __getattr__(self, name):
        # Keras exposes the cell's arguments on the layer (lstm.units, lstm.dropout, ...).
        if name != "cell" and "cell" in self.__dict__ and name in _CELL_ATTRS:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _standard_activations(self) -> bool:
        cell = self.cell
        rec_ok = getattr(cell, "recurrent_activation", ops.sigmoid) is ops.sigmoid
        return cell.activation is ops.tanh and rec_ok

    def _projected(self, x, training):
        cell = self.cell
        if training and cell.dropout > 0:
            x = x * ops.expand_dims(cell.get_dropout_mask(x[:, 0]), 1)
        return ops.matmul(x, cell.kernel)

    def _recurrent_mask(self, h0, training):
        cell = self.cell
        return cell.get_recurrent_dropout_mask(h0) if training and cell.recurrent_dropout > 0 else None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        out = super().call(sequences, initial_state=initial_state, mask=mask, training=training)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(out[0] if self.return_state else out))
        return out

    def get_config(self) -> dict:
        config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            config.pop(key, None)
        config.update(super().get_config())
        return config


_LAYER_KWARGS = ("name", "trainable", "dtype", "input_shape", "input_dim", "batch_input_shape", "batch_size")
_CELL_ATTRS = (
    "units",
    "activation",
    "recurrent_activation",
    "use_bias",
    "dropout",
    "recurrent_dropout",
    "unit_forget_bias",
    "reset_after",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
)


class SimpleRNN(_BuiltinRNN):
    """Fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Args:
        units: state size. Other arguments as :class:`SimpleRNNCell` and :class:`RNN`.

    Shape:
        Input ``(batch, timesteps, features)``; output ``(batch, units)``, or
        ``(batch, timesteps, units)`` with ``return_sequences``. Weights as :class:`SimpleRNNCell`.

    Source: Elman (1990); keras/src/layers/rnn/simple_rnn.py.

    Example:
        >>> import ember
        >>> ember.layers.SimpleRNN(4)(ember.ops.ones((2, 5, 3))).shape
        (2, 4)
    """

    def _fused_call(self, x, states, mask, training):
        if not self._standard_activations():
            return None
        cell = self.cell
        xw = self._projected(x, training)
        if cell.bias is not None:
            xw = xw + cell.bias
        rmask = self._recurrent_mask(states[0], training)
        seq = rec.simple_rnn_sequence(xw, states[0], cell.recurrent_kernel, mask, rmask)
        last = seq[:, -1]
        return seq, last, [last]


class LSTM(_BuiltinRNN):
    """Long Short-Term Memory layer (Keras gates ``i, f, c, o``; see :class:`LSTMCell`).

    Args:
        units: state size. Other arguments as :class:`LSTMCell` (``unit_forget_bias=True``, ...)
            and :class:`RNN` (``return_sequences``, ``return_state``, ``go_backwards``, ``stateful``).

    Shape:
        Input ``(batch, timesteps, features)``; output ``(batch, units)`` or ``(batch, timesteps, units)``;
        with ``return_state`` also ``h, c`` of ``(batch, units)``. Weights ``kernel (features, 4*units)``,
        ``recurrent_kernel (units, 4*units)``, ``bias (4*units,)``.

    Source: Hochreiter & Schmidhuber (1997); keras/src/layers/rnn/lstm.py.

    Example:
        >>> import ember
        >>> out, h, c = ember.layers.LSTM(4, return_state=True)(ember.ops.ones((2, 5, 3)))
        >>> out.shape, c.shape
        ((2, 4), (2, 4))
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    def _fused_call(self, x, states, mask, training):
        if not self._standard_activations():
            return None
        cell, n = self.cell, self.cell.units
        xw = self._projected(x, training)
        if cell.bias is not None:
            xw = xw + cell.bias
        hc = rec.lstm_sequence(xw, states[0], states[1], cell.recurrent_kernel, mask,
                               self._recurrent_mask(states[0], training))  # fmt: skip
        seq = hc[:, :, :n] if self.return_sequences else None
        last_h, last_c = hc[:, -1, :n], hc[:, -1, n:]
        return seq, last_h, [last_h, last_c]


class GRU(_BuiltinRNN):
    """Gated Recurrent Unit layer (Keras gates ``z, r, h``, ``reset_after=True``; see :class:`GRUCell`).

    Args:
        units: state size. Other arguments as :class:`GRUCell` and :class:`RNN`.

    Shape:
        Input ``(batch, timesteps, features)``; output ``(batch, units)`` or ``(batch, timesteps, units)``.
        Weights ``kernel (features, 3*units)``, ``recurrent_kernel (units, 3*units)``,
        ``bias (2, 3*units)`` (``(3*units,)`` with ``reset_after=False``).

    Source: Cho et al. (2014); keras/src/layers/rnn/gru.py.

    Example:
        >>> import ember
        >>> ember.layers.GRU(4, return_sequences=True)(ember.ops.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    cell_class = GRUCell
    cell_name = "gru_cell"

    def _fused_call(self, x, states, mask, training):
        cell = self.cell
        if not (self._standard_activations() and cell.reset_after):
            return None
        xw = self._projected(x, training)
        if cell.bias is not None:
            xw, b_rec = xw + cell.bias[0], cell.bias[1]
        else:
            b_rec = ops.zeros((3 * cell.units,), dtype=x.dtype)
        seq = rec.gru_sequence(xw, states[0], cell.recurrent_kernel, b_rec, mask,
                               self._recurrent_mask(states[0], training))  # fmt: skip
        last = seq[:, -1]
        return seq, last, [last]
