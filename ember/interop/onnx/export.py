"""``ember.interop.onnx.export``: an ember model written as an ONNX graph, checked by ``onnx.checker``.

How it works: the exporter replays the model on a small sample batch (batch 2, static non-batch shapes). At each
layer call it runs the layer on the sample (which gives every tensor's shape and Keras mask) and asks the layer's
converter (``export_core``, ``export_conv``, ``export_norm``, ``export_rnn``, ``export_attention``) to write the
equivalent ONNX nodes. Graphs are channels-last like the model; convolutions are wrapped in Transposes because
ONNX's ``Conv`` is channels-first. The batch axis is a symbolic dimension ``"batch"`` unless
``dynamic_batch=False``. Graph inputs are named after the model's inputs, outputs after the layers that make them.

Source: the ONNX operator specification (https://onnx.ai/onnx/operators/); keras/src/export/onnx.py and
tf2onnx's Keras handlers for the layer-by-layer mapping.
"""

from __future__ import annotations

import numpy as np

from ember.interop.onnx.export_builder import ExportError, GraphBuilder
from ember.interop.onnx.export_registry import LayerCall, lookup, unsupported
from ember.layers.masking_state import get_mask
from ember.models.functional import Functional
from ember.models.graph import flatten_tensors, map_structure
from ember.models.sequential import Sequential

DEFAULT_OPSET = 17  # LayerNormalization is an ONNX op from 17; onnxruntime (server and web) runs 17 everywhere
MIN_OPSET = 13  # Squeeze/Unsqueeze/ReduceSum axes as inputs, Softmax on one axis
_SAMPLE_BATCH = 2
_MASK_USERS = ("MultiHeadAttention", "TransformerEncoder", "TransformerDecoder")


def _load_converters() -> None:
    from ember.interop.onnx import (  # noqa: F401 - importing registers the converters
        export_attention,
        export_conv,
        export_core,
        export_norm,
        export_rnn,
        export_shape,
        export_spatial,
    )


def resolve_opset(opset) -> int:
    """``opset`` checked against what the installed ``onnx`` knows (``None`` -> :data:`DEFAULT_OPSET`).

    Raises:
        ValueError: for an opset below 13 or above the installed onnx's newest.
    """
    import onnx

    newest = onnx.defs.onnx_opset_version()
    if opset is None:
        return min(DEFAULT_OPSET, newest)
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= newest:
        raise ValueError(f"ONNX export: opset must be an int from {MIN_OPSET} to {newest} (the installed onnx's "
                         f"newest). Received: opset={opset!r}")  # fmt: skip
    return opset


# ---------------------------------------------------------------------------------------------- model inputs
def _signature_shapes(input_signature) -> list[tuple]:
    items = input_signature if isinstance(input_signature, list) else [input_signature]
    if isinstance(input_signature, tuple) and all(d is None or isinstance(d, int) for d in input_signature):
        items = [input_signature]
    return [tuple(getattr(s, "shape", s)) for s in items]


