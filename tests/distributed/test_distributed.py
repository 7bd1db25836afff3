"""ember.distributed in a 1-process world (no mpirun): collectives, sharding, optimizer wrapper, fit hook.

The multi-rank behaviour is tested under ``mpirun -n 2`` in test_mpi.py.
"""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import ember
import ember.distributed as dist
from ember import layers
from ember.distributed.optimizer import _plan_buckets
from ember.models import distribute_hook

HERE = pathlib.Path(__file__).resolve().parent


def test_public_api_matches_the_checked_in_list():
    listed = (HERE / "distributed_api.txt").read_text().split()
    assert sorted(dist.__all__) == sorted(listed)
    for name in listed:
        assert getattr(dist, name).__doc__, f"ember.distributed.{name} has no docstring"


def test_import_needs_no_mpi():
    code = "import sys, ember, ember.distributed as d; d.init(); print(d.size(), 'mpi4py' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=HERE.parents[1]).stdout.split()  # fmt: skip
    assert out == ["1", "False"]


def test_one_process_world():
    dist.init()
    assert dist.is_initialized() and (dist.rank(), dist.size(), dist.local_rank()) == (0, 1, 0)
    assert distribute_hook.current() is None  # a 1-process world changes nothing in fit
    dist.barrier()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for op in ("mean", "sum", "max", "min"):
        out = dist.allreduce(x, op=op)
        np.testing.assert_array_equal(out, x)
        assert out is not x and out.dtype == np.float32
    np.testing.assert_array_equal(dist.broadcast(x), x)
    assert dist.allgather(x).shape == (1, 2, 3)
    t = dist.allreduce(ember.tensor(x))
    assert isinstance(t, ember.Tensor) and np.array_equal(t.numpy(), x)


def test_collectives_reject_bad_input():
    with pytest.raises(ValueError, match="`op` must be one of"):
        dist.allreduce(np.ones(2), op="prod")
    with pytest.raises(TypeError, match="Received: list"):
        dist.allreduce([1.0, 2.0])
    with pytest.raises(ValueError, match="root"):
        dist.broadcast(np.ones(2), root=1)


@pytest.mark.parametrize("n,size,drop_last", [(10, 2, False), (11, 2, False), (11, 3, False), (11, 3, True)])
def test_shard_indices_partition_the_epoch(n, size, drop_last):
    shards = [dist.shard_indices(n, r, size, epoch=3, seed=5, drop_last=drop_last) for r in range(size)]
    assert len({len(s) for s in shards}) == 1  # same number of steps on every rank
    every = np.concatenate(shards)
    if drop_last:
        assert len(every) == n - n % size and len(set(every.tolist())) == len(every)
    else:
        assert set(every.tolist()) == set(range(n)) and len(every) == -(-n // size) * size
    # step k of all ranks together = positions k*N*B .. of the shared permutation (1 process, batch N*B)
    perm = np.random.default_rng([5, 3]).permutation(n)
    batch = 2
    union = sorted(np.concatenate([s[:batch] for s in shards]).tolist())
    assert union == sorted(perm[: batch * size].tolist())


def test_shard_indices_reshuffle_each_epoch_and_reject_tiny_data():
    assert not np.array_equal(dist.shard_indices(100, 0, 2, epoch=0), dist.shard_indices(100, 0, 2, epoch=1))
    np.testing.assert_array_equal(dist.shard_indices(100, 1, 2, epoch=4, seed=9),
                                  dist.shard_indices(100, 1, 2, epoch=4, seed=9))  # fmt: skip
    with pytest.raises(ValueError, match="3 samples, fewer than the 4 ranks"):
        dist.shard_indices(3, 0, 4)


def test_sharded_sequence_and_generator():
    seq = dist.ShardedSequence(list(range(7)), rank=2, size=3)
    assert len(seq) == 2 and [seq[0], seq[1]] == [2, 5]
    with pytest.raises(IndexError):
        seq[2]
    with pytest.raises(ValueError, match="2 batches for 3 ranks"):
        dist.ShardedSequence([0, 1], rank=0, size=3)
    parts = [list(dist.shard_generator(iter(range(8)), rank=r, size=3)) for r in range(3)]
    assert parts == [[0, 3], [1, 4], [2, 5]]


def test_buckets_respect_cap_and_dtype():
    arrays = [np.zeros(10, np.float32), np.zeros(10, np.float32), None, np.zeros(100, np.float32),
              np.zeros(5, np.float64), np.zeros(5, np.float64)]  # fmt: skip
    assert _plan_buckets(arrays, bucket_bytes=80) == [[0, 1], [3], [4, 5]]
    assert _plan_buckets(arrays, bucket_bytes=10**9) == [[0, 1, 3], [4, 5]]


def test_distributed_optimizer_wraps_in_place():
    opt = ember.optimizers.Adam(0.01)
    same = dist.DistributedOptimizer(opt)
    assert same is opt and type(opt).__name__ == "Adam" and isinstance(opt, ember.optimizers.Adam)
    assert opt.get_config() == ember.optimizers.Adam(0.01).get_config()
    assert dist.DistributedOptimizer(opt, bucket_bytes=1024) is opt and opt.bucket_bytes == 1024
    with pytest.raises(TypeError, match="expected an ember Optimizer"):
        dist.DistributedOptimizer("adam")
    with pytest.raises(ValueError, match="bucket_bytes"):
        dist.DistributedOptimizer(ember.optimizers.SGD(), bucket_bytes=0)


def _model():
    ember.utils.set_random_seed(3)
    model = ember.models.Sequential([layers.Input((5,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    model.compile("adam", ember.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def test_fit_with_a_one_rank_strategy_equals_plain_fit():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((50, 5)).astype("float32"), rng.integers(0, 3, 50)
    plain, wrapped = _model(), _model()
    h1 = plain.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_split=0.2)
    h2 = wrapped.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_split=0.2,
                     distribute=dist.MPIStrategy())  # fmt: skip
    assert h1.history == h2.history
    for a, b in zip(plain.get_weights(), wrapped.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_strategy_batch_rules():
    with pytest.raises(ValueError, match="global_batch_size"):
        dist.MPIStrategy(global_batch_size=0)
    assert dist.MPIStrategy(global_batch_size=48).per_rank_batch_size(None) == 48
    with pytest.raises(ValueError, match="disagrees with global_batch_size=48"):
        dist.MPIStrategy(global_batch_size=48).per_rank_batch_size(32)


def test_fingerprint_tells_models_apart():
    a, b = _model(), _model()
    assert dist.model_fingerprint(a) == dist.model_fingerprint(b)
    other = ember.models.Sequential([layers.Input((5,)), layers.Dense(9), layers.Dense(3)])
    assert dist.model_fingerprint(other) != dist.model_fingerprint(a)


def test_broadcast_variables_rejects_other_objects():
    with pytest.raises(TypeError, match="Received: str"):
        dist.broadcast_variables(["w"])


@pytest.mark.parametrize("name", ["ember.distributed", "ember.distributed.comm", "ember.distributed.optimizer",
                                  "ember.distributed.sharding", "ember.distributed.strategy"])  # fmt: skip
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0, f"{name}: {result}"


def test_model_trained_with_a_strategy_saves_and_loads(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 5)).astype("float32"), rng.integers(0, 3, 40)
    model = _model()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, distribute=dist.MPIStrategy(seed=1))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = ember.models.load_model(path)
    assert type(loaded.optimizer).__name__ == "Adam"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
