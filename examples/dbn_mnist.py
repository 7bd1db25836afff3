"""A deep belief network on MNIST: greedy RBM pretraining (CD-1), then supervised fine-tuning.

Hinton, Osindero & Teh (2006), reduced to CPU size: two Bernoulli RBMs (784 → 256 → 128) are
trained one after the other by CD-1 (SGD lr 0.1, momentum 0.5, batch 64) on binarised images
(pixel > 0.5), each on the previous one's hidden probabilities. Their weights then initialise a
784 → 256 → 128 → 10 sigmoid network (``DBN.to_dense_layers``) fine-tuned with a softmax head by
Adam (lr 1e-3, batch 128). Reported: the RBMs' reconstruction errors and the test accuracy.

    python examples/dbn_mnist.py [--pretrain-epochs 3] [--epochs 5]
"""

from __future__ import annotations

import argparse
import time

import ember
import ember.datasets
from ember import layers


def main(pretrain_epochs: int = 3, epochs: int = 5, hidden=(256, 128), train_limit: int | None = None,
         test_limit: int | None = None, seed: int = 0, verbose: int = 2, batch_size: int = 128) -> dict:  # fmt: skip
    """Pretrain and fine-tune; returns the reconstruction errors and the test accuracy."""
    ember.utils.set_random_seed(seed)
    (x, y), (xt, yt) = ember.datasets.mnist.load_data()
    x = (x[:train_limit].reshape(-1, 784) > 127).astype("float32")
    xt = (xt[:test_limit].reshape(-1, 784) > 127).astype("float32")
    y, yt = y[:train_limit].astype("int64"), yt[:test_limit].astype("int64")
    start = time.time()
    dbn = layers.DBN(hidden)
    errors = dbn.pretrain(x, epochs=pretrain_epochs, batch_size=64, verbose=verbose)
    model = ember.Sequential([ember.Input((784,)), *dbn.to_dense_layers(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=ember.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose)
    loss, acc = model.evaluate(xt, yt, verbose=0)
    result = {"test_accuracy": acc, "test_loss": loss, "reconstruction_errors": [e[-1] for e in errors]}
    print(f"DBN on MNIST: RBM reconstruction MSE {', '.join(f'{e:.4f}' for e in result['reconstruction_errors'])}; "
          f"fine-tuned test accuracy {acc:.4f} ({pretrain_epochs} pretraining + {epochs} fine-tuning epochs, "
          f"{time.time() - start:.0f} s)")  # fmt: skip
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain-epochs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    main(args.pretrain_epochs, args.epochs)