def input_specs(model, input_signature=None) -> list[tuple[str, tuple, str]]:
    """``[(name, shape with batch axis, dtype)]`` of the model's inputs.

    Raises:
        ExportError: for an unbuilt model without ``input_signature``, a subclassed model, or an input with an
            unknown (``None``) non-batch dimension.
    """
    if isinstance(model, Functional):
        specs = [(t.name or f"input_{i}", tuple(t.shape), str(t.dtype)) for i, t in enumerate(model.inputs)]
    elif isinstance(model, Sequential):
        if not model.built or model._input_shape is None:
            if input_signature is None:
                raise ExportError(f"ONNX export: model '{model.name}' is not built, so its input shape is unknown. "
                                  "Call the model on a batch first (or give it an Input), or pass "
                                  "input_signature=(None, *feature_shape)")  # fmt: skip
            model.build(_signature_shapes(input_signature)[0])
        first = model.layers[0] if model.layers else None
        integer = type(first).__name__ in ("Embedding", "TokenAndPositionEmbedding")
        name = f"{first.name}_input" if first is not None else "input"
        specs = [(name, tuple(model._input_shape), "int64" if integer else _floatx())]
    else:
        raise ExportError(f"ONNX export: model '{model.name}' is a subclassed {type(model).__name__} whose call() "
                          "is Python code the exporter cannot read. Export a Sequential or functional model "
                          "(ember.Model(inputs, outputs)) built from the same layers")  # fmt: skip
    if input_signature is not None and isinstance(model, Functional):
        given = _signature_shapes(input_signature)
        if [s[1:] for s in given] != [s[1][1:] for s in specs]:
            raise ExportError(f"ONNX export: input_signature shapes {given} do not match model '{model.name}''s "
                              f"inputs {[s[1] for s in specs]}")  # fmt: skip
    for name, shape, _ in specs:
        if any(d is None for d in shape[1:]):
            raise ExportError(f"ONNX export: input '{name}' of model '{model.name}' has shape {shape}; every axis "
                              "but the batch must be known. Build the model with static shapes (e.g. "
                              "Input(shape=(20, 8))) before exporting")  # fmt: skip
    return specs


def _floatx() -> str:
    from ember.backend.config import floatx

    return floatx()


def _sample(shape, dtype):
    from ember.autograd.tensor import Tensor

    shape = (shape[0] or _SAMPLE_BATCH,) + tuple(shape[1:])
    kind = np.dtype(dtype).kind
    # ones, not zeros: a zero token is masked by Embedding(mask_zero=True), and an all-masked sample divides 0 by 0
    return Tensor(np.ones(shape, dtype=dtype) if kind in "iub" else np.full(shape, 0.5, dtype=dtype))


