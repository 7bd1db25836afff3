"""Checks run under ``mpirun -n 2`` by tests/distributed/test_mpi.py; prints ``CHECK <name> OK`` for each.

Usage: python checks.py {main,tcp}. Every rank runs the same code; a failed assert on any
rank aborts the whole job (ember.distributed's excepthook), so the test sees a non-zero exit.
"""

import hashlib
import sys

import numpy as np

import ember
import ember.distributed as dist
from ember import layers
from ember.models import distribute_hook


def ok(name):
    dist.barrier()
    if dist.rank() == 0:
        print(f"CHECK {name} OK", flush=True)


def collectives():
    r, n = dist.rank(), dist.size()
    assert n == 2, n
    x = np.arange(6, dtype=np.float32).reshape(2, 3) + 10 * r
    np.testing.assert_array_equal(dist.allreduce(x, op="sum"), 2 * np.arange(6).reshape(2, 3) + 10)
    np.testing.assert_array_equal(dist.allreduce(x), np.arange(6).reshape(2, 3) + 5)
    np.testing.assert_array_equal(dist.allreduce(x, op="max"), np.arange(6).reshape(2, 3) + 10)
    np.testing.assert_array_equal(dist.allreduce(x, op="min"), np.arange(6).reshape(2, 3))
    assert dist.allreduce(x).dtype == np.float32
    np.testing.assert_array_equal(dist.broadcast(x, root=1), np.arange(6).reshape(2, 3) + 10)
    np.testing.assert_array_equal(dist.allgather(np.array([r, -r], dtype=np.int64)), [[0, 0], [1, -1]])
    t = dist.allreduce(ember.tensor(np.full(3, float(r + 1), dtype=np.float32)), op="sum")
    assert isinstance(t, ember.Tensor) and t.numpy().tolist() == [3.0, 3.0, 3.0]
    ok("collectives")


def weights_hash(model) -> int:
    h = hashlib.sha256(b"".join(np.ascontiguousarray(ember.backend.to_numpy(w.data)).tobytes() for w in model.weights))
    return int.from_bytes(h.digest()[:8], "little") >> 1


class HashCheck(ember.callbacks.Callback):
    """After every step: the weights' hash is the same on every rank."""

    steps = 0

    def on_train_batch_end(self, batch, logs=None):
        hashes = dist.allgather(np.array([weights_hash(self.model)], dtype=np.int64))[:, 0]
        assert len(set(hashes.tolist())) == 1, f"weights differ across ranks after step {batch}: {hashes}"
        self.steps += 1


def build(kind):
    ember.utils.set_random_seed(0)
    if kind == "mlp":
        net = [layers.Input((20,)), layers.Dense(32, activation="relu"), layers.Dense(10)]
    elif kind == "cnn":
        net = [layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
               layers.Flatten(), layers.Dense(10)]
    else:
        net = [layers.Input((6, 3)), layers.LSTM(8), layers.Dense(10)]
    model = ember.models.Sequential(net)
    model.compile(ember.optimizers.Adam(1e-3), ember.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def data(kind, n):
    rng = np.random.default_rng(1)
    shape = {"mlp": (20,), "cnn": (8, 8, 1), "lstm": (6, 3)}[kind]
    return rng.standard_normal((n, *shape)).astype("float32"), rng.integers(0, 10, n)


def equivalence(kinds, steps=50):
    for kind in kinds:
        x, y = data(kind, 64 * steps)
        ref = build(kind)
        ref.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0, distribute=False)
        model = build(kind)
        hc = HashCheck()
        h = model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[hc])
        assert hc.steps == steps, hc.steps
        for a, b in zip(model.get_weights(), ref.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7, err_msg=f"{kind}: 2x32 vs 1x64")
        assert model.optimizer.allreduce_calls == steps  # one fused message per step
        assert abs(h.history["loss"][0] - ref.history.history["loss"][0]) < 1e-5
        ok(f"equivalence {kind}")


def shuffled_equivalence(steps=20):
    """With shuffle=True the shared permutation of epoch 0 is the 1-process data order."""
    x, y = data("mlp", 64 * steps)
    perm = np.random.default_rng([5, 0]).permutation(len(x))
    ref = build("mlp")
    ref.fit(x[perm], y[perm], batch_size=64, epochs=1, shuffle=False, verbose=0, distribute=False)
    model = build("mlp")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0, distribute=dist.MPIStrategy(seed=5))
    for a, b in zip(model.get_weights(), ref.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7, err_msg="shuffled 2x32 vs 1x64")
    ok("shuffled equivalence")


def custom_loop():
    """docs/distributed.md's custom loop: different initial weights per rank, identical after broadcast and steps."""
    ember.utils.set_random_seed(dist.rank())
    model = ember.models.Sequential([layers.Input((4,)), layers.Dense(3)])
    loss_fn = ember.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = dist.DistributedOptimizer(ember.optimizers.Adam(1e-3))
    opt.build(model.trainable_weights)
    dist.broadcast_variables(model.weights + opt.variables, root=0)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 4)).astype("float32"), rng.integers(0, 3, 64)
    idx = dist.shard_indices(64, dist.rank(), dist.size(), seed=1)
    for start in range(0, len(idx), 8):
        b = idx[start : start + 8]
        loss_fn(ember.tensor(y[b]), model(ember.tensor(x[b]), training=True)).backward()
        opt.step(model.trainable_weights)
        opt.zero_grad(model.trainable_weights)
    everyone = dist.allgather(np.array([weights_hash(model)], dtype=np.int64))[:, 0]
    assert everyone[0] == everyone[1] and opt.iterations == 4 and opt.allreduce_calls == 4
    ok("custom loop")


