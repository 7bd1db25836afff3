"""Recurrent cells (Keras 3): one timestep of SimpleRNN, LSTM and GRU, and ``StackedRNNCells``.

A cell maps ``(inputs_t, states) -> (output_t, new_states)``; :class:`~ember.layers.RNN`
loops it over time. The whole-sequence layers (``LSTM``, ...) use the fused kernels of
:mod:`ember.ops.recurrent` instead of this per-step path when they can; the cells hold
the weights either way, so weight names and layouts are Keras's:
``kernel (input_dim, G*units)``, ``recurrent_kernel (units, G*units)``, ``bias``.

Source: keras/src/layers/rnn/{simple_rnn,lstm,gru,stacked_rnn_cells,dropout_rnn_cell}.py.
"""

from __future__ import annotations

from ember import activations, initializers, ops
from ember.autograd import Tensor
from ember.layers.layer import Layer
from ember.layers.serialization import serialize, serialize_activation


def _positive_units(name: str, units) -> int:
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"{name}: `units` must be a positive int. Received: units={units!r}")
    return units


def _rate(name: str, arg: str, value) -> float:
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name}: `{arg}` must be in [0, 1). Received: {arg}={value}")
    return value


class DropoutRNNCell:
    """Mixin: one dropout mask per sequence for the inputs and one for the recurrent state.

    Keras draws the masks once per call of the RNN layer and reuses them at every
    timestep (Gal & Ghahramani, 2016); :meth:`reset_dropout_mask` starts a new sequence.
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def reset_dropout_mask(self) -> None:
        """Forget the input mask; the next :meth:`get_dropout_mask` draws a new one."""
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        """Forget the recurrent mask."""
        self._recurrent_dropout_mask = None

    def get_dropout_mask(self, step_input):
        """``(batch, features)`` inverted-dropout multiplier for the inputs, cached for the sequence."""
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = ops.dropout(ops.ones_like(step_input.detach()), self.dropout, seed=None)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_state):
        """``(batch, units)`` inverted-dropout multiplier for the previous state, cached for the sequence."""
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = ops.dropout(ops.ones_like(step_state.detach()), self.recurrent_dropout)
        return self._recurrent_dropout_mask


class _Cell(DropoutRNNCell, Layer):
    """Shared arguments and weights of the three cells (``gates`` weight blocks)."""

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.units = _positive_units(cls, units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint, self.recurrent_constraint = kernel_constraint, recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = _rate(cls, "dropout", dropout)
        self.recurrent_dropout = _rate(cls, "recurrent_dropout", recurrent_dropout)
        self.seed = seed

    @property
    def state_size(self):
        """Size of each state (an int for one state, a list for several)."""
        return self.units

    @property
    def output_size(self) -> int:
        """Size of the per-step output."""
        return self.units

    def _build_kernels(self, input_dim: int) -> None:
        g = self.gates * self.units
        self.kernel = self.add_weight((input_dim, g), self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")  # fmt: skip
        self.recurrent_kernel = self.add_weight(
            (self.units, g), self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint, name="recurrent_kernel",
        )  # fmt: skip

    def _add_bias(self, shape, initializer=None):
        return self.add_weight(shape, initializer or self.bias_initializer, regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint, name="bias")  # fmt: skip

    def get_initial_state(self, batch_size: int) -> list:
        """Zero states, one ``(batch_size, size)`` tensor per entry of :attr:`state_size`."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, s), dtype=self.kernel.dtype if self.built else None) for s in sizes]

    def _dropped(self, inputs, h_tm1, training):
        if training and self.dropout > 0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and self.recurrent_dropout > 0:
            h_tm1 = h_tm1 * self.get_recurrent_dropout_mask(h_tm1)
        return inputs, h_tm1

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            units=self.units, activation=serialize_activation(self.activation), use_bias=self.use_bias,
            kernel_initializer=serialize(self.kernel_initializer),
            recurrent_initializer=serialize(self.recurrent_initializer),
            bias_initializer=serialize(self.bias_initializer), dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout, seed=self.seed,
        )  # fmt: skip
        return config


