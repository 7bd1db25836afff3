"""ONNX interop: export ember models to ONNX (and, from the import branch, load ONNX models into ember).

- :func:`export`: a Sequential/functional model -> an ``.onnx`` file checked by ``onnx.checker`` (issue 13 §1).
  Converters live in ``export_core`` (dense, activations, embedding, preprocessing, RBF/RBM), ``export_shape``
  (reshaping and merging), ``export_conv`` (convolution, pooling), ``export_spatial`` (global pooling, padding,
  cropping, upsampling), ``export_norm``, ``export_rnn`` and ``export_attention``, one registry keyed by layer
  class (``export_registry``); the walk over a model is ``export``, the entry point ``export_model``.
- ``ember export`` / ``ember predict``: :mod:`ember.interop.onnx.cli`.
- ``onnx``/``onnxruntime`` are optional (``pip install 'ember[onnx]'``) and imported inside the functions.
"""

from __future__ import annotations

from ember.interop.onnx.export_builder import ExportError


def __getattr__(name):
    # `export` loads ember.models on first use, so that `ember --help` (which registers `ember export`) stays light.
    if name == "export":
        from ember.interop.onnx.export_model import export

        globals()["export"] = export
        return export
    raise AttributeError(f"module 'ember.interop.onnx' has no attribute {name!r}")


# --- ONNX import (owned by the import branch): `load_model` is added here -----------------------------------
# from ember.interop.onnx.importer import load_model
# ------------------------------------------------------------------------------------------------------------

__all__ = ["ExportError", "export"]
