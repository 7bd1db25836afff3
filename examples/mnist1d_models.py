"""The MNIST-1D benchmark table (Greydanus 2020) on ember: logistic, MLP, CNN and GRU.

Models and recipe follow the paper's reference code (github.com/greydanus/mnist1d,
``notebooks/models.py`` and ``train.py``): 4,000/1,000 split, Adam with learning rate
1e-2, batch 100, 6,000 steps, no weight decay. Paper accuracies: logistic 32 %, MLP 68 %,
CNN 94 %, GRU 91 %.

- logistic: ``Dense(10)`` on the 40 samples.
- MLP: 40 → 100 → 100 → 10, ReLU.
- CNN: three Conv1D(25) with ReLU (kernel 5, 3, 3; stride 2; padding 1) → Dense(10) on 125 features.
- GRU: bidirectional GRU with 6 units per direction over the 40 timesteps, all outputs flattened → Dense(10).

Two extra rows (not in the paper): ``lstm`` (the GRU model with LSTM cells) and ``transformer``
(a Transformer encoder classifier, Adam lr 1e-3; see :func:`transformer_classifier`).

    python examples/mnist1d_models.py [--models logistic mlp cnn gru] [--steps 6000]
"""

from __future__ import annotations

import argparse
import time

import ember
import ember.datasets
from ember import layers

PAPER = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91, "lstm": None, "transformer": None}
# The paper's recipe (lr 1e-2) for its four models; the two extra rows use what trains them stably.
LEARNING_RATE = {"lstm": 1e-2, "transformer": 1e-3}
STEPS = {"transformer": 2000}  # attention over 40 steps is the costly one on 2 CPU cores


def transformer_classifier() -> ember.Model:
    """Each of the 40 samples → Dense(32) + learned position embedding → 2 post-LN TransformerEncoder
    blocks (4 heads, feed-forward 64) → mean over time → Dense(10)."""
    inputs = ember.Input((40,))
    x = layers.Dense(32)(layers.Reshape((40, 1))(inputs))
    x = layers.Add()([x, layers.PositionEmbedding(40)(x)])
    for _ in range(2):
        x = layers.TransformerEncoder(intermediate_dim=64, num_heads=4)(x)
    return ember.Model(inputs, layers.Dense(10)(layers.GlobalAveragePooling1D()(x)))


def build(name: str) -> ember.Sequential:
    """One of the paper's four models, as a Sequential over ``(batch, 40)`` inputs."""
    head = [ember.Input((40,))]
    if name == "logistic":
        body = [layers.Dense(10)]
    elif name == "mlp":
        body = [layers.Dense(100, activation="relu"), layers.Dense(100, activation="relu"), layers.Dense(10)]
    elif name == "cnn":
        body = [layers.Reshape((40, 1))]
        for kernel in (5, 3, 3):  # PyTorch's Conv1d(padding=1) is explicit zero padding, then 'valid'
            body += [layers.ZeroPadding1D(1), layers.Conv1D(25, kernel, strides=2, activation="relu")]
        body += [layers.Flatten(), layers.Dense(10)]
    elif name == "transformer":
        return transformer_classifier()
    elif name == "lstm":
        body = [layers.Reshape((40, 1)), layers.Bidirectional(layers.LSTM(6, return_sequences=True)),
                layers.Flatten(), layers.Dense(10)]  # fmt: skip
    elif name == "gru":
        body = [layers.Reshape((40, 1)), layers.Bidirectional(layers.GRU(6, return_sequences=True)),
                layers.Flatten(), layers.Dense(10)]  # fmt: skip
    else:
        raise ValueError(f"mnist1d_models: unknown model {name!r}. Expected one of {sorted(PAPER)}")
    return ember.Sequential(head + body)


def train(name: str, data, steps: int = 6000, batch_size: int = 100, learning_rate: float | None = None,
          seed: int = 0) -> dict:  # fmt: skip
    """Train one model with the paper's recipe; returns test accuracy and timing."""
    (x, y), (xt, yt) = data
    ember.utils.set_random_seed(seed)
    model = build(name)
    learning_rate = learning_rate or LEARNING_RATE.get(name, 1e-2)
    model.compile(optimizer=ember.optimizers.Adam(learning_rate),
                  loss=ember.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])  # fmt: skip
    epochs = max(1, round(steps * batch_size / len(x)))
    start = time.time()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    loss, acc = model.evaluate(xt, yt, verbose=0)
    return {"model": name, "test_accuracy": acc, "test_loss": loss, "steps": epochs * -(-len(x) // batch_size),
            "seconds": time.time() - start, "paper": PAPER[name]}  # fmt: skip


def main(models=("logistic", "mlp", "cnn", "gru"), steps: int = 6000, train_limit: int | None = None) -> list:
    """Train each model and print a row per model next to the paper's number."""
    (x, y), (xt, yt) = ember.datasets.mnist1d.load_data()
    data = ((x[:train_limit], y[:train_limit]), (xt, yt))
    rows = []
    for name in models:
        row = train(name, data, steps=min(steps, STEPS.get(name, steps)))
        rows.append(row)
        paper = f"paper {row['paper']:.2f}" if row["paper"] else "not in the paper"
        print(f"MNIST-1D {name:8s} test accuracy {row['test_accuracy']:.3f} ({paper}), "
              f"{row['steps']} steps, {row['seconds']:.0f} s", flush=True)  # fmt: skip
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["logistic", "mlp", "cnn", "gru"])
    parser.add_argument("--steps", type=int, default=6000)
    args = parser.parse_args()
    main(args.models, args.steps)
