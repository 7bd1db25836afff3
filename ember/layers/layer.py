"""The Layer contract (Keras 3): ``__init__`` stores config, ``build`` makes weights, ``call`` computes.

A layer owns weights (:class:`~ember.autograd.Variable`) and calls stateless
functions from :mod:`ember.ops`. It builds lazily on its first call, from the
input's shape, and then checks every input against its ``input_spec``.
Source: keras/src/layers/layer.py (v3), reduced to what ember needs.
"""

from __future__ import annotations

from ember import initializers
from ember.autograd import Tensor, Variable, no_grad
from ember.autograd.function import _AUTOCAST
from ember.backend.config import floatx
from ember.layers.input_spec import InputSpec, check_input
from ember.layers.layer_dtype import DTypeMixin, autocast_inputs, call_with_policy, refuse_text, resolve_policy
from ember.layers.layer_helpers import (  # noqa: F401 (to_snake_case, unique_name: re-exported)
    WeightAllocationError,
    _accepts,
    _as_tensors,
    _build_wrapper,
    _is_shape_list,
    _is_symbolic,
    _makes_masks,
    _record_masks,
    _replace_none,
    _shapes,
    _tag_layer_call,
    add_activity_loss,
    check_keras_only_arguments,
    input_shape_batch,
    layer_input,
    layer_output,
    output_shape_without_building,
    to_snake_case,
    unique_name,
)
from ember.layers.masking_state import _MASKS, get_mask

_BASE_KWARGS = {"name", "trainable", "dtype", "input_shape", "input_dim", "batch_input_shape", "batch_size",
                "activity_regularizer", "autocast"}  # fmt: skip


_UNSET = object()
_DEPTH = [0]  # how many Layer.__call__ are running: 0 means the next call is a top-level one
_LOSSES_ADDED = [False]  # whether any add_loss ran in this process (else no layer has losses to clear)


