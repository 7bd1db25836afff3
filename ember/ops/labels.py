"""Integer class labels: validation and picking one entry per row along the last axis."""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor


def sparse_labels(labels, pred_shape: tuple, fn: str):
    """Validate integer class labels against predictions of ``pred_shape`` and return them as int64.

    Accepts labels of shape ``pred_shape[:-1]`` or ``pred_shape[:-1] + (1,)``.

    Raises:
        ValueError: naming ``fn`` for non-integer values, labels outside
            ``[0, classes)``, or a shape that does not match (e.g. one-hot
            labels: use ``categorical_crossentropy``).
    """
    xp = backend.xp()
    arr = labels.data if isinstance(labels, Tensor) else xp.asarray(labels)
    classes = pred_shape[-1]
    if arr.shape == tuple(pred_shape[:-1]) + (1,) and len(pred_shape) >= 1:
        arr = arr.reshape(arr.shape[:-1])
    if arr.shape != tuple(pred_shape[:-1]):
        hint = " They look one-hot encoded: use categorical_crossentropy." if arr.shape == tuple(pred_shape) else ""
        raise ValueError(
            f"{fn}: expected integer labels of shape {tuple(pred_shape[:-1])} for predictions of shape "
            f"{tuple(pred_shape)}. Received: labels of shape {arr.shape}.{hint}"
        )
    if arr.dtype.kind == "f":
        if arr.size and not bool(xp.all(arr == xp.floor(arr))):
            raise ValueError(f"{fn}: expected integer class labels. Received: non-integer float labels")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{fn}: expected integer class labels. Received: dtype={arr.dtype}")
    arr = arr.astype("int64", copy=False)
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= classes:
            raise ValueError(
                f"{fn}: labels must lie in [0, {classes}) for {classes} output classes. "
                f"Received: labels with min={lo}, max={hi}"
            )
    return arr


class TakeAlongLast(Function):
    def forward(self, x, labels):
        xp = backend.namespace(x)
        self.shape, self.labels = x.shape, labels
        return xp.take_along_axis(x, labels[..., None], axis=-1)[..., 0]

    def backward(self, g):
        xp = backend.namespace(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        xp.put_along_axis(out, self.labels[..., None], g[..., None], axis=-1)
        return out, None


def take_along_last(x: Tensor, labels) -> Tensor:
    """``x[..., labels]`` per row: picks ``x[i, labels[i]]``. Shape ``(batch, ..., C)`` → ``(batch, ...)``."""
    lab = labels if isinstance(labels, Tensor) else Tensor._wrap(backend.asarray(labels))
    return TakeAlongLast.apply(x, lab)
