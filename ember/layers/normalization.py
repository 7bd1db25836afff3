"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization.

Source: keras/src/layers/normalization (Keras 3); the papers are named on each class.
"""

from __future__ import annotations

import warnings

from ember import initializers, ops
from ember.autograd import no_grad
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.serialization import deserialize, serialize

_AFFINE = ("beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint",
           "gamma_constraint")  # fmt: skip


class _Affine(Layer):
    """``center``/``scale`` arguments and the ``gamma``/``beta`` weights they make."""

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(deserialize("initializer", beta_initializer))
        self.gamma_initializer = initializers.get(deserialize("initializer", gamma_initializer))
        self.beta_regularizer = deserialize("regularizer", beta_regularizer)
        self.gamma_regularizer = deserialize("regularizer", gamma_regularizer)
        self.beta_constraint = deserialize("constraint", beta_constraint)
        self.gamma_constraint = deserialize("constraint", gamma_constraint)

    def _axes(self, ndim) -> list:
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        out = []
        for a in axes:
            if not -ndim <= a < ndim:
                raise ValueError(f"{type(self).__name__} '{self.name}': axis {a} is out of range for input of rank "
                                 f"{ndim}")  # fmt: skip
            out.append(a % ndim)
        return sorted(out)

    def _make_affine(self, shape):
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, name="gamma")  # fmt: skip
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, name="beta")  # fmt: skip

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
                      **{name: serialize(getattr(self, name)) for name in _AFFINE})  # fmt: skip
        return config


class BatchNormalization(_Affine):
    """Normalises each feature with batch statistics in training and moving averages at inference.

    Training: ``y = gamma * (x - mean_B) / sqrt(var_B + epsilon) + beta`` and
    ``moving = moving * momentum + stat_B * (1 - momentum)`` (biased batch variance, as Keras).
    Inference (``training`` falsy, or the layer frozen with ``trainable = False``): the moving statistics.
    With a mask (``(batch, timesteps)``, e.g. from ``Embedding(mask_zero=True)``) masked positions do
    not count in the batch statistics.

    Args:
        axis: the feature axis. Defaults to ``-1``.
        momentum: moving-average momentum. Defaults to ``0.99``.
        epsilon: Defaults to ``1e-3``.
        center, scale: learn ``beta`` / ``gamma``. Default ``True``.
        beta_initializer (``'zeros'``), gamma_initializer (``'ones'``),
        moving_mean_initializer (``'zeros'``), moving_variance_initializer (``'ones'``),
        beta/gamma regularizers and constraints (``None``).

    Shape:
        Output has the input's shape. Weights, in order: ``gamma (features,)``, ``beta (features,)``
        (trainable), ``moving_mean (features,)``, ``moving_variance (features,)`` (non-trainable).

    Source: Ioffe & Szegedy, "Batch Normalization" (2015).

    Example:
        >>> import ember
        >>> bn = ember.layers.BatchNormalization()
        >>> bn(ember.ops.ones((4, 3)), training=True).shape, [w.name for w in bn.non_trainable_weights]
        ((4, 3), ['moving_mean', 'moving_variance'])
    """

    _float32_compute = True  # mixed precision: computed in float32, output cast to float16 (as Keras)

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 **kwargs):  # fmt: skip
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, **kwargs)
        if isinstance(self.axis, list):
            raise ValueError(f"BatchNormalization: `axis` must be an int. Received: axis={axis!r}")
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(deserialize("initializer", moving_mean_initializer))
        self.moving_variance_initializer = initializers.get(deserialize("initializer", moving_variance_initializer))

    def build(self, input_shape):
        axis = self._axes(len(input_shape))[0]
        features = input_shape[axis]
        self._make_affine((features,))
        self.moving_mean = self.add_weight((features,), self.moving_mean_initializer, trainable=False,
                                           name="moving_mean")  # fmt: skip
        self.moving_variance = self.add_weight((features,), self.moving_variance_initializer, trainable=False,
                                               name="moving_variance")  # fmt: skip
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: features})
        self._reduce = tuple(i for i in range(len(input_shape)) if i != axis)
        self._feature_axis = axis

    def _moments(self, inputs, mask):
        if mask is None:
            return ops.moments(inputs, self._reduce)
        # Masked (e.g. padded) timesteps do not count: weighted moments, as Keras 3.
        w = ops.cast(mask, inputs.dtype)
        while w.ndim < inputs.ndim:
            w = ops.expand_dims(w, -1)
        count = ops.sum(ops.broadcast_to(w, inputs.shape), axis=self._reduce)
        mean = ops.sum(inputs * w, axis=self._reduce) / ops.maximum(count, 1.0)
        centred = inputs - ops.reshape(mean, [1 if i in self._reduce else -1 for i in range(inputs.ndim)])
        variance = ops.sum(ops.square(centred) * w, axis=self._reduce) / ops.maximum(count, 1.0)
        return mean, variance

    def call(self, inputs, training=None, mask=None):
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            with no_grad():
                m = self.momentum
                self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
                self.moving_variance.assign(self.moving_variance * m + variance * (1.0 - m))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return ops.batch_normalization(inputs, mean, variance, self._feature_axis, self.beta, self.gamma,
                                       self.epsilon)  # fmt: skip

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(momentum=self.momentum, moving_mean_initializer=serialize(self.moving_mean_initializer),
                      moving_variance_initializer=serialize(self.moving_variance_initializer))  # fmt: skip
        return config


class LayerNormalization(_Affine):
    """Normalises each sample over ``axis``: ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    Args:
        axis: int or list of ints to normalise over. Defaults to ``-1``.
        epsilon: Defaults to ``1e-3``.
        center, scale, beta_initializer, gamma_initializer, regularizers, constraints: as
            :class:`BatchNormalization`.
        rms_scaling: Keras 3.15's deprecated option, computed as Keras does: ``y = gamma * x / sqrt(var + epsilon)``
            (scaled by the variance, not centred, no ``beta``; this is not RMSNorm, which divides by the root
            mean square). Warns, as Keras does. Defaults to ``False``.

    Shape:
        Weights ``gamma``, ``beta``: the sizes of the normalised axes.

    Source: Ba, Kiros & Hinton, "Layer Normalization" (2016).

    Example:
        >>> import ember
        >>> ln = ember.layers.LayerNormalization()
        >>> float(ln(ember.tensor([[1.0, 2.0, 3.0]])).sum().numpy())
        0.0
    """

    _float32_compute = True  # mixed precision: computed in float32, output cast to float16 (as Keras)

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, **kwargs):
        super().__init__(axis, epsilon, center, scale, **kwargs)
        if rms_scaling:  # Keras 3.15's warning, word for word (keras/src/layers/normalization/layer_normalization.py)
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the "
                          "input by the variance, not the root mean square. To correctly use RMS Normalization, "
                          "please use `keras.layers.RMSNormalization` instead.", stacklevel=2)  # fmt: skip
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        ndim = len(input_shape)
        self._norm_axes = self._axes(ndim)
        self._param_shape = tuple(input_shape[a] if a in self._norm_axes else 1 for a in range(ndim))[
            self._norm_axes[0]:]
        # rms_scaling: gamma only, whatever center/scale say (Keras 3).
        center, scale = self.center, self.scale
        if self.rms_scaling:
            self.center, self.scale = False, True
        self._make_affine(tuple(input_shape[a] for a in self._norm_axes))
        self.center, self.scale = center, scale
        self.input_spec = InputSpec(ndim=ndim, axes={a: input_shape[a] for a in self._norm_axes})

    def _param(self, w):
        return None if w is None else ops.reshape(w, self._param_shape)

    def call(self, inputs):
        axes = tuple(self._norm_axes)
        if self.rms_scaling:  # Keras 3.15: x * rsqrt(var(x) + eps) * gamma, with the centred variance
            var = ops.var(inputs, axis=axes, keepdims=True)
            y = inputs * ops.rsqrt(var + self.epsilon)
            return y if self.gamma is None else y * self._param(self.gamma)
        return ops.layer_normalization(inputs, self._param(self.gamma), self._param(self.beta), axes, self.epsilon)

    def get_config(self) -> dict:
        config = super().get_config()
        config["rms_scaling"] = self.rms_scaling
        return config


class GroupNormalization(_Affine):
    """Normalises channel groups per sample: channels split into ``groups``, each normalised over
    its channels and all spatial positions, then ``gamma``/``beta`` per channel.

    Args:
        groups: number of groups; must divide the channels. Defaults to ``32``.
        axis: the channel axis. Defaults to ``-1``.
        epsilon: Defaults to ``1e-3``.
        center, scale, initializers, regularizers, constraints: as :class:`BatchNormalization`.

    Shape:
        Weights ``gamma (channels,)``, ``beta (channels,)``.

    Source: Wu & He, "Group Normalization" (2018).
    """

    _float32_compute = True  # mixed precision: computed in float32, output cast to float16 (as Keras 3)

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, **kwargs):
        super().__init__(axis, epsilon, center, scale, **kwargs)
        self.groups = int(groups)

    def build(self, input_shape):
        axis = self._axes(len(input_shape))[0]
        channels = input_shape[axis]
        if channels is None or channels % self.groups:
            raise ValueError(f"GroupNormalization '{self.name}': groups={self.groups} must divide the {channels} "
                             f"channels on axis {axis}. Received: input shape {tuple(input_shape)}")  # fmt: skip
        self._channel_axis = axis
        self._make_affine((channels,))
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: channels})

    def call(self, inputs):
        x = ops.moveaxis(inputs, self._channel_axis, -1) if self._channel_axis != inputs.ndim - 1 else inputs
        shape = x.shape
        grouped = ops.reshape(x, (*shape[:-1], self.groups, shape[-1] // self.groups))
        axes = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
        mean, variance = ops.moments(grouped, axes, keepdims=True)
        y = ops.reshape((grouped - mean) * ops.rsqrt(variance + self.epsilon), shape)
        if self.gamma is not None:
            y = y * self.gamma
        if self.beta is not None:
            y = y + self.beta
        return ops.moveaxis(y, -1, self._channel_axis) if self._channel_axis != inputs.ndim - 1 else y

    def get_config(self) -> dict:
        config = super().get_config()
        config["groups"] = self.groups
        return config


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over ``axis``: ``y = x / sqrt(max(sum(x**2), 1e-12))``.

    Args:
        axis: int or list of ints. Defaults to ``-1``.
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return inputs * ops.rsqrt(ops.maximum(ops.sum(ops.square(inputs), axis=axis, keepdims=True), 1e-12))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config