class Layer(DTypeMixin):
    """Base class of all layers.

    Masks: a layer whose ``call`` takes ``mask`` receives the mask of its input when
    the caller passes none (see :mod:`ember.layers.masking_state`); a layer with
    ``supports_masking = True`` gives its output the mask ``compute_mask(inputs, mask)``.

    Args:
        name: layer name. Defaults to the snake-case class name, made unique.
        trainable: whether its weights are updated by training. Defaults to ``True``.
        dtype: a dtype policy: ``'float32'``, ``'float64'``, ``'mixed_float16'`` (float32 weights,
            float16 math; see :mod:`ember.mixed_precision`) or a DTypePolicy. Defaults to the global policy.
        input_shape: (Keras 2 style, first layer of a ``Sequential``) the
            input shape without the batch axis.
        input_dim: (Keras 2 style) shorthand for ``input_shape=(input_dim,)``.

    Raises:
        TypeError: for keyword arguments the layer does not know.
    """

    supports_masking = False

    def __init_subclass__(cls, **kwargs):
        # Keras 3 wraps every subclass's ``build`` so that calling it directly marks the layer
        # built (issue 16): without this a user's build() + set_weights() is undone by the first call.
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_marks_built", False):
            cls.build = _build_wrapper(build)

    def __init__(self, **kwargs):
        unknown = check_keras_only_arguments(type(self), {k: kwargs[k] for k in set(kwargs) - _BASE_KWARGS})
        if unknown:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {sorted(unknown)}"
            )
        object.__setattr__(self, "_layers", [])
        self.name = kwargs.get("name") or unique_name(to_snake_case(type(self).__name__))
        self._trainable = kwargs.get("trainable", True)
        resolve_policy(self, kwargs.get("dtype") or None, kwargs.get("autocast", True))  # mixed precision
        if kwargs.get("activity_regularizer") is not None:  # Keras 3: every layer takes one (added in __call__)
            from ember.layers.serialization import deserialize

            self.activity_regularizer = deserialize("regularizer", kwargs["activity_regularizer"])
        self.built = False
        self.input_spec: InputSpec | None = None
        self._weights: list[Variable] = []
        self._losses: list = []
        self._build_shape = None
        shape = kwargs.get("input_shape")
        if kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
        if kwargs.get("batch_input_shape") is not None:
            shape = tuple(kwargs["batch_input_shape"])[1:]
        self._input_shape_arg = None if shape is None else (None,) + tuple(shape)

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_outer":
            layers = self.__dict__.get("_layers")
            if layers is not None and value not in layers:
                layers.append(value)
        object.__setattr__(self, name, value)

    @property
    def trainable(self) -> bool:
        """Whether training updates this layer's weights (freezing: set ``False``)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._flatten_layers():
            if layer is not self:
                layer._trainable = bool(value)
        for w in self.weights:
            w.requires_grad = bool(value) and w.trainable and w.data.dtype.kind == "f"

    def _flatten_layers(self):
        """This layer and every nested layer, depth first, each once."""
        seen, stack, out = set(), [self], []
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._layers))
        return out

    # ------------------------------------------------------------------ weights
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        regularizer=None,
        constraint=None,
        name: str | None = None,
    ) -> Variable:
        """Create a weight owned by this layer.

        Args:
            shape: weight shape. Defaults to ``()``.
            initializer: name or callable. Defaults to ``'glorot_uniform'`` for
                float weights (Keras's default).
            dtype: defaults to the layer dtype.
            trainable: updated by optimizers. Defaults to ``True``.
            regularizer: callable ``w -> scalar Tensor`` added to the loss.
            constraint: callable applied to the weight after each update.
            name: weight name, e.g. ``'kernel'``.

        Returns:
            The new :class:`~ember.autograd.Variable`.
        """
        from ember.layers.serialization import deserialize

        shape = tuple(() if shape is None else shape)
        init = deserialize("initializer", initializer if initializer is not None else "glorot_uniform")
        regularizer, constraint = deserialize("regularizer", regularizer), deserialize("constraint", constraint)
        try:
            value = init(shape, dtype=dtype or self.dtype)
        except MemoryError as error:  # e.g. a config asking for a (333333333333, 6) kernel: say which weight
            raise WeightAllocationError(f"{type(self).__name__} '{self.name}': cannot allocate weight '{name}' of "
                                        f"shape {shape}. Received: {error}") from None
        var = Variable(value, name=name or f"variable_{len(self._weights)}", trainable=trainable)
        var.path = f"{self.name}/{var.name}"
        var.regularizer, var.constraint = regularizer, constraint
        if not self._trainable:
            var.requires_grad = False
        self._weights.append(var)
        return var

    @property
    def weights(self) -> list[Variable]:
        """All weights, this layer's first, then nested layers' (Keras order)."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            for w in layer._weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def trainable_weights(self) -> list[Variable]:
        """Weights that training updates: trainable weights of trainable layers (a frozen sub-layer's excluded)."""
        if not self.trainable:
            return []
        layers = self._flatten_layers()  # one walk of the layer tree (train_step asks every step, issue 6)
        ids = {id(w) for layer in layers if layer.trainable for w in layer._weights if w.trainable}
        out, seen = [], set()
        for layer in layers:  # the order of `weights`
            for w in layer._weights:
                if id(w) in ids and id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """Every weight not in :attr:`trainable_weights` (frozen layers, BatchNormalization statistics)."""
        ids = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in ids]

    @property
    def trainable_variables(self) -> list[Variable]:
        """Alias of :attr:`trainable_weights`."""
        return self.trainable_weights

    @property
    def variables(self) -> list[Variable]:
        """Alias of :attr:`weights`."""
        return self.weights

    def get_weights(self) -> list:
        """The weights' values as NumPy arrays, in :attr:`weights` order."""
        return [w.numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set weight values from a list of arrays, in :attr:`weights` order.

        Raises:
            ValueError: when the count or any shape differs, listing expected and received shapes.
        """
        params = self.weights
        expected = [tuple(w.shape) for w in params]
        received = [tuple(getattr(w, "shape", ())) for w in weights]
        if expected != received:
            raise ValueError(
                f"Layer '{self.name}' set_weights: expected {len(expected)} arrays with shapes {expected}. "
                f"Received: {len(received)} arrays with shapes {received}"
            )
        for var, value in zip(params, weights, strict=True):
            var.assign(value.data if isinstance(value, Tensor) else value)

    def count_params(self) -> int:
        """Total number of scalars in all weights."""
        return int(sum(w.size for w in self.weights))

    # ------------------------------------------------------------------ losses
    def add_loss(self, loss) -> None:
        """Add a scalar loss term (e.g. an activity regularizer) for the current forward pass."""
        _LOSSES_ADDED[0] = True
        self._losses.append(loss)

    @property
    def losses(self) -> list:
        """Scalar losses added during the last forward pass plus weight regularization terms."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
            out.extend(w.regularizer(w) for w in layer._weights if w.regularizer is not None)
        return out

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers():
            layer._losses = []

    # ------------------------------------------------------------------ build and call
    def build(self, input_shape) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis first, may be None).

        Subclasses override it; the override is wrapped (``__init_subclass__``) so that, as in
        Keras 3, calling ``build`` directly marks the layer built and a second call does nothing.
        """
        self.built = True

    def _maybe_build(self, input_shape) -> None:
        if not self.built:
            self._build_shape = input_shape
            self.build(input_shape)
            self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation. Subclasses override it."""
        return inputs

    def __call__(self, inputs, *args, **kwargs):
        # NOTE: the hot path of every forward pass; keep per-call work to dict lookups and isinstance checks
        # (the W6 CNN b1 forward spent ~40 of 240 us here: see benchmarks/RESULTS.md, "Layer.__call__").
        if isinstance(inputs, Tensor):
            if inputs.dtype.kind in "USO":  # text: refuse_text raises unless the layer reads strings
                refuse_text(self, inputs)
        else:
            if _is_symbolic(inputs):
                from ember.layers.input_layer import symbolic_call

                return symbolic_call(self, inputs, *args, **kwargs)
            inputs = _as_tensors(inputs)
            refuse_text(self, inputs)
        if not self.built:
            self._maybe_build(_shapes(inputs))
        if self.input_spec is not None:
            check_input(self, inputs)
        cls = type(self)
        mask = _UNSET
        if kwargs:
            if "training" in kwargs and not _accepts(cls, "training"):
                del kwargs["training"]
            mask = kwargs.pop("mask", _UNSET)
        if mask is _UNSET:
            mask = get_mask(inputs) if _MASKS else None
        if mask is not None and _accepts(cls, "mask"):
            kwargs["mask"] = mask
        if _DEPTH[0] == 0 and _LOSSES_ADDED[0]:  # a top-level call starts a new forward pass: drop the
            self._clear_losses()  # losses of the last one (Keras 3); none to drop before any add_loss
        _DEPTH[0] += 1
        try:
            if self.__dict__.get("_autocast") is None and _AUTOCAST[0] is None:
                if args or kwargs or self.dtype is not None or getattr(inputs, "dtype", None) != floatx():
                    inputs, args, kwargs = autocast_inputs(self, inputs, args, kwargs)
                outputs = self.call(inputs, *args, **kwargs)
            else:
                outputs = call_with_policy(self, inputs, args, kwargs)
        finally:
            _DEPTH[0] -= 1
        if outputs.__class__ is Tensor:  # _tag_layer_call's one-output case, inlined
            if outputs._ctx is not None and outputs is not inputs:
                _tag_layer_call(self, inputs, outputs)
        else:
            _tag_layer_call(self, inputs, outputs)
        if self.__dict__.get("activity_regularizer") is not None:
            add_activity_loss(self, outputs)
        if self.supports_masking and (mask is not None or _makes_masks(cls)):
            _record_masks(outputs, self.compute_mask(inputs, mask))
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The mask of the output, given the input and its mask (``(batch, timesteps)`` bool, or ``None``).

        The default passes ``mask`` through when :attr:`supports_masking`, and drops it otherwise.
        """
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (batch axis may be None).

        The default runs the layer on zeros with a batch of 1, without recording; an unbuilt
        layer is run as a copy, so that, as in Keras, asking for a shape creates no weights.
        """
        if not self.built:
            return output_shape_without_building(self, input_shape)
        zeros = initializers.Zeros()
        batched = _replace_none(input_shape)
        with no_grad():
            if _is_shape_list(batched):
                out = self([Tensor(zeros(s)) for s in batched], training=False)
            else:
                out = self(Tensor(zeros(batched)), training=False)
        if isinstance(out, (list, tuple)):
            return [(input_shape_batch(input_shape),) + tuple(o.shape[1:]) for o in out]
        return (input_shape_batch(input_shape),) + tuple(out.shape[1:])

    input = property(layer_input, doc="Input KerasTensor of the layer's only symbolic call (Keras's `layer.input`).")
    output = property(layer_output, doc="Output KerasTensor of the layer's only symbolic call (`layer.output`).")

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """The constructor arguments that rebuild this layer (weights excluded)."""
        config = {"name": self.name, "trainable": self.trainable}
        if self.dtype is not None:
            policy = self.__dict__.get("_dtype_policy")
            config["dtype"] = policy.name if policy is not None and policy.is_mixed else self.dtype
        if self.__dict__.get("activity_regularizer") is not None:
            from ember.layers.serialization import serialize

            config["activity_regularizer"] = serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild a layer from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
