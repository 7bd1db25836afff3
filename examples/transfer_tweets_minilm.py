"""Transfer learning on tweet sentiment: pretrained all-MiniLM-L6-v2 features vs ember's LSTM (74.46 %).

Data: ``ember.datasets.tweets_sentiment`` (3 classes), the same stratified test split as
``rnn_tweets_sentiment.py`` (7,632 tweets); training on the first ``train_limit`` tweets of its
training split (encoding all 30,526 on 2 CPU cores would take most of the time budget).

Three classifiers on the encoder ``SentenceEncoder("all-MiniLM-L6-v2")``:

1. frozen embeddings (mean-pooled, L2-normalised, 384 floats, as sentence-transformers) + ``Dense(3)``;
2. frozen embeddings + ``Dense(256, relu)`` + ``Dropout(0.2)`` + ``Dense(3)``;
3. fine-tuning: the last of the 6 encoder layers is trained together with the head of (1), which it
   starts from (linear probing then fine-tuning, Kumar et al. 2022). The five frozen layers run once:
   their output is cached per batch, and each step runs only the last layer forward and backward
   (with its dropout on). Adam, a custom loop over ember's autograd.

    python examples/transfer_tweets_minilm.py [--train-limit 12000] [--ft-epochs 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ember
import ember.datasets
from ember import layers, ops
from ember.applications import SentenceEncoder
from ember.applications.sentence_encoder import l2_normalize, length_batches, pool

LSTM_ACCURACY = 0.7446  # RESULTS_FAMILIES.md, rnn_tweets_sentiment.py --cell lstm, 2 epochs on all 30,526


def cache_last_layer_inputs(encoder: SentenceEncoder, texts, batch_size: int = 32):
    """One frozen pass: the sentence embeddings ``(n, 384)`` and, per length bucket, what enters the last layer.

    Returns:
        ``(features, batches)``: ``batches`` is a list of ``(rows, hidden (b, T, 384) float32, mask (b, T))``.
    """
    bert = encoder.encoder
    encodings = encoder.tokenize(texts)
    features = np.zeros((len(texts), bert.hidden_size), np.float32)
    batches = []
    with ember.no_grad():
        for rows in length_batches([len(e.ids) for e in encodings], batch_size):
            ids, mask, types = encoder.pad_batch([encodings[i] for i in rows])
            keep = bert.key_mask(ember.tensor(mask))
            x = bert.embeddings(ember.tensor(ids), token_type_ids=ember.tensor(types))
            for layer in bert.encoder_layers[:-1]:
                x = layer(x, attention_mask=keep)
            batches.append((np.asarray(rows), x.numpy(), mask))
            out = bert.encoder_layers[-1](x, attention_mask=keep)
            features[rows] = l2_normalize(pool(out, mask)).numpy()
    return features, batches


def train_head(head, features, y, test_features, y_test, epochs: int, lr: float, verbose: int) -> float:
    """Fit ``head`` (logits) on frozen features; returns its test accuracy."""
    head.compile(optimizer=ember.optimizers.Adam(lr), metrics=["accuracy"],
                 loss=ember.losses.SparseCategoricalCrossentropy(from_logits=True))  # fmt: skip
    head.fit(features, y, batch_size=64, epochs=epochs, verbose=verbose)
    return float(head.evaluate(test_features, y_test, verbose=0)[1])


def _last_layer_logits(encoder, head, hidden, mask, training):
    layer = encoder.encoder.encoder_layers[-1]
    keep = encoder.encoder.key_mask(ember.tensor(mask))
    out = layer(ember.tensor(hidden), attention_mask=keep, training=training)
    return head(l2_normalize(pool(out, mask)), training=training)


def accuracy_last_layer(encoder, head, batches, y) -> float:
    correct = 0
    with ember.no_grad():
        for rows, hidden, mask in batches:
            logits = _last_layer_logits(encoder, head, hidden, mask, training=False)
            correct += int((ops.argmax(logits, axis=-1).numpy() == y[rows]).sum())
    return correct / sum(len(rows) for rows, _, _ in batches)


def fine_tune_last_layer(encoder, head, batches, y, epochs: int, lr: float, seed: int, verbose: int) -> list[float]:
    """Train the last encoder layer and ``head`` on cached inputs (batches in random order); mean loss per epoch."""
    variables = encoder.encoder.encoder_layers[-1].trainable_weights + head.trainable_weights
    optimizer = ember.optimizers.Adam(lr)
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        losses, start = [], time.time()
        for b in rng.permutation(len(batches)):
            rows, hidden, mask = batches[b]
            logits = _last_layer_logits(encoder, head, hidden, mask, training=True)
            loss = ops.mean(ember.losses.sparse_categorical_crossentropy(y[rows], logits, from_logits=True))
            loss.backward()
            optimizer.apply([v.grad for v in variables], variables)
            for v in variables:
                v.grad = None
            losses.append(float(loss.numpy()))
        history.append(float(np.mean(losses)))
        if verbose:
            print(f"fine-tune epoch {epoch + 1}/{epochs}: loss {history[-1]:.4f} ({time.time() - start:.0f} s)")
    return history


def main(train_limit: int | None = 12000, test_limit: int | None = None, head_epochs: int = 30,
         ft_epochs: int = 2, ft_lr: float = 1e-4, seed: int = 0, verbose: int = 1) -> dict:  # fmt: skip
    """Run the three classifiers; returns their test accuracies, sizes, timings and the baselines."""
    ember.utils.set_random_seed(seed)
    (x, y), (xt, yt) = ember.datasets.tweets_sentiment.load_data()
    x, y, xt, yt = x[:train_limit], y[:train_limit], xt[:test_limit], yt[:test_limit]
    encoder = SentenceEncoder("all-MiniLM-L6-v2")
    t0 = time.time()
    features, train_batches = cache_last_layer_inputs(encoder, [str(t) for t in x])
    test_features, test_batches = cache_last_layer_inputs(encoder, [str(t) for t in xt])
    encode_s = time.time() - t0
    if verbose:
        print(f"encoded {len(x)} + {len(xt)} tweets in {encode_s:.0f} s ({(len(x) + len(xt)) / encode_s:.1f}/s)")
    linear = ember.Sequential([layers.Input((features.shape[1],)), layers.Dense(3)])
    acc_linear = train_head(linear, features, y, test_features, yt, head_epochs, 3e-3, max(verbose - 1, 0))
    mlp = ember.Sequential([layers.Input((features.shape[1],)), layers.Dense(256, activation="relu"),
                            layers.Dropout(0.2), layers.Dense(3)])  # fmt: skip
    acc_mlp = train_head(mlp, features, y, test_features, yt, head_epochs, 1e-3, max(verbose - 1, 0))
    t1 = time.time()
    history = fine_tune_last_layer(encoder, linear, train_batches, y, ft_epochs, ft_lr, seed, verbose)
    acc_ft = accuracy_last_layer(encoder, linear, test_batches, yt)
    ft_s = time.time() - t1
    baseline = float(np.mean(yt == np.bincount(y).argmax()))
    result = {"train_size": len(x), "test_size": len(xt), "linear_head": acc_linear, "mlp_head": acc_mlp,
              "fine_tuned_last_layer": acc_ft, "fine_tune_losses": history, "baseline": baseline,
              "encode_seconds": encode_s, "fine_tune_seconds": ft_s}  # fmt: skip
    if verbose:
        print(f"test accuracy on {len(xt)} tweets (train {len(x)}): frozen MiniLM + Dense(3) {acc_linear:.4f}, "
              f"+ MLP head {acc_mlp:.4f}, last layer fine-tuned ({ft_epochs} epochs, {ft_s:.0f} s) {acc_ft:.4f}; "
              f"LSTM {LSTM_ACCURACY:.4f}, majority class {baseline:.4f}")  # fmt: skip
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-limit", type=int, default=12000, help="training tweets (0: all 30,526)")
    parser.add_argument("--head-epochs", type=int, default=30)
    parser.add_argument("--ft-epochs", type=int, default=2)
    parser.add_argument("--ft-lr", type=float, default=1e-4)
    args = parser.parse_args()
    main(args.train_limit or None, None, args.head_epochs, args.ft_epochs, args.ft_lr)
