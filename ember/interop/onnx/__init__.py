"""ONNX interop: :func:`load_model` imports an ``.onnx`` file as an ember Model (issue 13).

The ``onnx`` package is imported inside the functions that need it (``pip install 'ember[onnx]'``).
"""

from __future__ import annotations

from ember.interop.onnx.importer import OnnxModel, load_model

__all__ = ["OnnxModel", "load_model"]
