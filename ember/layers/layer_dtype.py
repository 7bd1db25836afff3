"""A layer's dtype policy (Keras 3): ``dtype_policy``, ``compute_dtype``, ``variable_dtype`` and the
mixed-precision call.

Under ``'mixed_float16'`` a layer keeps float32 weights and, while it runs, casts its floating inputs
and (through :mod:`ember.autograd.autocast`) its weights to float16, so its outputs are float16.
Numerically sensitive layers (``_float32_compute = True``: BatchNormalization, LayerNormalization,
GroupNormalization, Softmax) compute in float32 from float32 weights and cast their outputs to the compute dtype, as
Keras's do (``autocast=False`` weights and an upcast in ``call``).
Source: keras/src/layers/layer.py (``__call__``, ``_maybe_autocast``).
"""

from __future__ import annotations

from ember.autograd.autocast import autocast_scope
from ember.backend import config
from ember.backend import dtype_policy as policies

_FLOAT_BYTES = {"float16": 2, "float32": 4, "float64": 8}


def resolve_policy(layer, dtype, autocast=True) -> None:
    """Set ``layer._dtype_policy``, ``layer.dtype`` (the weights' dtype or None) and ``layer._autocast``.

    ``autocast=False`` (Keras's Layer argument): the layer casts neither its inputs nor its weights.
    """
    policy = policies.get(dtype)
    layer._dtype_policy = policy
    layer.dtype = policy.variable_dtype if (dtype is not None or policy.is_mixed) else None
    layer._autocast = policy.compute_dtype if policy.is_mixed and autocast else None
    if not autocast:
        layer._no_autocast = True


def _cast_floats(value, dtype, lower_only=False):
    """``value`` (a Tensor or array, or a list/tuple/dict of them) with its float ones of another dtype cast.

    ``lower_only``: cast only floats narrower than ``dtype`` (float16 up to float32, never float64 down).
    """
    array_dtype = getattr(value, "dtype", None)  # Tensor.dtype, not .data: a traced step may not read values
    if array_dtype is not None and not isinstance(value, (list, tuple, dict)):
        if getattr(array_dtype, "kind", None) == "f" and array_dtype != dtype:
            if lower_only and array_dtype.itemsize >= _FLOAT_BYTES[dtype]:
                return value
            from ember import ops

            return ops.cast(value, dtype)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_floats(v, dtype, lower_only) for v in value)
    if isinstance(value, dict):
        return {k: _cast_floats(v, dtype, lower_only) for k, v in value.items()}
    return value


def refuse_text(layer, inputs) -> None:
    """TypeError when string inputs (``U``/``S``/object Tensor) reach a layer that does math on numbers.

    Only layers with ``_reads_strings = True`` (TextVectorization, StringLookup, Hashing, Lambda, Identity,
    models) take text; anything else would fail deep inside a kernel, or not at all.
    """
    kind = getattr(getattr(inputs, "dtype", None), "kind", None)
    if kind in ("U", "S", "O") and not getattr(type(layer), "_reads_strings", False):
        raise TypeError(f"{type(layer).__name__} '{layer.name}': expected numeric inputs (float, int or bool); "
                        f"only text layers (TextVectorization, StringLookup, Hashing) read strings. "
                        f"Received: inputs of dtype={inputs.dtype}")  # fmt: skip


def autocast_inputs(layer, inputs, args, kwargs):
    """Keras's input autocast outside mixed precision: ``(inputs, args, kwargs)`` with float tensors cast.

    A layer made with a float ``dtype=`` casts every floating tensor argument (not ``mask``) to its
    ``compute_dtype``, as Keras 3 does (``DTypePolicy.convert_input``, called from ``Layer.__call__``):
    ``Dense(2, dtype="float16")`` on float32 inputs computes in float16. A layer made without a dtype
    (ember's dtype-agnostic default, so float64 gradient checks keep float64) casts only narrower floats
    (float16) up to ``floatx()``, which is what Keras does to them. ``autocast=False``: nothing is cast.
    """
    if layer.__dict__.get("_no_autocast"):
        return inputs, args, kwargs
    lower_only = layer.dtype is None
    dtype = config.floatx() if lower_only else layer.dtype_policy.compute_dtype
    if dtype not in _FLOAT_BYTES:
        return inputs, args, kwargs
    if not args and not kwargs and getattr(inputs, "dtype", None) == dtype:  # the common case, cheaply
        return inputs, args, kwargs
    inputs, args = _cast_floats(inputs, dtype, lower_only), _cast_floats(args, dtype, lower_only)
    kwargs = {k: v if k == "mask" else _cast_floats(v, dtype, lower_only) for k, v in kwargs.items()}
    return inputs, args, kwargs


def call_with_policy(layer, inputs, args, kwargs):
    """``layer.call`` under its policy, inside or below a mixed-precision layer (see the module docstring)."""
    target = layer.__dict__.get("_autocast")  # None: a float32/float64 layer, possibly inside a mixed model
    if layer.__dict__.get("_no_autocast"):  # autocast=False: inputs as given, the enclosing scope unchanged
        return layer.call(inputs, *args, **kwargs)
    if getattr(type(layer), "_float32_compute", False):
        with autocast_scope(None):
            outputs = layer.call(_cast_floats(inputs, "float32"), *_cast_floats(args, "float32"), **kwargs)
        return outputs if target is None else _cast_floats(outputs, target)
    dtype = target or layer.dtype_policy.compute_dtype  # a float32 layer inside a mixed one: cast to float32
    inputs, args = _cast_floats(inputs, dtype), _cast_floats(args, dtype)  # Keras casts every float tensor arg
    kwargs = {k: v if k == "mask" else _cast_floats(v, dtype) for k, v in kwargs.items()}
    with autocast_scope(target):
        return layer.call(inputs, *args, **kwargs)


class DTypeMixin:
    """The dtype-policy properties of :class:`~ember.layers.Layer` (Keras 3's names)."""

    @property
    def dtype_policy(self) -> policies.DTypePolicy:
        """The layer's :class:`~ember.mixed_precision.DTypePolicy`."""
        policy = self.__dict__.get("_dtype_policy")
        return policy if policy is not None else policies.get(self.dtype)

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's math and outputs (``'float16'`` under ``'mixed_float16'``)."""
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights (``'float32'`` under ``'mixed_float16'``)."""
        return self.dtype_policy.variable_dtype

    def _sublayer_dtype(self):
        """The ``dtype=`` for the sublayers this layer creates itself (Keras passes ``dtype=self.dtype_policy``).

        ``None`` when the layer was made without a dtype and no mixed policy: its sublayers stay dtype-agnostic.
        Wrappers (``Bidirectional``, ``TimeDistributed``) do not use it: their wrapped layer is the user's, as in Keras.
        """
        return None if self.dtype is None else self.dtype_policy.name