def batch_norm_statistics():
    """BatchNormalization's moving statistics (per rank during the epoch) are averaged at its end."""
    ember.utils.set_random_seed(0)
    model = ember.models.Sequential([layers.Input((20,)), layers.Dense(16), layers.BatchNormalization(),
                                     layers.Dense(10)])  # fmt: skip
    model.compile("adam", ember.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = data("mlp", 256)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    everyone = dist.allgather(np.array([weights_hash(model)], dtype=np.int64))[:, 0]
    assert everyone[0] == everyone[1], everyone
    bn = model.layers[1]
    assert not np.allclose(ember.backend.to_numpy(bn.moving_mean.data), 0.0)  # it did train
    ok("batch norm statistics")


def logs_and_callbacks(tmp):
    """Epoch logs equal on every rank, = sum of states (accuracy over all samples); rank 0 alone writes."""
    x, y = data("mlp", 300)
    model = build("mlp")
    stop = ember.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=10.0)
    plateau = ember.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=0, min_delta=10.0, factor=0.5)
    ckpt = ember.callbacks.ModelCheckpoint(f"{tmp}/rank{dist.rank()}.weights.safetensors", save_weights_only=True)
    h = model.fit(x, y, batch_size=25, epochs=5, validation_split=0.2, verbose=0, callbacks=[stop, plateau, ckpt])
    rows = np.array([h.history["loss"] + h.history["val_accuracy"]], dtype=np.float64)
    everyone = dist.allgather(rows)
    assert (everyone[0] == everyone[1]).all(), everyone
    assert len(h.history["loss"]) == 2, h.history  # EarlyStopping stopped both ranks after the same epoch
    lrs = dist.allgather(np.array([model.optimizer.learning_rate]))[:, 0]
    # ReduceLROnPlateau halved it on both ranks
    assert lrs[0] == lrs[1] and np.isclose(lrs[0], 5e-4, rtol=1e-6, atol=0), lrs
    # validation accuracy equals a 1-process evaluate of the same weights on the whole split
    acc = model.evaluate(x[240:], y[240:], verbose=0, return_dict=True)["accuracy"]
    assert abs(acc - h.history["val_accuracy"][-1]) < 1e-9, (acc, h.history["val_accuracy"])
    import os

    assert os.path.exists(f"{tmp}/rank0.weights.safetensors") and not os.path.exists(f"{tmp}/rank1.weights.safetensors")
    ok("logs and callbacks")


def expect_error(fn, *words):
    try:
        fn()
    except (ValueError, TypeError) as exc:
        assert all(w in str(exc) for w in words), str(exc)
        return str(exc)
    raise AssertionError(f"no error; expected one mentioning {words}")


def bad_input(tmp):
    import os

    x, y = data("mlp", 64)
    model = build("mlp")
    before = [w.copy() for w in model.get_weights()]
    ckpt = ember.callbacks.ModelCheckpoint(f"{tmp}/bad.weights.safetensors", save_weights_only=True)

    def fit(**kw):
        args = dict(epochs=1, verbose=0, callbacks=[ckpt])
        args.update(kw)
        return lambda: model.fit(args.pop("x", x), args.pop("y", y), **args)

    strat = dist.MPIStrategy(global_batch_size=33)
    expect_error(fit(distribute=strat), "global_batch_size=33", "multiple of the world size 2")
    expect_error(fit(distribute=dist.MPIStrategy(global_batch_size=64), batch_size=64), "disagrees")
    expect_error(fit(x=x[:1], y=y[:1]), "1 samples, fewer than the 2 ranks")
    n = 64 if dist.rank() == 0 else 60
    expect_error(fit(x=x[:n], y=y[:n]), "disagree on their training samples", "[64, 60]")
    other = build("mlp") if dist.rank() == 0 else build("cnn")
    msg = expect_error(lambda: other.fit(*data("mlp", 64), verbose=0) if dist.rank() == 0 else
                       other.fit(*data("cnn", 64), verbose=0), "model fingerprints")
    assert "same model" in msg
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not os.path.exists(f"{tmp}/bad.weights.safetensors")
    ok("bad input")


def main():
    dist.init(timeout=30)
    assert isinstance(distribute_hook.current(), dist.MPIStrategy)
    tmp = sys.argv[2]
    collectives()
    if sys.argv[1] == "tcp":
        equivalence(["mlp"], steps=20)
        return
    equivalence(["mlp", "cnn", "lstm"])
    shuffled_equivalence()
    custom_loop()
    batch_norm_statistics()
    logs_and_callbacks(tmp)
    bad_input(tmp)


if __name__ == "__main__":
    main()