# ---------------------------------------------------------------------------------------------- the walk
class Walker:
    """Replays models layer by layer, emitting ONNX nodes (see the module docstring)."""

    def __init__(self, builder: GraphBuilder):
        self.b = builder

    def call_layer(self, layer, inbound, args=(), kwargs=None):
        """Run and convert one layer call.

        ``inbound``/``args``/``kwargs`` hold ``(onnx_name, sample_tensor, onnx_mask)`` triples where the call
        has tensors. Returns the outputs as triples, in the structure the layer returns.
        """
        kwargs = dict(kwargs or {})
        is_triple = _is_triple
        if isinstance(layer, (Sequential, Functional)):  # a nested model: replay its own layers
            if kwargs:
                raise unsupported(layer, f"a nested model called with arguments {sorted(kwargs)} is not exported")
            outs = self.model(layer, _flatten((inbound, list(args)), is_triple))
            return outs[0] if len(outs) == 1 else outs
        if lookup(layer) is None:
            raise unsupported(layer, "no ONNX converter exists for this layer type (it has random or Python-defined "
                                     "behaviour, or no ONNX equivalent)")  # fmt: skip
        if getattr(layer, "stateful", False):  # refused before the sample run would advance its state
            raise unsupported(layer, "stateful=True keeps state between calls, which an ONNX graph cannot")
        values = _map(lambda t: t[1], (inbound, list(args), kwargs), is_triple)
        v_in, v_args, v_kwargs = values
        v_kwargs.setdefault("training", False)
        out = layer(v_in, *v_args, **v_kwargs)
        flat = _flatten((inbound, list(args)), is_triple)
        call = LayerCall(inputs=[t[0] for t in flat], shapes=[tuple(t[1].shape) for t in flat],
                         masks=[t[2] for t in flat], values=[t[1] for t in flat])  # fmt: skip
        for key, value in kwargs.items():
            if is_triple(value):
                call.tensor_kwargs[key] = len(call.inputs)
                call.inputs.append(value[0])
                call.shapes.append(tuple(value[1].shape))
                call.masks.append(value[2])
                call.values.append(value[1])
            elif key != "training":
                call.kwargs[key] = value
        return self._convert(layer, call, out)

    def _convert(self, layer, call, out):
        fn, reads_masks = lookup(layer)
        if any(m is not None for m in call.masks) and not reads_masks and _uses_masks(layer):
            raise unsupported(layer, "it receives a Keras mask (from Embedding(mask_zero=True) or Masking) and its "
                                     "converter cannot express masks in ONNX")  # fmt: skip
        names = fn(self.b, layer, call)
        outs = out if isinstance(out, (list, tuple)) else [out]
        if len(names) != len(outs):
            raise AssertionError(f"converter of {type(layer).__name__} returned {len(names)} outputs for {len(outs)}")
        masks = call.out_masks or [None] * len(outs)
        for i, value in enumerate(outs):
            if get_mask(value) is not None and masks[i] is None:
                masks[i] = self._passed_mask(layer, call)
        triples = [(n, v, m) for n, v, m in zip(names, outs, masks, strict=True)]
        return type(out)(triples) if isinstance(out, (list, tuple)) else triples[0]

    def _passed_mask(self, layer, call):
        from ember.layers.layer import Layer

        given = [m for m in call.masks if m is not None]
        if type(layer).compute_mask is Layer.compute_mask and len(set(given)) == 1:
            return given[0]
        if getattr(layer, "return_sequences", False) and given:
            return given[0]
        raise unsupported(layer, "it passes on a Keras mask that the exporter cannot compute in ONNX")

    # ------------------------------------------------------------------ models
    def model(self, model, inputs: list):
        """Convert ``model`` applied to ``inputs`` (triples); returns output triples (a list)."""
        if isinstance(model, Sequential):
            x = inputs[0] if len(inputs) == 1 else inputs
            for layer in model.layers:
                x = self.call_layer(layer, x)
            return x if isinstance(x, list) else [x]
        if isinstance(model, Functional):
            return self._functional(model, inputs)
        raise ExportError(f"ONNX export: nested model '{model.name}' is a subclassed {type(model).__name__}; only "
                          "Sequential and functional models can be exported")  # fmt: skip

    def _functional(self, model, inputs):
        if len(inputs) != len(model.inputs):
            raise ExportError(f"ONNX export: model '{model.name}' expects {len(model.inputs)} inputs. "
                              f"Received: {len(inputs)}")  # fmt: skip
        known = {id(t): x for t, x in zip(model.inputs, inputs, strict=True)}
        for node in model._nodes:

            def value(t):
                return known[id(t)]

            kwargs = {k: v for k, v in node.kwargs.items() if k != "training"}
            out = self.call_layer(node.layer, map_structure(value, node.inbound),
                                  map_structure(value, list(node.args)), map_structure(value, kwargs))  # fmt: skip
            for t, index in node.outputs:
                known[id(t)] = out if index is None else out[index]
        return [known[id(t)] for t in model.outputs]


def _uses_masks(layer) -> bool:
    import inspect

    return "mask" in inspect.signature(type(layer).call).parameters or type(layer).__name__ in _MASK_USERS


def _is_triple(x) -> bool:
    return isinstance(x, tuple) and len(x) == 3 and isinstance(x[0], str)


def _map(fn, structure, leaf):
    if leaf(structure):
        return fn(structure)
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(fn, s, leaf) for s in structure)
    if isinstance(structure, dict):
        return {k: _map(fn, v, leaf) for k, v in structure.items()}
    return structure


def _flatten(structure, leaf) -> list:
    if leaf(structure):
        return [structure]
    if isinstance(structure, (list, tuple)):
        return [x for s in structure for x in _flatten(s, leaf)]
    if isinstance(structure, dict):
        return [x for s in structure.values() for x in _flatten(s, leaf)]
    return []


__all__ = ["DEFAULT_OPSET", "Walker", "flatten_tensors", "input_specs", "resolve_opset"]
