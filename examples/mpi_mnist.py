"""Data-parallel MNIST over MPI: ``mpirun -n 2 python examples/mpi_mnist.py``.

Every rank loads the whole of MNIST, trains on its own shard each epoch (per-rank
batch = global batch / ranks) and averages gradients with fused allreduces; rank 0
prints the progress, the test accuracy, the training time and the speed-up over a
1-process run. ``python examples/mpi_mnist.py`` (no mpirun) is that run, with the same
global batch and data order; its result is kept in the temp folder and read by later runs:

    python examples/mpi_mnist.py               # 1 process: writes $TMPDIR/ember_mpi_mnist_1.json
    mpirun -n 2 python examples/mpi_mnist.py   # prints accuracy and speed-up against it
"""

import argparse
import json
import os
import tempfile
import time

import ember
import ember.distributed as dist
from ember import layers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--global-batch", type=int, default=128)
    default = os.path.join(tempfile.gettempdir(), "ember_mpi_mnist_{size}.json")
    parser.add_argument("--json", default=default, help="write results here ({size}: the world size)")
    parser.add_argument("--baseline", default=default.format(size=1), help="JSON of a 1-process run")
    args = parser.parse_args()

    dist.init()
    (x_train, y_train), (x_test, y_test) = ember.datasets.mnist.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 784).astype("float32") / 255.0

    ember.utils.set_random_seed(0)  # rank 0's initial weights are broadcast; the data order seed is shared
    model = ember.models.Sequential([layers.Input((784,)), layers.Dense(256, activation="relu"),
                                     layers.Dense(128, activation="relu"), layers.Dense(10)])  # fmt: skip
    # Global batch fixed: the same steps as one process, so the same learning rate (docs/distributed.md).
    model.compile(ember.optimizers.Adam(1e-3), ember.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])  # fmt: skip
    strategy = dist.MPIStrategy(global_batch_size=args.global_batch, seed=0)
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=args.epochs, verbose=2, distribute=strategy)
    seconds = time.perf_counter() - start
    comm = model.optimizer.comm_seconds if dist.size() > 1 else 0.0
    if dist.rank() != 0:
        return
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"ranks: {dist.size()}  test accuracy: {accuracy:.4f}  training time: {seconds:.1f} s "
          f"(gradient allreduce {comm:.1f} s)")  # fmt: skip
    result = {"size": dist.size(), "accuracy": accuracy, "seconds": seconds, "comm_seconds": comm}
    if dist.size() > 1 and not os.path.exists(args.baseline):
        print(f"no 1-process result in {args.baseline}: run `python examples/mpi_mnist.py` for the speed-up")
    elif dist.size() > 1:
        with open(args.baseline) as f:
            base = json.load(f)
        result["speedup"] = base["seconds"] / seconds
        print(f"speed-up over 1 process: {result['speedup']:.2f}x  "
              f"(accuracy {base['accuracy']:.4f} -> {accuracy:.4f})")  # fmt: skip
    with open(args.json.format(size=dist.size()), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
