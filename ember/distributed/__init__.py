"""Data-parallel training across processes and machines over MPI (Open MPI through ``mpi4py``).

Launch with ``mpirun -n 4 python train.py``; in the script call ``init()`` once and
``model.fit`` shards the data, averages the gradients with fused allreduces and
writes logs and checkpoints from rank 0 only. Without ``mpirun`` every function works
as a world of one process. See docs/distributed.md.

Example:
    >>> import ember.distributed as dist
    >>> dist.init()
    >>> dist.rank(), dist.size()  # run without mpirun: a 1-process world
    (0, 1)

Source: Sergeev & Del Balso 2018, "Horovod: fast and easy distributed deep learning in
TensorFlow" (arXiv:1802.05799); Goyal et al. 2017, "Accurate, Large Minibatch SGD"
(arXiv:1706.02677) for the learning-rate rules in docs/distributed.md.
"""

from ember.distributed.comm import (
    CollectiveTimeoutError,
    allgather,
    allreduce,
    barrier,
    broadcast,
    init,
    is_initialized,
    local_rank,
    rank,
    size,
)
from ember.distributed.optimizer import DistributedOptimizer, average_gradients, broadcast_variables
from ember.distributed.sharding import ShardedSequence, shard_generator, shard_indices
from ember.distributed.strategy import MPIStrategy, model_fingerprint

__all__ = [
    "init",
    "is_initialized",
    "rank",
    "size",
    "local_rank",
    "barrier",
    "allreduce",
    "broadcast",
    "allgather",
    "CollectiveTimeoutError",
    "DistributedOptimizer",
    "average_gradients",
    "broadcast_variables",
    "MPIStrategy",
    "model_fingerprint",
    "shard_indices",
    "ShardedSequence",
    "shard_generator",
]
