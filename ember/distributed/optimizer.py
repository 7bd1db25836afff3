"""Gradient averaging across ranks: ``DistributedOptimizer`` (fused, bucketed allreduce) and ``broadcast_variables``.

Each step every rank has gradients of its own shard of the global batch. The
optimizer update must see their mean, ``g = (1/N) sum_r g_r``, so that N ranks
with per-rank batch B take the same step as one process with batch N*B (the loss
is a mean over the batch). Sending one message per weight costs one latency per
weight, so the gradients are packed into a few contiguous buffers ("tensor fusion",
Horovod's 64 MB threshold) and each buffer is summed with one non-blocking
allreduce; the next bucket is packed while the previous one is on the wire.

NOTE: overlapping the allreduce with the backward pass (starting a bucket as soon
as its gradients are final, as PyTorch DDP does) is not done: ember's backward
engine accumulates a leaf's gradient every time the leaf is reached (an LSTM kernel
once per timestep, the last time near the end of the walk), so a gradient is only
known to be final when the walk ends; and Open MPI without an asynchronous progress
thread advances a non-blocking collective only inside MPI calls, so on the CPU that
runs backward there is nothing to overlap with. docs/distributed.md has the numbers.

Source: Sergeev & Del Balso 2018, "Horovod" (arXiv:1802.05799), horovod/tensorflow/__init__.py
(``DistributedOptimizer``, ``broadcast_variables``); Li et al. 2020, "PyTorch Distributed" (gradient buckets).
"""

from __future__ import annotations

import time

import numpy as np

from ember import backend
from ember.autograd import Tensor
from ember.distributed import comm
from ember.optimizers.optimizer import Optimizer, record_traced_apply

DEFAULT_BUCKET_BYTES = 64 * 1024 * 1024


def _plan_buckets(arrays: list, bucket_bytes: int) -> list[list[int]]:
    """Indices of ``arrays`` grouped into buckets of one dtype and at most ``bucket_bytes`` (a bigger array alone)."""
    buckets, current, current_bytes, current_dtype = [], [], 0, None
    for i, a in enumerate(arrays):
        if a is None:
            continue
        if current and (a.dtype != current_dtype or current_bytes + a.nbytes > bucket_bytes):
            buckets.append(current)
            current, current_bytes = [], 0
        current.append(i)
        current_bytes += a.nbytes
        current_dtype = a.dtype
    if current:
        buckets.append(current)
    return buckets


def _fusion_buffer(cache, bucket: list, arrays: list):
    """A flat buffer for ``bucket`` (reused across steps when ``cache`` is a dict), filled with its gradients."""
    key = tuple((arrays[i].shape, arrays[i].dtype.str) for i in bucket)
    buf = None if cache is None else cache.get(key)
    if buf is None:
        buf = np.empty(sum(arrays[i].size for i in bucket), dtype=arrays[bucket[0]].dtype)
        if cache is not None:
            cache[key] = buf
    np.concatenate([arrays[i].reshape(-1) for i in bucket], out=buf)
    return buf


def average_gradients(grads: list, bucket_bytes: int = DEFAULT_BUCKET_BYTES, stats=None, buffers=None) -> list:
    """The mean over ranks of each gradient, computed with one allreduce per bucket.

    Args:
        grads: list of Tensors, arrays or ``None`` (skipped), the same shapes on every rank.
        bucket_bytes: most bytes per fused message. Defaults to 64 MiB (Horovod's fusion threshold).
        stats: an object whose ``comm_seconds`` and ``allreduce_calls`` are increased, or ``None``.
        buffers: a dict in which the fusion buffers are kept and reused from step to step (the returned
            gradients are then views into them, valid until the next call), or ``None``.

    Returns:
        A list of NumPy arrays (``None`` where the input was ``None``): ``(1/N) sum_r grads_r``.
    """
    arrays = [None if g is None else backend.to_numpy(g.data if isinstance(g, Tensor) else g) for g in grads]
    n = comm.size()
    if n == 1:
        return arrays
    start = time.perf_counter()
    in_flight = []
    for bucket in _plan_buckets(arrays, bucket_bytes):
        buf = _fusion_buffer(buffers, bucket, arrays)
        in_flight.append((bucket, buf, comm.iallreduce_sum(buf)))  # packs the next bucket while this one travels
    out = list(arrays)
    for bucket, buf, handle in in_flight:
        comm.wait(handle, "DistributedOptimizer.apply (gradient allreduce)")
        buf /= n
        offset = 0
        for i in bucket:
            size = arrays[i].size
            out[i] = buf[offset : offset + size].reshape(arrays[i].shape)
            offset += size
    if stats is not None:
        stats.comm_seconds += time.perf_counter() - start
        stats.allreduce_calls += len(in_flight)
    return [None if a is None else backend.asarray(a) for a in out]


class OptimizerState:
    """Stands for an optimizer's state in :func:`broadcast_variables`: step counter, learning rate, slots."""

    def __init__(self, optimizer):
        self.optimizer = optimizer


class _Distributed:
    """Mixin placed in front of an optimizer's class by :func:`DistributedOptimizer`."""

    def apply(self, grads, trainable_variables) -> None:
        if record_traced_apply(self, grads, trainable_variables):  # inside ember.function: replayed as Python
            return
        grads = average_gradients(list(grads), self.bucket_bytes, stats=self, buffers=self._fusion_buffers)
        super().apply(grads, trainable_variables)

    @property
    def variables(self) -> list:
        """The optimizer's state as one entry for :func:`broadcast_variables` (``model.weights + opt.variables``)."""
        return [OptimizerState(self)]


