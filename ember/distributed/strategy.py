"""``MPIStrategy``: what ``model.fit`` does differently when it runs on several ranks.

``fit`` looks the strategy up (``fit(distribute=...)``, or the one ``init()``
registered) and calls it at five points: once before training (checks, shards,
rank-0-only callbacks), after the callbacks' ``on_train_begin`` (every rank takes
rank 0's weights, optimizer state and start epoch), for each epoch's batches (this
rank's shard), at the end of each epoch (metric states summed over ranks) and for
validation (each rank scores a slice, the states are summed). Gradients are averaged
by :func:`~ember.distributed.DistributedOptimizer`, which the strategy puts on the
model's optimizer.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from ember import backend
from ember.autograd import no_grad
from ember.callbacks import BackupAndRestore, CSVLogger, ModelCheckpoint, ProgbarLogger, TensorBoard
from ember.distributed import comm
from ember.distributed.metrics_sync import reduce_metrics
from ember.distributed.optimizer import DEFAULT_BUCKET_BYTES, DistributedOptimizer, broadcast_variables
from ember.distributed.sharding import shard_indices, sharded_batches
from ember.utils import batching

# Callbacks that write to the terminal or to files: kept on rank 0 only (Horovod's advice, made automatic).
CHIEF_ONLY = (ProgbarLogger, ModelCheckpoint, TensorBoard, CSVLogger, BackupAndRestore)


def _without_names(config):
    """The config with every ``name`` entry removed (automatic names such as ``dense_3`` differ between processes)."""
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_without_names(v) for v in config]
    return config


def model_fingerprint(model) -> int:
    """A 63-bit hash of the model's config (layer names left out) and its weights' shapes and dtypes.

    Two processes that build the same architecture get the same fingerprint; ``fit`` under
    MPI compares them across ranks before the first step.

    Example:
        >>> import ember, ember.distributed as dist
        >>> make = lambda: ember.models.Sequential([ember.layers.Input((3,)), ember.layers.Dense(2)])
        >>> dist.model_fingerprint(make()) == dist.model_fingerprint(make())
        True
    """
    try:
        config = json.dumps(_without_names(model.get_config()), sort_keys=True, default=str)
    except (NotImplementedError, TypeError, AttributeError):
        config = type(model).__name__
    shapes = [(tuple(w.shape), str(w.dtype)) for w in model.weights]
    digest = hashlib.sha256(f"{config}|{shapes}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


class MPIStrategy:
    """Data-parallel ``fit`` over the MPI world (Horovod's recipe, built into ``fit``).

    Every rank passes the *whole* dataset to ``fit`` with the *per-rank* ``batch_size``;
    each epoch it trains on its own shard (:func:`~ember.distributed.shard_indices`), so
    the global batch is ``batch_size * size()``. Gradients are averaged before every
    update; epoch logs (``loss``, metrics, ``val_*``) are computed from metric states
    summed over all ranks, so every rank sees the same numbers and callbacks such as
    ``EarlyStopping`` and ``ReduceLROnPlateau`` decide the same way everywhere. The
    progress bar, ``ModelCheckpoint``, ``BackupAndRestore``, ``CSVLogger`` and
    ``TensorBoard`` run on rank 0 only.

    Args:
        global_batch_size: if given, the batch of all ranks together; each rank then uses
            ``global_batch_size // size()`` and ``fit``'s ``batch_size`` must be left out or agree.
            Defaults to ``None`` (``batch_size`` is per rank).
        seed: seed of the per-epoch shuffle shared by all ranks. Defaults to ``None``: rank 0
            draws one from ember's generator (``ember.utils.set_random_seed`` makes it repeat).
        drop_last: drop the tail that does not fill every rank instead of padding it with
            repeated samples. Defaults to ``False``.
        bucket_bytes: fusion buffer size for the gradient allreduce. Defaults to 64 MiB.

    Raises:
        ValueError: (in ``fit``, before any weight changes) if ``global_batch_size`` is not a
            multiple of the world size, the dataset has fewer samples than ranks, or the
            ranks hold different models or dataset sizes.

    Example:
        >>> import ember.distributed as dist
        >>> strategy = dist.MPIStrategy(global_batch_size=64)  # model.fit(x, y, distribute=strategy)
    """

    def __init__(self, global_batch_size=None, seed=None, drop_last=False, bucket_bytes=DEFAULT_BUCKET_BYTES):
        if global_batch_size is not None and (not isinstance(global_batch_size, int) or global_batch_size < 1):
            raise ValueError(f"MPIStrategy: `global_batch_size` must be a positive int. "
                             f"Received: global_batch_size={global_batch_size!r}")  # fmt: skip
        self.global_batch_size, self.seed, self.drop_last = global_batch_size, seed, drop_last
        self.bucket_bytes = bucket_bytes
        self._seed = None

    @property
    def is_chief(self) -> bool:
        """True on rank 0, the rank that prints and writes files."""
        return comm.rank() == 0

    # ------------------------------------------------------------------ before training
    def per_rank_batch_size(self, batch_size, fn: str = "fit") -> int:
        """The batch each rank uses, from ``global_batch_size`` or ``fit``'s ``batch_size``."""
        if self.global_batch_size is None:
            return batching.check_batch_size(batch_size, fn)
        n = comm.size()
        if self.global_batch_size % n:
            raise ValueError(f"{fn}: global_batch_size={self.global_batch_size} cannot be split over {n} ranks; "
                             f"expected a multiple of the world size {n}")  # fmt: skip
        per_rank = self.global_batch_size // n
        if batch_size is not None and batch_size != per_rank:
            raise ValueError(f"{fn}: batch_size={batch_size} disagrees with global_batch_size="
                             f"{self.global_batch_size} over {n} ranks "
                             f"(expected {per_rank} per rank, or leave it out)")
        return per_rank

    def setup_fit(self, model, arrays: list, val, batch_size: int, steps_per_epoch, callbacks, verbose: int):
        """Check the world agrees, build the model, wrap the optimizer; returns ``(steps, callbacks, verbose)``.

        Raises:
            ValueError: for mismatched models or dataset sizes across ranks, or fewer samples than ranks.
        """
        n, size = batching.num_samples(arrays[0]), comm.size()
        n_val = 0 if val is None else batching.num_samples(val[0])
        if not model.weights:  # weights are made by the first call: make them now, then rank 0's win
            with no_grad():
                model(batching.take(arrays[0], slice(0, 1)), training=False)
        mine = np.array([n, n_val, batch_size, model_fingerprint(model)], dtype=np.int64)
        everyone = comm.allgather(mine)
        _check_agreement(everyone, model.name)
        shard_indices(n, 0, size)  # raises for fewer samples than ranks
        if val is not None and n_val < size:
            raise ValueError(f"fit: the validation data has {n_val} samples, fewer than the {size} ranks")
        local = (n // size) if self.drop_last else -(-n // size)
        steps = batching.steps_for(local, batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, int(steps_per_epoch))
        seed = self.seed
        if seed is None:
            from ember.backend import random as _random

            seed = int(_random.generator().integers(0, 2**31 - 1)) if self.is_chief else 0
        self._seed = int(comm.broadcast(np.array([seed], dtype=np.int64))[0])
        DistributedOptimizer(model.optimizer, self.bucket_bytes)
        if not self.is_chief:
            callbacks = [c for c in (callbacks or []) if not isinstance(c, CHIEF_ONLY)]
            verbose = 0
        return steps, callbacks, verbose

    def on_train_begin(self, model, start_epoch: int) -> int:
        """Every rank takes rank 0's weights, optimizer state and start epoch (after BackupAndRestore ran there)."""
        model.optimizer.build(model.trainable_weights)
        broadcast_variables(model.weights + model.optimizer.variables, root=0)
        return int(comm.broadcast(np.array([start_epoch], dtype=np.int64))[0])

    # ------------------------------------------------------------------ each epoch
    def epoch_batches(self, arrays: list, batch_size: int, shuffle: bool, epoch: int):
        """This rank's batches for ``epoch`` (see :func:`~ember.distributed.shard_indices`)."""
        n = batching.num_samples(arrays[0])
        idx = shard_indices(n, comm.rank(), comm.size(), epoch, self._seed or 0, shuffle, self.drop_last)
        return sharded_batches(arrays, batch_size, idx)

    def end_epoch(self, model, logs: dict) -> dict:
        """At the end of a training epoch: average the float non-trainable weights over ranks, reduce the logs.

        Non-trainable weights such as BatchNormalization's moving mean and variance are
        updated from each rank's own batches; their mean over ranks keeps every rank
        (and every checkpoint) identical. Between epoch ends they are per rank, as in Horovod.
        """
        if comm.size() > 1:
            for w in model.non_trainable_weights:
                if np.dtype(w.dtype).kind == "f":
                    w.data[...] = backend.asarray(comm.allreduce(backend.to_numpy(w.data), op="mean"))
        return self.reduce_logs(model, logs)

    def reduce_logs(self, model, logs: dict) -> dict:
        """Epoch logs from the metric states summed over ranks (identical on every rank)."""
        if comm.size() == 1:
            return logs
        return reduce_metrics(model.metrics)

    def evaluate(self, model, val, batch_size: int, steps) -> dict:
        """Validation: each rank scores a contiguous slice of ``val``; logs from the summed metric states."""
        n, size, r = batching.num_samples(val[0]), comm.size(), comm.rank()
        lo, hi = n * r // size, n * (r + 1) // size
        local = [batching.take(a, slice(lo, hi)) for a in val]
        logs = model._evaluate_arrays(*local, batch_size, 0, None, steps)
        return self.reduce_logs(model, logs)


def _check_agreement(everyone: np.ndarray, name: str) -> None:
    """Raise the same ValueError on every rank if the ranks' datasets or models differ."""
    what = ("training samples", "validation samples", "per-rank batch sizes", "model fingerprints")
    for col, label in enumerate(what):
        values = everyone[:, col].tolist()
        if len(set(values)) > 1:
            hint = ("every rank must build the same model (same layers, config and weight shapes)" if col == 3 else
                    "every rank must pass the whole dataset to fit (each takes its own shard)")  # fmt: skip
            raise ValueError(f"fit (model '{name}'): the ranks disagree on their {label}: {values} "
                             f"(rank order); {hint}")  # fmt: skip
