"""``Model``: a layer that can be trained (``compile``/``fit``), summarised and saved.

Subclass it and write ``call()`` (PyTorch/Keras subclassing), or use
:class:`~ember.models.Sequential`. ``Model(inputs, outputs)`` builds a
functional model when :mod:`ember.models.functional` is available.
"""

from __future__ import annotations

from ember.layers.layer import Layer
from ember.models.summary import summary_lines, trainable_flags
from ember.models.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable layer graph with Keras's ``compile``/``fit``/``evaluate``/``predict``.

    Args:
        name: model name. Defaults to ``'model'``, made unique (``'sequential'`` for Sequential).
        **kwargs: base :class:`~ember.layers.Layer` arguments.

    Example:
        >>> import ember
        >>> class TwoLayer(ember.models.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = ember.layers.Dense(4, activation="relu")
        ...         self.out = ember.layers.Dense(1)
        ...     def call(self, x):
        ...         return self.out(self.hidden(x))
        >>> TwoLayer()(ember.ops.ones((2, 3))).shape
        (2, 1)
    """

    _reads_strings = True  # string inputs are this layer's business (see layer_dtype.refuse_text)

    def __new__(cls, *args, **kwargs):
        if cls is Model and ("inputs" in kwargs or len(args) >= 2):
            from ember.models.functional import Functional

            # Python then runs Functional.__init__ once with the same arguments.
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        super().__init__(**kwargs)
        self.history = None

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode: bool = True):
        """Rebuild a model from :meth:`get_config`. ``keras.Model.from_config`` of a functional model's config
        (``layers``/``input_layers``/``output_layers``) gives the functional model, as in Keras 3; otherwise
        ``cls(**config)``.
        """
        if cls is Model and isinstance(config, dict) and {"layers", "input_layers", "output_layers"} <= set(config):
            from ember.models.functional import Functional

            return Functional.from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
        return cls(**config)

    def build(self, input_shape=None) -> None:
        """Create a subclassed model's weights by running ``call`` once on zeros of ``input_shape`` (Keras 3).

        Args:
            input_shape: shape with the batch axis first (``None`` allowed), or a list of shapes.
                Defaults to ``None`` (only mark the model built).
        """
        if input_shape is None:
            return
        from ember.autograd import no_grad
        from ember.layers.layer import _accepts
        from ember.layers.layer_helpers import _is_shape_list, _replace_none
        from ember.ops import zeros

        shape = _replace_none(input_shape)
        x = [zeros(s) for s in shape] if _is_shape_list(shape) else zeros(shape)
        self.built = True  # so that the call below does not come back here
        try:
            with no_grad():
                self.call(x, training=False) if _accepts(type(self), "training") else self.call(x)
        except Exception:
            self.built = False
            raise
        self._clear_losses()

    @property
    def input(self):
        """The input KerasTensor (a list for several inputs) of a functional or built Sequential model."""
        if not _has_graph(self):  # a subclassed model called on an Input: its node's input, as for any layer
            return Layer.input.fget(self)
        inputs = self.inputs
        return inputs[0] if len(inputs) == 1 else inputs

    @property
    def output(self):
        """The output KerasTensor (a list for several outputs) of a functional or built Sequential model."""
        if not _has_graph(self):
            return Layer.output.fget(self)
        outputs = self.outputs
        return outputs[0] if len(outputs) == 1 else outputs

    @property
    def input_shape(self):
        """Shape of :attr:`input` (batch axis ``None``), a list for several inputs (Keras 3)."""
        inp = self.input
        return [t.shape for t in inp] if isinstance(inp, list) else inp.shape

    @property
    def output_shape(self):
        """Shape of :attr:`output` (batch axis ``None``), a list for several outputs (Keras 3)."""
        out = self.output
        return [t.shape for t in out] if isinstance(out, list) else out.shape

    @property
    def layers(self) -> list[Layer]:
        """The directly tracked sub-layers, in creation order."""
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Find a sub-layer by ``name`` or by ``index``.

        Raises:
            ValueError: if no layer matches, listing the available names.
        """
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[lay.name for lay in self.layers]}")

    def _summary_rows(self):
        return [(f"{layer.name} ({type(layer).__name__})", getattr(layer, "_built_output_shape", None),
                 layer.count_params()) for layer in self.layers]  # fmt: skip

    def summary(self, line_length: int | None = None, print_fn=None, show_trainable: bool = False) -> None:
        """Print the Keras-style table: layer (type), output shape, parameter count, then totals.

        Args:
            line_length: table width. Defaults to ``75`` (``108`` for graphs shown with "Connected to"),
                ``12`` more with ``show_trainable``.
            print_fn: called with each line. Defaults to ``print``.
            show_trainable: add Keras's "Trainable" column: ``Y``/``N`` (``layer.trainable``) for a
                layer with weights, ``-`` for one without. Defaults to ``False``.
        """
        print_fn = print_fn or print
        flags = trainable_flags(self.layers) if show_trainable else None
        for line in summary_lines(self, self._summary_rows(), line_length, trainable=flags):
            print_fn(line)

    def save(self, filepath, overwrite: bool = True) -> None:
        """Save architecture, compile config, weights and optimizer state to a Keras 3 ``.keras`` zip, atomically.

        The file opens in Keras 3 (``keras.saving.load_model``) and in ember (docs/keras_files.md).

        Raises:
            ValueError: if ``filepath`` does not end in ``.keras``.
        """
        from ember.saving import model_file

        model_file.save_model(self, filepath, overwrite=overwrite)

    def export(self, filepath, format: str = "onnx", opset: int | None = None, dynamic_batch: bool = True,
               input_signature=None):  # fmt: skip
        """Export for inference (Keras 3's name). ``format="onnx"`` writes an ONNX file checked by onnx.checker.

        See :func:`ember.interop.onnx.export` for the arguments; needs ``pip install 'ember[onnx]'``.

        Raises:
            NotImplementedError: for a format other than ``"onnx"`` (e.g. ``"tf_saved_model"``).
        """
        if format != "onnx":
            raise NotImplementedError(f"Model.export: ember writes format='onnx' only. Received: format={format!r}")
        from ember.interop.onnx import export

        return export(self, filepath, input_signature=input_signature, opset=opset, dynamic_batch=dynamic_batch)

    def to_json(self, **kwargs) -> str:
        """The architecture as a JSON string (no weights); rebuild it with :func:`ember.models.model_from_json`."""
        import json

        from ember._version import __version__
        from ember.utils.serialization import serialize_object

        return json.dumps({**serialize_object(self), "ember_version": __version__}, **kwargs)

    def _save_training_state(self, filepath, next_epoch: int) -> None:
        from ember.saving import training_state

        training_state.save_training_state(self, filepath, next_epoch)

    def _load_training_state(self, filepath) -> int:
        from ember.saving import training_state

        return training_state.load_training_state(self, filepath)

    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        """Write all weights, atomically: ``.weights.h5`` in Keras 3's layout, any other name as safetensors.

        See :mod:`ember.saving.weights_file`.
        """
        from ember.saving import weights_file

        weights_file.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str) -> None:
        """Load weights from ``.weights.h5`` (Keras 3 or Keras 2), a ``.keras`` archive or ember's safetensors.

        Every count and shape is checked first; on any error the model is unchanged.
        """
        from ember.saving import weights_file

        weights_file.load_weights(self, filepath)


def _has_graph(model) -> bool:
    """Whether the model has its own ``inputs``/``outputs`` (functional, Sequential) rather than only nodes."""
    return "inputs" in model.__dict__ or isinstance(getattr(type(model), "inputs", None), property)