_CLASSES: dict[type, type] = {}


def DistributedOptimizer(optimizer: Optimizer, bucket_bytes: int = DEFAULT_BUCKET_BYTES) -> Optimizer:  # noqa: N802
    """Make ``optimizer`` average gradients over all ranks before each update (Horovod's wrapper).

    ``apply(grads, vars)`` (and so ``apply_gradients``, ``step`` and ``fit``) first
    replaces each gradient by its mean over ranks, ``g <- (1/N) sum_r g_r``, with
    fused allreduces (see :func:`average_gradients`), then runs the usual update. The
    same object is returned, its class swapped for a subclass of the same name, so its
    state, ``get_config()`` and saved files are unchanged. ``comm_seconds`` and
    ``allreduce_calls`` count the time spent and messages sent.

    Args:
        optimizer: any :class:`~ember.optimizers.Optimizer`.
        bucket_bytes: most bytes per fused message. Defaults to 64 MiB.

    Returns:
        ``optimizer``, now distributed (wrapping twice only updates ``bucket_bytes``).

    Raises:
        TypeError: if ``optimizer`` is not an ember Optimizer. ValueError: for ``bucket_bytes < 1``.

    Example:
        >>> import ember, ember.distributed as dist
        >>> opt = dist.DistributedOptimizer(ember.optimizers.SGD(0.1))
        >>> type(opt).__name__, opt.get_config()["learning_rate"]
        ('SGD', 0.1)
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"DistributedOptimizer: expected an ember Optimizer. Received: {type(optimizer).__name__}")
    if not isinstance(bucket_bytes, int) or bucket_bytes < 1:
        raise ValueError(f"DistributedOptimizer: `bucket_bytes` must be a positive int. Received: {bucket_bytes!r}")
    if not isinstance(optimizer, _Distributed):
        base = type(optimizer)
        if base not in _CLASSES:
            attrs = {"__module__": base.__module__, "__qualname__": base.__qualname__, "__doc__": base.__doc__}
            _CLASSES[base] = type(base.__name__, (_Distributed, base), attrs)
        optimizer.__class__ = _CLASSES[base]
        optimizer.comm_seconds, optimizer.allreduce_calls, optimizer._fusion_buffers = 0.0, 0, {}
    optimizer.bucket_bytes = bucket_bytes
    return optimizer


def _state_arrays(optimizer) -> list:
    """Scalars (step counter, float learning rate) as one float64 array, then every built slot array."""
    lr = optimizer._learning_rate
    scalars = np.array([optimizer.iterations, 0.0 if callable(lr) else float(lr)], dtype=np.float64)
    slots = [a for s in optimizer._slots.values() for k, a in sorted(s.items()) if not k.startswith("_")]
    return scalars, slots


def _broadcast_optimizer(optimizer, root: int) -> None:
    scalars, slots = _state_arrays(optimizer)
    counts = comm.allgather(np.array([len(slots)], dtype=np.int64))[:, 0]
    if len(set(counts.tolist())) > 1:
        raise ValueError(f"broadcast_variables: the optimizer has a different number of state arrays per rank "
                         f"({counts.tolist()}); call optimizer.build(model.trainable_weights) on every rank "
                         "first")
    got = comm.broadcast(scalars, root)
    optimizer.iterations = int(got[0])
    if not callable(optimizer._learning_rate):
        optimizer._learning_rate = float(got[1])
    _broadcast_arrays(slots, root)


def _broadcast_arrays(arrays: list, root: int) -> None:
    """Broadcast in place, one fused message per dtype."""
    by_dtype: dict = {}
    for a in arrays:
        by_dtype.setdefault(np.dtype(a.dtype), []).append(a)
    for group in by_dtype.values():
        host = [backend.to_numpy(a) for a in group]
        flat = comm.broadcast(np.concatenate([h.reshape(-1) for h in host]) if host else np.empty(0), root)
        offset = 0
        for a in group:
            a[...] = backend.asarray(flat[offset : offset + a.size].reshape(a.shape))
            offset += a.size


def broadcast_variables(variables, root: int = 0) -> None:
    """Overwrite every variable on every rank with rank ``root``'s value, in place, so all ranks start identical.

    Args:
        variables: a list of ember Variables/Tensors, NumPy arrays, and optimizer states
            (``optimizer.variables`` of a :func:`DistributedOptimizer`): typically
            ``model.weights + optimizer.variables``.
        root: the rank whose values win. Defaults to ``0``.

    Raises:
        TypeError: for other entries. ValueError: if ranks hold different numbers of optimizer slots.

    Source: horovod/tensorflow/functions.py ``broadcast_variables``.
    """
    arrays, states = [], []
    for v in variables:
        if isinstance(v, OptimizerState):
            states.append(v.optimizer)
        elif isinstance(v, Tensor):
            arrays.append(v.data)
        elif isinstance(v, np.ndarray):
            arrays.append(v)
        else:
            raise TypeError(f"broadcast_variables: expected Variables, arrays or optimizer.variables entries. "
                            f"Received: {type(v).__name__}")  # fmt: skip
    _broadcast_arrays(arrays, root)
    for optimizer in states:
        _broadcast_optimizer(optimizer, root)