class SimpleRNNCell(_Cell):
    """One step of a fully connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Args:
        units: state size, a positive int.
        activation: defaults to ``'tanh'``.
        use_bias: defaults to ``True``.
        kernel_initializer: defaults to ``'glorot_uniform'``.
        recurrent_initializer: defaults to ``'orthogonal'``.
        bias_initializer: defaults to ``'zeros'``.
        dropout: input dropout rate in ``[0, 1)``. Defaults to ``0.0``.
        recurrent_dropout: state dropout rate in ``[0, 1)``. Defaults to ``0.0``.
        seed: accepted for Keras compatibility. Defaults to ``None``.

    Shape:
        ``call(inputs (batch, input_dim), states [(batch, units)])`` → ``(output, [output])``.
        Weights: ``kernel (input_dim, units)``, ``recurrent_kernel (units, units)``, ``bias (units,)``.

    Raises:
        ValueError: for non-positive ``units`` or a rate outside ``[0, 1)``.

    Source: Elman (1990); keras/src/layers/rnn/simple_rnn.py.
    """

    def build(self, input_shape) -> None:
        self._build_kernels(input_shape[-1])
        self.bias = self._add_bias((self.units,)) if self.use_bias else None
        self.built = True

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        inputs, h_tm1 = self._dropped(inputs, h_tm1, training)
        h = ops.matmul(inputs, self.kernel) + ops.matmul(h_tm1, self.recurrent_kernel)
        if self.bias is not None:
            h = h + self.bias
        h = self.activation(h)
        return h, [h]


