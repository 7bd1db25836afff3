"""ember's side of W0-W7 (../shared/BENCHMARKS.md): one JSON line per workload, the peers' fields.

Variants:
  eager          the PyTorch-style loop with ember's public API: ``loss_fn(y, model(x, training=True))``,
                 ``loss.backward()``, ``optimizer.apply(grads, weights)``, grads reset (default);
                 W6: ``model(x, training=False)`` under ``ember.no_grad()``.
  tob            Keras's ``model.train_on_batch(x, y)`` / ``model.predict_on_batch(x)`` on NumPy batches.
  eager_mallopt  eager, with glibc malloc told to keep blocks up to 32 MiB on the heap and not to trim
                 it (the peers' ``torch eager_mallopt``); changes the whole process, so run it alone.
                 Since ember.backend.allocator applies the same settings at import, this equals ``eager``;
                 run with ``EMBER_MALLOPT=0`` to measure ember without them.
  graph          graph mode (issue 14): the eager step's forward, loss and backward in ``ember.function``
                 (traced on the first warm-up step, replayed after it), then ``optimizer.apply``;
                 W6: the forward in ``ember.function``.

Usage: python -m benchmarks.bench_ember --workload W2 W3 --variant eager --repeat 3 [--smoke]
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from benchmarks import harness as H

FRAMEWORK = "ember"
VARIANTS = ["eager", "tob", "eager_mallopt", "graph"]


def mallopt() -> bool:
    """glibc: serve blocks up to 32 MiB from the heap and keep 256 MiB before trimming."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    m_trim_threshold, m_mmap_threshold = -1, -3
    return libc.mallopt(m_mmap_threshold, 32 << 20) == 1 and libc.mallopt(m_trim_threshold, 256 << 20) == 1


def _probe_input(workload: str):
    shape = {
        "W1": (4, 2),
        "W2": (2, 784),
        "mlp": (2, 784),
        "W3": (2, 28, 28, 1),
        "cnn": (2, 28, 28, 1),
        "W4": (2, H.W4_SEQ, 1),
        "W5": (2, H.W5_SEQ, H.W5_D),
        "W7_mlp": (2, 40),
        "W7_cnn": (2, 40, 1),
    }[workload]
    return np.zeros(shape, np.float32)


def _build(workload: str, seed: int):
    """The workload's model (seeded) and its ``impl`` notes; one forward on zeros checks it works."""
    import ember
    from benchmarks import models

    key = workload if workload in models.BUILDERS else workload.split("_")[1]
    probe = ember.tensor(_probe_input(key))

    def check(model):
        with ember.no_grad():
            model(probe, training=False)

    ember.utils.set_random_seed(seed)
    return models.build(key, check)


def _loss_and_optimizer(workload: str, lr: float = H.LR):
    from ember import losses, optimizers

    if workload == "W1":
        return losses.MeanSquaredError(), optimizers.SGD(learning_rate=H.XOR_LR)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    return loss, optimizers.Adam(learning_rate=lr, beta_1=0.9, beta_2=0.999, epsilon=H.ADAM_EPS)


def _train_data(workload: str, smoke: bool = False):
    if workload == "W1":
        x, y = H.xor_data()
        return x[None], y[None]
    return H.synthetic_pool(workload, pool=2 if smoke else H.POOL)  # smoke: 2 batches (numbers mean nothing)


def eager_train_step(model, loss_fn, optimizer):
    """The timed step of the eager variant: forward, loss, backward, update, grads reset."""
    weights = model.trainable_weights

    def step(x, y):
        loss = loss_fn(y, model(x, training=True))
        loss.backward()
        optimizer.apply([w.grad for w in weights], weights)
        for w in weights:
            w.grad = None
        return loss

    return step


def graph_train_step(model, loss_fn, optimizer):
    """The timed step of the graph variant (issue 14): forward, loss and backward traced once with
    ``ember.function`` and replayed on arrays; the optimizer update runs after each replay."""
    import ember

    weights = model.trainable_weights

    @ember.function
    def forward_backward(x, y):
        loss = loss_fn(y, model(x, training=True))
        loss.backward()
        grads = [w.grad for w in weights]
        for w in weights:
            w.grad = None
        return loss, grads

    def step(x, y):
        loss, grads = forward_backward(x, y)
        optimizer.apply(grads, weights)
        return loss

    return step


def _timed(step, args, batch):
    runs = []
    for r in range(args.repeat):
        times, warm, first = H.time_steps(step, warmup=H.WARMUP_STEPS if r == 0 else 2, quick=args.quick,
                                          smoke=args.smoke)  # fmt: skip
        runs.append({"times": times, "warm": warm, "first": first})
    return H.summarize_runs(runs, batch)


def run_train(workload: str, variant: str, args) -> dict:
    import ember

    xs, ys = _train_data(workload, args.smoke)
    model, impl = _build(workload, args.seed)
    loss_fn, optimizer = _loss_and_optimizer(workload)
    last = {}
    if variant == "tob":
        model.compile(optimizer=optimizer, loss=loss_fn)

        def step(i):
            last["loss"] = model.train_on_batch(xs[i % len(xs)], ys[i % len(ys)])
    else:
        X = [ember.tensor(a) for a in xs]
        Y = [ember.tensor(a) for a in ys]
        train = (graph_train_step if variant == "graph" else eager_train_step)(model, loss_fn, optimizer)

        def step(i):
            last["loss"] = train(X[i % len(X)], Y[i % len(Y)])

    payload = _timed(step, args, H.BATCH[workload])
    payload["final_loss"] = float(last["loss"])
    payload["impl"] = impl or ["ember.layers"]
    return payload


