"""Keras 3's ``top_k`` and ``segment_sum``, composed from differentiable ops (gradients come for free).

Source: keras/src/ops/math.py.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor
from ember.ops._convert import as_tensor


def top_k(x, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002 - Keras's argument name
    """The ``k`` largest entries along the last axis and their indices.

    ``values = take_along_axis(x, indices, -1)``, so the gradient flows to the selected entries.

    Args:
        x: tensor ``(..., n)``.
        k: how many, ``1 <= k <= n``.
        sorted: return them in descending order. Defaults to ``True`` (ember always sorts; ``False``
            gives the same, valid, order).

    Returns:
        ``(values, indices)``, each ``(..., k)``; indices int64, ties broken by the lower index.

    Raises:
        ValueError: if ``k`` is not in ``[1, n]``.

    Example:
        >>> import ember
        >>> v, i = ember.ops.top_k(ember.tensor([1.0, 5.0, 3.0]), 2)
        >>> v.tolist(), i.tolist()
        ([5.0, 3.0], [1, 2])
    """
    from ember.ops.indexing import take_along_axis

    x = as_tensor(x)
    n = x.shape[-1] if x.ndim else 0
    if not 1 <= int(k) <= n:
        raise ValueError(f"top_k: expected 1 <= k <= {n} (the last axis). Received: k={k}, x.shape={x.shape}")
    xp = backend.namespace(x.data)
    order = xp.argsort(-x.data, axis=-1, kind="stable")[..., : int(k)]
    indices = Tensor._wrap(order.astype("int64"))
    return take_along_axis(x, indices, axis=-1), indices


def segment_sum(data, segment_ids, num_segments: int | None = None, sorted: bool = False) -> Tensor:  # noqa: A002
    """``out[s] = sum of data[i] over the i with segment_ids[i] == s`` (empty segments give 0).

    Computed as ``one_hot(segment_ids)^T @ data``, differentiable in ``data``.

    Args:
        data: tensor ``(n, ...)``.
        segment_ids: int array ``(n,)`` with values in ``[0, num_segments)``.
        num_segments: number of segments. Defaults to ``max(segment_ids) + 1``.
        sorted: Keras's hint that the ids are sorted; not needed here. Defaults to ``False``.

    Returns:
        Tensor ``(num_segments, ...)``.

    Raises:
        ValueError: if the ids are not 1-D of length ``n`` or fall outside ``[0, num_segments)``.

    Example:
        >>> import ember
        >>> ember.ops.segment_sum(ember.tensor([1.0, 2.0, 3.0]), [0, 0, 1]).tolist()
        [3.0, 3.0]
    """
    from ember.ops.indexing import one_hot
    from ember.ops.linalg import matmul
    from ember.ops.shape import reshape, transpose

    data = as_tensor(data)
    ids = segment_ids.data if isinstance(segment_ids, Tensor) else backend.asarray(segment_ids)
    if ids.ndim != 1 or ids.shape[0] != data.shape[0]:
        raise ValueError(f"segment_sum: expected segment_ids of shape ({data.shape[0]},). Received: {ids.shape}")
    count = int(ids.max()) + 1 if num_segments is None else int(num_segments)
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= count):
        raise ValueError(f"segment_sum: segment_ids must lie in [0, {count}). Received: min={int(ids.min())}, "
                         f"max={int(ids.max())}")  # fmt: skip
    onehot = one_hot(Tensor._wrap(ids.astype("int64")), count, dtype=data.dtype)
    flat = reshape(data, (data.shape[0], -1))
    return reshape(matmul(transpose(onehot), flat), (count,) + tuple(data.shape[1:]))
