"""The public entry point: :func:`export` builds, checks and writes the ONNX file."""

from __future__ import annotations

import os

import numpy as np

from ember.interop.onnx.export import Walker, _load_converters, _sample, input_specs, resolve_opset
from ember.interop.onnx.export_builder import ExportError, GraphBuilder


def _require_onnx():
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise ImportError("ONNX export needs the `onnx` package: pip install 'ember[onnx]'") from exc
    return onnx


def _value_info(name: str, shape, dtype, dynamic_batch: bool):
    from onnx import helper

    dims = ["batch" if dynamic_batch else (shape[0] or 1)] + [int(d) for d in shape[1:]]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), dims)


def _output_names(model, count: int) -> list[str]:
    names = list(getattr(model, "output_names", None) or [])
    if len(names) != count:
        last = model.layers[-1].name if getattr(model, "layers", None) else "output"
        names = [last] if count == 1 else [f"{last}_{i}" for i in range(count)]
    seen, unique = set(), []
    for n in names:
        k, base = 1, n
        while n in seen:
            n, k = f"{base}_{k}", k + 1
        seen.add(n)
        unique.append(n)
    return unique


def build_onnx_model(model, input_signature=None, opset=None, dynamic_batch: bool = True):
    """The ONNX ``ModelProto`` of ``model`` (not written, not checked). See :func:`export`."""
    _require_onnx()
    from onnx import helper

    opset = resolve_opset(opset)
    _load_converters()
    specs = input_specs(model, input_signature)
    float_dtype = next((np.dtype(d) for _, _, d in specs if np.dtype(d).kind == "f"), np.dtype(_floatx()))
    b = GraphBuilder(opset, float_dtype)
    inputs = [(b.reserve(name), _sample(shape, dtype), None) for name, shape, dtype in specs]
    expected = len(model.outputs) if hasattr(model, "outputs") else 1
    out_names = [b.reserve(n) for n in _output_names(model, expected)]
    outputs = Walker(b).model(model, inputs)
    if len(outputs) != len(out_names):
        raise ExportError(f"ONNX export: model '{model.name}' returned {len(outputs)} outputs; expected {expected}")
    graph_outputs = []
    for (tensor, value, _), name in zip(outputs, out_names, strict=True):
        b.nodes.append(helper.make_node("Identity", [tensor], [name], name=b.name(f"{name}_identity")))
        graph_outputs.append(_value_info(name, (None,) + tuple(value.shape[1:]), value.numpy().dtype, dynamic_batch))
    graph_inputs = [_value_info(n, s, d, dynamic_batch) for (n, _, _), (_, s, d) in zip(inputs, specs, strict=True)]
    graph = helper.make_graph(b.nodes, model.name, graph_inputs, graph_outputs, b.initializers)
    opsets = [helper.make_opsetid("", opset)]
    ir_version = helper.find_min_ir_version_for(opsets)
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="ember", producer_version=_version(),
                              ir_version=ir_version)  # fmt: skip
    proto.doc_string = f"ember model '{model.name}' exported by ember.interop.onnx.export"
    return proto


def export(model, filepath, input_signature=None, opset: int | None = None, dynamic_batch: bool = True):
    """Write ``model`` to ``filepath`` as an ONNX model that onnxruntime runs with ``model.predict``'s results.

    Every layer call becomes ONNX nodes through the converter of its class (see ``ember.interop.onnx.export_*``);
    the graph is checked with ``onnx.checker.check_model(full_check=True)`` and written atomically.

    Args:
        model: a built ``Sequential`` or functional ``Model`` (nested models allowed).
        filepath: the ``.onnx`` file to write.
        input_signature: input shape(s) with the batch axis, e.g. ``(None, 28, 28, 1)`` or a list of them; needed
            only for a Sequential model that was never built. Defaults to ``None`` (the model's own shapes).
        opset: ONNX default-domain opset, 13 up to the installed onnx's newest. Defaults to ``17``.
        dynamic_batch: make the batch axis symbolic (``"batch"``). Defaults to ``True``.

    Returns:
        The ``onnx.ModelProto`` written.

    Raises:
        ExportError (a ValueError): for an unbuilt model without ``input_signature``, a layer without an ONNX
            equivalent (naming the layer and the reason), or an input with unknown non-batch dimensions.
        ImportError: when the ``onnx`` extra is not installed (``pip install 'ember[onnx]'``).

    Example:
        >>> import os, tempfile
        >>> import ember
        >>> model = ember.Sequential([ember.Input((3,)), ember.layers.Dense(2, activation="softmax", name="probs")])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.onnx")
        >>> from ember.interop.onnx import export
        >>> proto = export(model, path)
        >>> [i.name for i in proto.graph.input], [o.name for o in proto.graph.output]
        (['probs_input'], ['probs'])
    """
    onnx = _require_onnx()
    from ember.saving.atomic import atomic_write_bytes

    filepath = os.fspath(filepath)
    if not filepath.endswith(".onnx"):
        raise ValueError(f"ONNX export: the file name must end in '.onnx'. Received: filepath={filepath!r}")
    proto = build_onnx_model(model, input_signature, opset, dynamic_batch)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:  # an exporter bug: say so
        first = str(exc).strip().splitlines()[0]
        raise ExportError(f"ONNX export of model '{model.name}': the graph failed onnx.checker ({first}); nothing "
                          "was written. Please report this with the model's summary()") from exc  # fmt: skip
    atomic_write_bytes(filepath, proto.SerializeToString())
    return proto


def _floatx() -> str:
    from ember.backend.config import floatx

    return floatx()


def _version() -> str:
    from ember._version import __version__

    return __version__


__all__ = ["ExportError", "build_onnx_model", "export"]
