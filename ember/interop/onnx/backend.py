"""``onnx.backend`` interface for ember, so ONNX's conformance cases run through the standard API.

    import ember.interop.onnx.backend as backend
    rep = backend.prepare(model_proto)        # an ember OnnxModel behind a BackendRep
    outputs = rep.run([x, y])                 # tuple of NumPy arrays in graph output order
    backend.run_node(node_proto, [x, y])      # one node, wrapped in a one-node model

Reference: ``onnx/backend/base.py`` (``Backend``, ``BackendRep``) and the ``onnx.backend.test`` runner.
"""

from __future__ import annotations

import functools

import numpy as np


def _base():
    from onnx.backend.base import Backend, BackendRep

    return Backend, BackendRep


@functools.cache
def _rep_class():
    _, BackendRep = _base()

    class EmberRep(BackendRep):
        """A prepared model: ``run(inputs)`` returns the outputs as a tuple of NumPy arrays."""

        def __init__(self, model):
            self.model = model

        def run(self, inputs, **kwargs):
            if isinstance(inputs, dict):
                feeds = inputs
            else:
                items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
                feeds = dict(zip(self.model.input_names, items, strict=False))
            return tuple(self.model.run(feeds))

    return EmberRep


@functools.cache
def _backend_class():
    Backend, _ = _base()

    class EmberBackend(Backend):
        """ember as an ONNX backend: CPU (NumPy) only."""

        @classmethod
        def prepare(cls, model, device: str = "CPU", **kwargs):
            from ember.interop.onnx.importer import load_model

            check = kwargs.pop("check", True)
            if check:  # the base class runs onnx.checker
                super().prepare(model, device, **kwargs)
            return _rep_class()(load_model(model, check=check))

        @classmethod
        def run_model(cls, model, inputs, device: str = "CPU", **kwargs):
            return cls.prepare(model, device, **kwargs).run(inputs)

        @classmethod
        def run_node(cls, node, inputs, device: str = "CPU", outputs_info=None, **kwargs):
            model = _node_model(node, inputs, outputs_info, kwargs.get("opset_version"))
            return cls.prepare(model, device, check=False).run(list(inputs))

        @classmethod
        def supports_device(cls, device: str) -> bool:
            return device.upper().startswith("CPU")

    return EmberBackend


def _node_model(node, inputs, outputs_info, opset):
    from onnx import helper

    in_infos = [
        helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.asarray(x).dtype), np.shape(x))
        for name, x in zip(node.input, inputs, strict=False)
        if name
    ]
    out_infos = [helper.make_empty_tensor_value_info(name) for name in node.output if name]
    graph = helper.make_graph([node], "run_node", in_infos, out_infos)
    imports = [helper.make_opsetid("", opset)] if opset else None
    return helper.make_model(graph, opset_imports=imports)


def prepare(model, device: str = "CPU", **kwargs):
    """Load ``model`` (a ``ModelProto``) into ember; returns a ``BackendRep`` whose ``run`` executes it."""
    return _backend_class().prepare(model, device, **kwargs)


def run_model(model, inputs, device: str = "CPU", **kwargs):
    """``prepare(model).run(inputs)``: outputs as a tuple of NumPy arrays."""
    return _backend_class().run_model(model, inputs, device, **kwargs)


def run_node(node, inputs, device: str = "CPU", outputs_info=None, **kwargs):
    """Run one ``NodeProto`` on ``inputs`` (a list of arrays in the node's input order)."""
    return _backend_class().run_node(node, inputs, device, outputs_info, **kwargs)


def supports_device(device: str) -> bool:
    """True for ``'CPU'``: ember's ONNX import runs on the NumPy backend."""
    return str(device).upper().startswith("CPU")


def backend():
    """The ``onnx.backend.base.Backend`` subclass (for ``onnx.backend.test.BackendTest``)."""
    return _backend_class()
