"""Other frameworks' files, one module per format (DESIGN.md §2, §5).

- :mod:`ember.interop.torch`: PyTorch checkpoints (``torch.save`` zip and legacy pickle, ``.safetensors``)
  read without torch and without executing anything from the file; state dicts loaded into ember models.
- :mod:`ember.interop.keras_h5`: Keras 2 / tf.keras legacy HDF5 files.
- :mod:`ember.interop.onnx`: ONNX export, import and an ``onnx.backend`` interface.

This package depends on :mod:`ember.models` and :mod:`ember.layers`; they never import it. Optional
libraries (h5py, onnx, onnxruntime) are imported inside the functions that need them.
"""

from __future__ import annotations


class UnsafeFileError(ValueError):
    """A file asked for something a reader refuses to do: an unknown pickle global, a path outside the
    target folder, a class outside the allowlist. Nothing from the file was executed."""


__all__ = ["UnsafeFileError"]

# --- PyTorch checkpoints (ember.interop.torch; issue 12) ---
# The module is imported on use (`from ember.interop import torch` or `import ember.interop.torch`), not here,
# so that `ember.interop` stays light; its public names are read_state_dict and load_state_dict.
