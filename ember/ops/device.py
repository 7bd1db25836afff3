"""Moving tensors between dtypes and devices, differentiably.

Device copies go through :func:`ember.backend.to_device`, so NumPy/CuPy
specifics stay in ``backend/``.
"""

from __future__ import annotations

import numpy as np

from ember import backend
from ember.autograd import Function, Tensor
from ember.ops.host import host_op, method_call


class Cast(Function):
    def forward(self, a, dtype):
        self.dtype = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return g.astype(self.dtype)

    def backward_graph(self, g):
        return Cast.apply(g, dtype=self.dtype)

    @classmethod
    def apply(cls, x, dtype):  # int/bool results never require grad
        if np.dtype(dtype).kind != "f":
            return host_op(method_call, x, method="astype", dtype=dtype)
        return super().apply(x, dtype=dtype)


class ToDevice(Function):
    def forward(self, a, device):
        self.device = "cpu" if isinstance(a, np.ndarray) else "gpu"
        return backend.to_device(a, device)

    def backward(self, g):
        return backend.to_device(g, self.device)

    def backward_graph(self, g):
        return ToDevice.apply(g, device=self.device)


def to_device(x: Tensor, device: str) -> Tensor:
    """``x`` on ``device`` (``'cpu'`` or ``'gpu'``/``'cuda'``); the gradient flows back to ``x``'s device.

    Raises:
        ValueError: for an unknown device name.
        ImportError: for ``'gpu'`` when CuPy or a GPU is missing.
    """
    if device not in ("cpu", "gpu", "cuda"):
        raise ValueError(f"to: unknown device. Expected 'cpu' or 'gpu'. Received: device={device!r}")
    if x.device == ("cpu" if device == "cpu" else "gpu"):
        return x
    return ToDevice.apply(x, device=device)
