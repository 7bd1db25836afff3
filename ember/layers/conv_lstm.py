"""Convolutional LSTM (Keras 3): ``ConvLSTM1D``, ``ConvLSTM2D``, ``ConvLSTM3D`` and their cell.

An LSTM whose matrix products are convolutions, so the state keeps the spatial layout of the input:
``h_t, c_t`` are ``(batch, *out_spatial, filters)``. The input convolution uses the layer's ``strides``,
``padding`` and ``dilation_rate``; the recurrent one always uses stride 1 and ``'same'`` padding (Keras).

Source: Shi et al. (2015), "Convolutional LSTM Network"; keras/src/layers/rnn/{conv_lstm,conv_lstm1d,
conv_lstm2d,conv_lstm3d}.py.
"""

from __future__ import annotations

from ember import activations, ops
from ember.autograd import Tensor
from ember.layers.conv_base import as_tuple, conv_output_length
from ember.layers.recurrent import RNN
from ember.layers.recurrent_cells import _Cell
from ember.layers.serialization import serialize_activation


class ConvLSTMCell(_Cell):
    """One ConvLSTM step, gates in Keras order ``i, f, c, o`` (``*`` is the N-D convolution):

    ``z = x_t * kernel + bias + h_{t-1} * recurrent_kernel``; ``i, f, o = recurrent_activation(z_i, z_f, z_o)``;
    ``c_t = f ⊙ c_{t-1} + i ⊙ activation(z_c)``; ``h_t = o ⊙ activation(c_t)``.

    Args:
        rank: number of spatial axes, 1, 2 or 3.
        filters: channels of the state, a positive int.
        kernel_size, strides, dilation_rate: int or ``rank`` ints (of the input convolution). Strides and
            dilation cannot both exceed 1. Defaults to ``1`` (strides, dilation).
        padding: ``'valid'`` or ``'same'`` (input convolution). Defaults to ``'valid'``.
        data_format: only ``'channels_last'`` (``None`` means it).
        activation, recurrent_activation: Defaults to ``'tanh'`` and ``'sigmoid'``.
        unit_forget_bias: forget-gate bias initialised to 1. Defaults to ``True``.
        dropout, recurrent_dropout: rates in ``[0, 1)``; one mask per gate, fixed for the sequence.
        (initializers, regularizers, constraints and ``seed`` as :class:`~ember.layers.LSTMCell`.)

    Shape:
        ``call(x (batch, *spatial, channels), [h, c])`` with ``h, c`` ``(batch, *out_spatial, filters)``.
        Weights: ``kernel (*kernel_size, channels, 4*filters)``, ``recurrent_kernel (*kernel_size, filters,
        4*filters)``, ``bias (4*filters,)``.

    Raises:
        ValueError: for a bad rank, kernel/strides/dilation, padding, or strides and dilation both > 1.
        NotImplementedError: for ``data_format='channels_first'``.
    """

    gates = 4

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", unit_forget_bias=True, **kwargs):  # fmt: skip
        name = f"ConvLSTM{rank}D" if rank in (1, 2, 3) else "ConvLSTMCell"
        if rank not in (1, 2, 3):
            raise ValueError(f"{name}: rank must be 1, 2 or 3. Received: rank={rank!r}")
        super().__init__(filters, activation=activation, **kwargs)
        self.rank, self.filters = rank, filters
        self.kernel_size = as_tuple(kernel_size, rank, "kernel_size", name)
        self.strides = as_tuple(strides, rank, "strides", name)
        self.dilation_rate = as_tuple(dilation_rate, rank, "dilation_rate", name)
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"{name}: padding must be 'valid' or 'same'. Received: padding={padding!r}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{name}: strides > 1 is not compatible with dilation_rate > 1. Received: "
                             f"strides={self.strides}, dilation_rate={self.dilation_rate}")  # fmt: skip
        if data_format not in (None, "channels_last"):
            raise NotImplementedError(f"{name}: data_format={data_format!r} is not implemented in ember "
                                      "(channels_last only)")  # fmt: skip
        self.data_format = "channels_last"
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    @property
    def state_size(self):
        return [self.filters, self.filters]

    def output_spatial(self, spatial) -> tuple:
        """Spatial shape of the state for an input of spatial shape ``spatial``."""
        return tuple(conv_output_length(n, k, s, self.padding, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True))  # fmt: skip

    def build(self, input_shape) -> None:
        channels, g = input_shape[-1], 4 * self.filters
        self.kernel = self.add_weight(self.kernel_size + (channels, g), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")  # fmt: skip
        self.recurrent_kernel = self.add_weight(
            self.kernel_size + (self.filters, g), self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint, name="recurrent_kernel",
        )  # fmt: skip
        init = self._forget_bias_init if self.unit_forget_bias else None
        self.bias = self._add_bias((g,), init) if self.use_bias else None
        self.built = True

    def _forget_bias_init(self, shape, dtype=None):
        n, init = self.filters, self.bias_initializer
        parts = [Tensor(init((n,), dtype=dtype)), ops.ones((n,), dtype=dtype), Tensor(init((2 * n,), dtype=dtype))]
        return ops.concatenate(parts).data

    def _masks(self, cache: str, rate: float, like) -> list:
        if getattr(self, cache, None) is None:
            setattr(self, cache, [ops.dropout(ops.ones_like(like.detach()), rate) for _ in range(4)])
        return getattr(self, cache)

    def _gate_inputs(self, x, h_tm1, training):
        """Pre-activations ``(batch, *out_spatial, 4*filters)``: one convolution each, or one per gate under
        dropout (each gate sees its own mask, as Keras)."""
        x_drop = training and self.dropout > 0
        h_drop = training and self.recurrent_dropout > 0
        conv_x = lambda v, w: ops.conv(v, w, self.strides, self.padding, dilation_rate=self.dilation_rate)  # noqa: E731
        conv_h = lambda v, w: ops.conv(v, w, 1, "same")  # noqa: E731
        if x_drop:
            ks, masks = ops.split(self.kernel, 4, axis=-1), self._masks("_dropout_mask", self.dropout, x)
            zx = ops.concatenate([conv_x(x * m, k) for m, k in zip(masks, ks, strict=True)], axis=-1)
        else:
            zx = conv_x(x, self.kernel)
        if h_drop:
            ks = ops.split(self.recurrent_kernel, 4, axis=-1)
            masks = self._masks("_recurrent_dropout_mask", self.recurrent_dropout, h_tm1)
            zh = ops.concatenate([conv_h(h_tm1 * m, k) for m, k in zip(masks, ks, strict=True)], axis=-1)
        else:
            zh = conv_h(h_tm1, self.recurrent_kernel)
        z = zx + zh
        return z if self.bias is None else z + self.bias

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states
        zi, zf, zc, zo = ops.split(self._gate_inputs(inputs, h_tm1, training), 4, axis=-1)
        i, f, o = self.recurrent_activation(zi), self.recurrent_activation(zf), self.recurrent_activation(zo)
        c = f * c_tm1 + i * self.activation(zc)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("units", None)
        config.update(rank=self.rank, filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
                      padding=self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate,
                      recurrent_activation=serialize_activation(self.recurrent_activation),
                      unit_forget_bias=self.unit_forget_bias)  # fmt: skip
        return config


class _ConvLSTM(RNN):
    """ConvLSTM over ``(batch, timesteps, *spatial, channels)``; ``rank`` is set by the subclass."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=None, **kwargs):  # fmt: skip
        if unroll:
            raise NotImplementedError(f"{type(self).__name__}: unroll=True is not implemented in ember (loops)")
        self.activity_regularizer = activity_regularizer
        cell = ConvLSTMCell(
            self.rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell", dtype=kwargs.get("dtype"),
        )  # fmt: skip
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)  # fmt: skip

    def __getattr__(self, name):
        if name != "cell" and "cell" in self.__dict__ and name in _CELL_ATTRS:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _expect(self, shape) -> None:
        shape = tuple(shape)
        if len(shape) != self.rank + 3 or any(n is None for n in shape[2:]):
            raise self._err(f"expects {self.rank + 3}-D input (batch, timesteps, *spatial[{self.rank}], channels) "
                            f"with known spatial and channel axes. Received: shape={shape}")  # fmt: skip

    def build(self, input_shape) -> None:
        self._expect(input_shape)
        if self.stateful and input_shape[0] is None and self._fixed_batch is None:
            raise self._err(f"with stateful=True needs a fixed batch size (batch_size=). Received: {input_shape}")
        self.cell._maybe_build((input_shape[0],) + tuple(input_shape[2:]))
        for w in self.cell.weights:
            w.path = f"{self.name}/{w.path}"
        self.built = True

    def _check_input(self, x) -> None:
        self._expect(x.shape)
        if self.stateful and self._fixed_batch is not None and x.shape[0] != self._fixed_batch:
            raise self._err(f"with stateful=True expects batch size {self._fixed_batch}. Received: {x.shape[0]}")

    def _state_shape(self, batch, input_shape) -> tuple:
        return (batch,) + self.cell.output_spatial(tuple(input_shape)[2:-1]) + (self.cell.filters,)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if mask is not None:
            raise NotImplementedError(f"{type(self).__name__} '{self.name}': masking is not implemented in ember")
        x = sequences if isinstance(sequences, Tensor) else Tensor(sequences)
        self._check_input(x)
        self._current_state_shape = self._state_shape(x.shape[0], x.shape)
        out = super().call(x, initial_state=initial_state, training=training)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(out[0] if self.return_state else out))
        return out

    def _initial_states(self, initial_state, batch: int, dtype) -> list:
        shape = self._current_state_shape
        if initial_state is None:
            if self.stateful and self.states is not None:
                return list(self.states)
            return [ops.zeros(shape, dtype=dtype), ops.zeros(shape, dtype=dtype)]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        states = [s if isinstance(s, Tensor) else Tensor(s) for s in states]
        if [tuple(s.shape) for s in states] != [shape, shape]:
            raise self._err(f"expects initial_state as 2 tensors of shape {shape}. "
                            f"Received: {[tuple(s.shape) for s in states]}")  # fmt: skip
        return states

    def compute_output_shape(self, input_shape):
        step = self._state_shape(input_shape[0], input_shape)
        out = (step[0], input_shape[1]) + step[1:] if self.return_sequences else step
        return [out, step, step] if self.return_state else out

    def compute_mask(self, inputs, mask=None):
        return [None, None, None] if self.return_state else None

    def get_config(self) -> dict:
        config = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "rank"):
            config.pop(key, None)
        config.update(super().get_config())
        config.pop("zero_output_for_mask", None)
        return config


_CELL_ATTRS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
               "recurrent_activation", "use_bias", "dropout", "recurrent_dropout", "unit_forget_bias",
               "kernel_initializer", "recurrent_initializer", "bias_initializer", "seed")  # fmt: skip


class ConvLSTM1D(_ConvLSTM):
    """1-D convolutional LSTM (see :class:`ConvLSTMCell` for the formula and arguments).

    Args:
        filters, kernel_size, strides, padding, dilation_rate, activation, recurrent_activation, use_bias,
            unit_forget_bias, dropout, recurrent_dropout, seed: as :class:`ConvLSTMCell`.
        return_sequences, return_state, go_backwards, stateful: as :class:`~ember.layers.RNN`. Default ``False``.

    Shape:
        Input ``(batch, timesteps, steps, channels)``; output ``(batch, new_steps, filters)``, or
        ``(batch, timesteps, new_steps, filters)`` with ``return_sequences``; with ``return_state`` also
        ``h, c``. Weights ``kernel (k, channels, 4*filters)``, ``recurrent_kernel (k, filters, 4*filters)``,
        ``bias (4*filters,)``.

    Raises:
        ValueError: for input that is not 4-D, naming the layer and the received shape.
        NotImplementedError: for ``mask``, ``unroll=True`` or ``data_format='channels_first'``.

    Source: keras/src/layers/rnn/conv_lstm1d.py.

    Example:
        >>> import ember
        >>> ember.layers.ConvLSTM1D(2, 3)(ember.ops.ones((1, 4, 6, 3))).shape
        (1, 4, 2)
    """

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """2-D convolutional LSTM (Shi et al., 2015; see :class:`ConvLSTMCell` for the formula and arguments).

    Shape:
        Input ``(batch, timesteps, rows, cols, channels)``; output ``(batch, new_rows, new_cols, filters)`` or
        ``(batch, timesteps, new_rows, new_cols, filters)`` with ``return_sequences``. Weights
        ``kernel (kh, kw, channels, 4*filters)``, ``recurrent_kernel (kh, kw, filters, 4*filters)``,
        ``bias (4*filters,)``. Other arguments and errors as :class:`ConvLSTM1D`.

    Source: keras/src/layers/rnn/conv_lstm2d.py.

    Example:
        >>> import ember
        >>> ember.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True)(
        ...     ember.ops.ones((1, 4, 5, 5, 3))).shape
        (1, 4, 5, 5, 2)
    """

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """3-D convolutional LSTM over ``(batch, timesteps, d1, d2, d3, channels)`` (see :class:`ConvLSTM1D`).

    Source: keras/src/layers/rnn/conv_lstm3d.py.

    Example:
        >>> import ember
        >>> ember.layers.ConvLSTM3D(2, 2)(ember.ops.ones((1, 2, 3, 3, 3, 1))).shape
        (1, 2, 2, 2, 2)
    """

    rank = 3