class LSTMCell(_Cell):
    """One LSTM step, gates in Keras order ``i, f, c, o``.

    ``z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias``; ``i, f, o = recurrent_activation(z_i, z_f, z_o)``,
    ``g = activation(z_c)``; ``c_t = f * c_{t-1} + i * g``; ``h_t = o * activation(c_t)``.

    Args:
        units: state size, a positive int.
        activation: defaults to ``'tanh'``.
        recurrent_activation: defaults to ``'sigmoid'``.
        unit_forget_bias: initialise the forget-gate bias to 1 (Jozefowicz et al., 2015). Defaults to ``True``.
        (other arguments as :class:`SimpleRNNCell`.)

    Shape:
        states ``[h (batch, units), c (batch, units)]``. Weights: ``kernel (input_dim, 4*units)``,
        ``recurrent_kernel (units, 4*units)``, ``bias (4*units,)``.

    Source: Hochreiter & Schmidhuber (1997); Gers et al. (2000); keras/src/layers/rnn/lstm.py.
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    @property
    def state_size(self):
        return [self.units, self.units]

    def build(self, input_shape) -> None:
        self._build_kernels(input_shape[-1])
        init = self._forget_bias_init if self.unit_forget_bias else None
        self.bias = self._add_bias((4 * self.units,), init) if self.use_bias else None
        self.built = True

    def _forget_bias_init(self, shape, dtype=None):
        n, init = self.units, self.bias_initializer
        parts = [Tensor(init((n,), dtype=dtype)), ops.ones((n,), dtype=dtype), Tensor(init((2 * n,), dtype=dtype))]
        return ops.concatenate(parts).data

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states
        inputs, h_tm1 = self._dropped(inputs, h_tm1, training)
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_tm1, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        zi, zf, zc, zo = ops.split(z, 4, axis=-1)
        i, f, o = self.recurrent_activation(zi), self.recurrent_activation(zf), self.recurrent_activation(zo)
        c = f * c_tm1 + i * self.activation(zc)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(recurrent_activation=serialize_activation(self.recurrent_activation),
                      unit_forget_bias=self.unit_forget_bias)  # fmt: skip
        return config


class GRUCell(_Cell):
    """One GRU step, gates in Keras order ``z, r, h``.

    With ``reset_after=True`` (default; cuDNN/PyTorch variant) and ``q = h_{t-1} @ recurrent_kernel + b_rec``:
    ``z = σ(x_z + q_z)``, ``r = σ(x_r + q_r)``, ``hh = tanh(x_h + r * q_h)``, ``h_t = z * h_{t-1} + (1 - z) * hh``.
    With ``reset_after=False``: ``hh = tanh(x_h + (r * h_{t-1}) @ recurrent_kernel_h)``.

    Args:
        units: state size, a positive int.
        activation: defaults to ``'tanh'``.
        recurrent_activation: defaults to ``'sigmoid'``.
        reset_after: apply the reset gate after the recurrent matmul. Defaults to ``True``.
        (other arguments as :class:`SimpleRNNCell`.)

    Shape:
        Weights: ``kernel (input_dim, 3*units)``, ``recurrent_kernel (units, 3*units)``,
        ``bias (2, 3*units)`` (input and recurrent biases) with ``reset_after``, else ``(3*units,)``.

    Source: Cho et al. (2014); keras/src/layers/rnn/gru.py.
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", reset_after=True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after

    def build(self, input_shape) -> None:
        self._build_kernels(input_shape[-1])
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self.bias = self._add_bias(shape) if self.use_bias else None
        self.built = True

    def _biases(self):
        if self.bias is None:
            return None, None
        return (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        inputs, h_dropped = self._dropped(inputs, h_tm1, training)
        b_in, b_rec = self._biases()
        x = ops.matmul(inputs, self.kernel)
        if b_in is not None:
            x = x + b_in
        x_z, x_r, x_h = ops.split(x, 3, axis=-1)
        n = self.units
        if self.reset_after:
            q = ops.matmul(h_dropped, self.recurrent_kernel)
            if b_rec is not None:
                q = q + b_rec
            q_z, q_r, q_h = ops.split(q, 3, axis=-1)
            z, r = self.recurrent_activation(x_z + q_z), self.recurrent_activation(x_r + q_r)
            hh = self.activation(x_h + r * q_h)
        else:
            q = ops.matmul(h_dropped, self.recurrent_kernel[:, : 2 * n])
            q_z, q_r = ops.split(q, 2, axis=-1)
            z, r = self.recurrent_activation(x_z + q_z), self.recurrent_activation(x_r + q_r)
            hh = self.activation(x_h + ops.matmul(r * h_dropped, self.recurrent_kernel[:, 2 * n :]))
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(recurrent_activation=serialize_activation(self.recurrent_activation),
                      reset_after=self.reset_after)  # fmt: skip
        return config


class StackedRNNCells(Layer):
    """Several cells applied one after the other at each timestep, so that an RNN runs them as one cell.

    Args:
        cells: list of cells; each feeds its output to the next.

    Shape:
        states: the concatenation of every cell's state list, in order.

    Source: keras/src/layers/rnn/stacked_rnn_cells.py.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if not cells:
            raise ValueError("StackedRNNCells: expected a non-empty list of cells. Received: cells=[]")
        self.cells = list(cells)
        for cell in self.cells:
            self._layers.append(cell)

    @staticmethod
    def _sizes(cell) -> list:
        size = cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def state_size(self) -> list:
        return [s for cell in self.cells for s in self._sizes(cell)]

    @property
    def output_size(self) -> int:
        return self.cells[-1].output_size

    def build(self, input_shape) -> None:
        dim = input_shape[-1]
        for cell in self.cells:
            cell._maybe_build((input_shape[0], dim))
            dim = cell.output_size
        self.built = True

    def get_initial_state(self, batch_size: int) -> list:
        return [s for cell in self.cells for s in cell.get_initial_state(batch_size)]

    def reset_dropout_mask(self) -> None:
        for cell in self.cells:
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()

    def reset_recurrent_dropout_mask(self) -> None:
        """Nothing extra: :meth:`reset_dropout_mask` resets both masks of every cell."""

    def call(self, inputs, states, training=False):
        new_states, pos = [], 0
        for cell in self.cells:
            k = len(self._sizes(cell))
            inputs, cell_states = cell(inputs, list(states[pos : pos + k]), training=training)
            new_states.extend(cell_states)
            pos += k
        return inputs, new_states

    def get_config(self) -> dict:
        config = super().get_config()
        config["cells"] = [serialize(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["cells"] = [deserialize_cell(c) for c in config["cells"]]
        return cls(**config)


_CELLS = {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell,
          "StackedRNNCells": StackedRNNCells}  # fmt: skip


def deserialize_cell(config):
    """Rebuild a cell from ``{"class_name", "config"}`` (ember's cells only), or return a cell as is.

    Raises:
        ValueError: for an unknown class name.
    """
    if isinstance(config, Layer):
        return config
    cls = _CELLS.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown RNN cell class {config.get('class_name')!r}. Expected one of: {sorted(_CELLS)}")
    return cls.from_config(config["config"])