def run_infer(workload: str, variant: str, args) -> dict:
    import ember

    xs, _ = H.synthetic_pool(workload, pool=2 if args.smoke else H.POOL)
    model, impl = _build(workload, args.seed)
    if variant == "tob":

        def step(i):
            model.predict_on_batch(xs[i % len(xs)])
    else:
        X = [ember.tensor(a) for a in xs]

        def forward(x):
            with ember.no_grad():
                return model(x, training=False)

        forward = ember.function(forward) if variant == "graph" else forward

        def step(i):
            forward(X[i % len(X)])

    payload = _timed(step, args, H.BATCH[workload])
    payload["impl"] = impl or ["ember.layers"]
    return payload


def _w7_once(workload, data, seed, args):
    import ember

    xtr, ytr, xte, yte = data
    idx = H.w7_batch_indices(len(xtr), H.BATCH[workload], args.w7_steps, seed)
    t0 = time.perf_counter()
    model, impl = _build(workload, seed)
    loss_fn, optimizer = _loss_and_optimizer(workload, args.w7_lr)
    train = eager_train_step(model, loss_fn, optimizer)
    x_all, y_all = ember.tensor(xtr[..., None] if workload == "W7_cnn" else xtr), ember.tensor(ytr)
    first = None
    for s in range(args.w7_steps):
        b = idx[s]
        loss = train(x_all[b], y_all[b])
        if s == 0:
            first = time.perf_counter() - t0
    with ember.no_grad():
        logits = model(ember.tensor(xte[..., None] if workload == "W7_cnn" else xte), training=False)
    acc = float((logits.numpy().argmax(1) == yte).mean())
    return {"wall_s": time.perf_counter() - t0, "acc": acc, "first_s": first, "loss": float(loss), "impl": impl}


def run_e2e(workload: str, variant: str, args) -> dict:
    data = H.mnist1d_data()
    res = [_w7_once(workload, data, args.seed + r, args) for r in range(args.repeat)]
    return {"wall_s": round(statistics.median(r["wall_s"] for r in res), 3),
            "repeat_wall_s": [round(r["wall_s"], 3) for r in res],
            "test_acc": round(statistics.median(r["acc"] for r in res), 4),
            "repeat_test_acc": [round(r["acc"], 4) for r in res],
            "first_step_s": [round(r["first_s"], 3) for r in res],
            "final_train_loss": [round(r["loss"], 4) for r in res],
            "steps": args.w7_steps, "lr": args.w7_lr, "seed": args.seed,
            "impl": res[0]["impl"] or ["ember.layers"]}  # fmt: skip


def run_sgemm(args) -> dict:
    """W0 through ``ember.ops.matmul`` (allocates its output), plus NumPy ``matmul(out=)`` in the same process."""
    import ember

    rng = np.random.default_rng(0)
    a = rng.random((H.SGEMM_N, H.SGEMM_N), dtype=np.float32)
    b = rng.random((H.SGEMM_N, H.SGEMM_N), dtype=np.float32)
    out = np.empty_like(a)
    ta, tb = ember.tensor(a), ember.tensor(b)
    repeat, iters = (1, 3) if args.smoke else (args.repeat, 50)
    payload = H.sgemm_gflops(lambda: ember.ops.matmul(ta, tb), repeat=repeat, iters=iters)
    numpy_rate = H.sgemm_gflops(lambda: np.matmul(a, b, out=out), repeat=repeat, iters=iters)
    payload["numpy_gflops"] = numpy_rate["gflops"]
    payload["blas"] = H.blas_info()
    return payload


def _run_one(w: str, v: str, args, version: str, extra: dict) -> None:
    H.mark()
    if w == "import":
        H.emit(FRAMEWORK, version, "-", w, H.import_time({"import ember": "import ember"}, n=2 if args.smoke else 5),
               extra)  # fmt: skip
        return
    if w == "W0":
        H.emit(FRAMEWORK, version, "-", w, run_sgemm(args), extra)
        return
    try:
        if w in H.TRAIN_WORKLOADS:
            payload = run_train(w, v, args)
        elif w in H.INFER_WORKLOADS:
            payload = run_infer(w, v, args)
        elif v == "tob":
            payload = {"error": "W7 has no train_on_batch variant in this suite (eager loop only)"}
        else:
            payload = run_e2e(w, v, args)
    except Exception as e:  # keep going; the failure is part of the record
        payload = {"error": repr(e)[:500]}
    H.emit(FRAMEWORK, version, v, w, payload, extra)


def main(argv=None) -> None:
    args = H.parse_args(FRAMEWORK, VARIANTS, "eager", argv)
    if args.smoke and args.w7_steps == H.W7_STEPS:
        args.w7_steps = 20
    if "eager_mallopt" in args.variants:
        if len(args.variants) > 1:
            raise SystemExit("eager_mallopt changes the whole process: run it alone")
        mallopt()
    threads = int(os.environ.get("BENCH_THREADS", "2"))
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    except ImportError:
        pass
    import ember

    extra = {"threads": threads}
    for w in args.workloads:
        for v in args.variants:
            if w in ("import", "W0") and v != args.variants[0]:
                continue
            _run_one(w, v, args, ember.__version__, extra)


if __name__ == "__main__":
    main()
