"""ONNX interop (issue 13): export ember models to ONNX, and load ONNX models into ember.

- :func:`export`: a Sequential/functional model -> an ``.onnx`` file checked by ``onnx.checker`` (issue 13 §1).
  Converters live in ``export_core`` (dense, activations, embedding, preprocessing, RBF/RBM), ``export_shape``
  (reshaping and merging), ``export_conv`` (convolution, pooling), ``export_spatial`` (global pooling, padding,
  cropping, upsampling), ``export_norm``, ``export_rnn`` and ``export_attention``, one registry keyed by layer
  class (``export_registry``); the walk over a model is ``export``, the entry point ``export_model``.
- :func:`load_model`: an ``.onnx`` file -> :class:`OnnxModel`, an ember Model whose weights are the graph's
  initializers (``reader`` reads safely, ``runtime`` walks the nodes, ``onnx_ops_*`` hold the kernels,
  ``backend`` is the ``onnx.backend`` interface).
- ``ember export`` / ``ember predict``: :mod:`ember.interop.onnx.cli`.
- ``onnx``/``onnxruntime`` are optional (``pip install 'ember[onnx]'``) and imported inside the functions.
"""

from __future__ import annotations

from ember.interop.onnx.export_builder import ExportError


def __getattr__(name):
    # `export`, `load_model` and `OnnxModel` load ember.models on first use, so that `ember --help` (which
    # registers `ember export`) stays light.
    if name == "export":
        from ember.interop.onnx.export_model import export as value
    elif name in ("load_model", "OnnxModel"):
        from ember.interop.onnx import importer

        value = getattr(importer, name)
    else:
        raise AttributeError(f"module 'ember.interop.onnx' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = ["ExportError", "export", "load_model", "OnnxModel"]
