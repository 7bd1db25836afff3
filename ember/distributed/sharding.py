"""Which samples each rank trains on: a ``DistributedSampler`` equivalent, and shards of Sequences and generators.

Every rank holds the whole dataset and takes a disjoint, equally long share of it
each epoch: the indices ``0..n-1`` are permuted with a seed shared by all ranks
(``seed + epoch``), padded by repeating the first indices until their count is a
multiple of the world size (or cut to one with ``drop_last``), and rank ``r`` takes
positions ``r, r + N, r + 2N, ...``. Every rank therefore runs the same number of
steps, and step ``k`` on all ranks together covers positions ``kNB .. (k+1)NB - 1`` of
the permutation: exactly the batch ``k`` of one process with batch ``N*B``.

Source: torch/utils/data/distributed.py (``DistributedSampler``), Horovod's examples.
"""

from __future__ import annotations

import numpy as np

from ember.utils import batching


def shard_indices(n: int, rank: int, size: int, epoch: int = 0, seed: int = 0, shuffle: bool = True,
                  drop_last: bool = False) -> np.ndarray:  # fmt: skip
    """Rank ``rank``'s sample indices for ``epoch``: ``ceil(n / size)`` of them (``floor`` with ``drop_last``).

    Args:
        n: number of samples in the (whole) dataset.
        rank, size: this rank and the world size.
        epoch: the epoch, mixed into the shared seed so each epoch has its own order.
        seed: seed shared by every rank. Defaults to ``0``.
        shuffle: permute before sharding. Defaults to ``True``.
        drop_last: drop the tail instead of padding with repeated samples. Defaults to ``False``.

    Returns:
        int64 array of indices into the dataset.

    Raises:
        ValueError: if ``n < size`` (some rank would get no data).

    Example:
        >>> from ember.distributed import shard_indices
        >>> shard_indices(5, rank=1, size=2, shuffle=False).tolist()  # padded with sample 0
        [1, 3, 0]
    """
    if n < size:
        raise ValueError(f"ember.distributed: the dataset has {n} samples, fewer than the {size} ranks; every rank "
                         f"needs at least one. Received: samples={n}, world size={size}")  # fmt: skip
    order = np.random.default_rng([seed, epoch]).permutation(n) if shuffle else np.arange(n)
    if drop_last:
        order = order[: n - n % size]
    else:
        pad = (-n) % size
        order = np.concatenate([order, order[:pad]])
    return order[rank::size].astype(np.int64)


def sharded_batches(arrays: list, batch_size: int, indices: np.ndarray):
    """Yield tuples of batches of ``arrays`` (arrays, lists of arrays or ``None``) over ``indices``, in order."""
    local = [batching.take(a, indices) for a in arrays]
    for start in range(0, len(indices), batch_size):
        sl = slice(start, start + batch_size)
        yield tuple(batching.take(a, sl) for a in local)


class ShardedSequence:
    """Rank ``rank``'s share of an indexable batch source (``ember.utils.Sequence``/``PyDataset``-like).

    Batch ``i`` of the shard is batch ``i * size + rank`` of ``sequence``; the
    length is ``len(sequence) // size`` so every rank has the same number of
    batches (the last ``len % size`` batches are dropped). ``on_epoch_end`` is passed on.

    Args:
        sequence: object with ``__len__`` and ``__getitem__(i)`` returning a batch.
        rank, size: this rank and the world size (defaults: the current world's).

    Raises:
        ValueError: if ``sequence`` has fewer batches than there are ranks.

    Example:
        >>> from ember.distributed import ShardedSequence
        >>> list(ShardedSequence(list("abcde"), rank=1, size=2))
        ['b', 'd']
    """

    def __init__(self, sequence, rank: int | None = None, size: int | None = None):
        from ember.distributed import comm

        self.sequence = sequence
        self.rank = comm.rank() if rank is None else rank
        self.size = comm.size() if size is None else size
        if len(sequence) < self.size:
            raise ValueError(f"ShardedSequence: {len(sequence)} batches for {self.size} ranks; every rank needs "
                             f"at least one batch. Received: len(sequence)={len(sequence)}")  # fmt: skip

    def __len__(self) -> int:
        return len(self.sequence) // self.size

    def __getitem__(self, i: int):
        if not 0 <= i < len(self):
            raise IndexError(f"ShardedSequence: index {i} out of range for {len(self)} batches")
        return self.sequence[i * self.size + self.rank]

    def on_epoch_end(self) -> None:
        """Call the wrapped sequence's ``on_epoch_end`` if it has one."""
        hook = getattr(self.sequence, "on_epoch_end", None)
        if hook is not None:
            hook()


def shard_generator(generator, rank: int | None = None, size: int | None = None):
    """Items ``rank, rank + size, rank + 2*size, ...`` of ``generator``; a trailing partial round is dropped.

    Every rank reads the whole stream and keeps its share, so all ranks yield the
    same number of items (the world must see the same stream on every rank).

    Example:
        >>> from ember.distributed import shard_generator
        >>> list(shard_generator(iter(range(7)), rank=0, size=3))
        [0, 3]
    """
    from ember.distributed import comm

    rank = comm.rank() if rank is None else rank
    size = comm.size() if size is None else size
    round_ = []
    for item in generator:
        round_.append(item)
        if len(round_) == size:
            yield round_[rank]
            round_ = []
