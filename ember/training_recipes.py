"""Ready-made (dataset, model) pairs for ``ember train``: data preparation and architectures.

Each recipe scales the inputs, builds a Keras-style model and compiles it
with Adam and sparse categorical cross-entropy (binary for two classes).
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass

import numpy as np


@dataclass
class Recipe:
    """A compiled model with its train/test arrays and default epochs."""

    model: object
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    epochs: int
    validation_split: float = 0.1
    validation_data: tuple | None = None
    note: str = ""


_CNN_EPOCHS = 10
_SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))
_EPOCHS = {"digits": 30, "iris": 100, "breast_cancer": 50, "mnist1d": 30, "xor": 500, "mnist": 10, "fashion_mnist": 10}
_IMAGE_DATASETS = ("digits", "mnist", "fashion_mnist")
SEQUENCE_MODELS = ("lstm", "gru", "transformer")


def _load(dataset: str):
    from ember import datasets

    (x_train, y_train), (x_test, y_test) = getattr(datasets, dataset).load_data()
    x_train = x_train.reshape(len(x_train), -1).astype("float32")
    x_test = x_test.reshape(len(x_test), -1).astype("float32")
    # Standardise with training statistics only (no test leakage).
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


def _load_images(dataset: str):
    """Images as ``(n, height, width, 1)`` float32 in [0, 1] (digits: pixel values 0..16)."""
    from ember import datasets

    if dataset not in _IMAGE_DATASETS:
        raise ValueError(f"model 'cnn' needs an image dataset; expected --dataset one of {_IMAGE_DATASETS}. "
                         f"Received: {dataset!r}")  # fmt: skip
    (x_train, y_train), (x_test, y_test) = getattr(datasets, dataset).load_data()
    scale = float(max(x_train.max(), 1))
    x_train = (x_train.astype("float32") / scale)[..., None]
    x_test = (x_test.astype("float32") / scale)[..., None]
    return x_train, y_train, x_test, y_test


def shift_image(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Images ``(n, h, w, c)`` moved by ``dy`` rows and ``dx`` columns, zero-filled (no wrap-around)."""
    out = np.zeros_like(x)
    h, w = x.shape[1:3]
    out[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        :, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def augment_shifts(x: np.ndarray, y: np.ndarray):
    """The images plus copies shifted one pixel up, down, left and right (5x the samples).

    Small translations are the classic augmentation for digits (Simard et al., 2003);
    on 8x8 digits they take the LeNet recipe from about 97.5 % to above 98 % test accuracy.
    """
    xs = [x] + [shift_image(x, dy, dx) for dy, dx in _SHIFTS]
    return np.concatenate(xs), np.concatenate([y] * len(xs))


def lenet(input_shape, classes: int):
    """A LeNet-style CNN (LeCun et al., 1998), sized for 8x8 digits.

    ``Conv2D(16, 3, same, relu) → MaxPooling2D(2) → Conv2D(32, 3, same, relu) → MaxPooling2D(2)
    → Flatten → Dense(64, relu) → Dropout(0.3) → Dense(classes, softmax)``.
    """
    from ember import layers, models

    return models.Sequential([
        layers.Input(shape=input_shape),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(classes, activation="softmax"),
    ], name="lenet")  # fmt: skip


def _cnn_recipe(dataset: str, learning_rate: float | None) -> Recipe:
    """LeNet on shift-augmented digits; the last 10 % of the training images (unaugmented) validate."""
    from ember import optimizers

    x_train, y_train, x_test, y_test = _load_images(dataset)
    y_train, y_test = y_train.astype("int64"), y_test.astype("int64")
    cut = int(len(x_train) * 0.9)
    # Shift augmentation for the 1,797 small digits only; MNIST-sized sets have data enough.
    x_aug, y_aug = (
        augment_shifts(x_train[:cut], y_train[:cut]) if dataset == "digits" else (x_train[:cut], y_train[:cut])
    )
    model = lenet(x_train.shape[1:], int(y_train.max()) + 1)
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate or 1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
    epochs = _CNN_EPOCHS if dataset == "digits" else 3
    note = f" ({cut} images and 4 one-pixel shifts of each)" if dataset == "digits" else ""
    return Recipe(model, x_aug, y_aug, x_test, y_test, epochs, 0.0, (x_train[cut:], y_train[cut:]), note)


def build_recipe(dataset: str, model_name: str, learning_rate: float | None = None) -> Recipe:
    """Load ``dataset`` and build ``model_name`` (``'mlp'``, ``'perceptron'``, ``'cnn'``, ``'lstm'``, ``'gru'``
    or ``'transformer'``, the sequence models for ``mnist1d`` and ``tweets_sentiment``), compiled.

    Raises:
        ValueError: for an unknown dataset or model name, or ``'cnn'`` on a non-image dataset.
    """
    from ember import layers, models, optimizers

    if model_name == "cnn":
        return _cnn_recipe(dataset, learning_rate)
    if model_name in SEQUENCE_MODELS or dataset == "tweets_sentiment":
        return _sequence_recipe(dataset, model_name, learning_rate)
    x_train, y_train, x_test, y_test = _load(dataset)
    y_train = y_train.reshape(len(y_train), -1)[:, 0] if y_train.ndim > 1 else y_train
    y_test = y_test.reshape(len(y_test), -1)[:, 0] if y_test.ndim > 1 else y_test
    classes = int(max(y_train.max(), y_test.max())) + 1
    binary = classes == 2
    out = layers.Dense(1, activation="sigmoid") if binary else layers.Dense(classes, activation="softmax")
    features = x_train.shape[1]
    if model_name == "mlp":
        model = models.Sequential([
            layers.Dense(128, activation="relu", input_dim=features),
            layers.Dropout(0.1),
            layers.Dense(64, activation="relu"),
            out,
        ])  # fmt: skip
        lr = learning_rate or 1e-3
    elif model_name == "perceptron":
        model = models.Sequential([layers.Input(shape=(features,)), out])
        lr = learning_rate or 1e-2
    else:
        raise ValueError(
            f"unknown model {model_name!r}; expected one of: mlp, perceptron, cnn, {', '.join(SEQUENCE_MODELS)}"
        )
    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    model.compile(optimizer=optimizers.Adam(learning_rate=lr), loss=loss, metrics=["accuracy"])
    split = 0.0 if dataset == "xor" else 0.1
    return Recipe(model, x_train, y_train.astype("int64"), x_test, y_test.astype("int64"), _EPOCHS[dataset], split)


# ---------------------------------------------------------------------- sequence models (issue 5)
_TOKEN = re.compile(r"[@#]?[a-z0-9']+")


def encode_texts(texts, vocab: dict | None = None, length: int = 40, size: int = 10000):
    """Word ids ``(n, length)`` (0 = padding, 1 = unknown) and the vocabulary built from ``texts`` if not given."""
    tokens = [_TOKEN.findall(str(t).lower()) for t in texts]
    if vocab is None:
        counts = collections.Counter(tok for toks in tokens for tok in toks)
        vocab = {tok: i + 2 for i, (tok, _) in enumerate(counts.most_common(size))}
    out = np.zeros((len(texts), length), dtype="int64")
    for i, toks in enumerate(tokens):
        ids = [vocab.get(tok, 1) for tok in toks][:length]
        out[i, : len(ids)] = ids
    return out, vocab


def _sequence_body(model_name: str, dataset: str, vocab_size: int):
    """Layers after the input: MNIST-1D's paper models (GRU/LSTM bidirectional 6 units) or text models."""
    from ember import layers

    if dataset == "mnist1d" and model_name in ("lstm", "gru"):
        rnn = (layers.LSTM if model_name == "lstm" else layers.GRU)(6, return_sequences=True)
        return [layers.Reshape((40, 1)), layers.Bidirectional(rnn), layers.Flatten()]
    if dataset == "mnist1d":
        return [layers.Reshape((40, 1)), layers.Dense(32), layers.TransformerEncoder(64, 4),
                layers.GlobalAveragePooling1D()]  # fmt: skip
    if model_name in ("lstm", "gru"):
        rnn = (layers.LSTM if model_name == "lstm" else layers.GRU)(64)
        return [layers.Embedding(vocab_size, 64, mask_zero=True), rnn]
    return [layers.TokenAndPositionEmbedding(vocab_size, 40, 64, mask_zero=True), layers.TransformerEncoder(128, 4),
            layers.GlobalAveragePooling1D()]  # fmt: skip


def _sequence_recipe(dataset: str, model_name: str, learning_rate: float | None) -> Recipe:
    """LSTM, GRU or Transformer encoder on ``mnist1d`` (40 samples per signal) or ``tweets_sentiment`` (words).

    Raises:
        ValueError: for another dataset or model, naming the valid ones.
    """
    from ember import datasets, layers, models, optimizers

    if dataset not in ("mnist1d", "tweets_sentiment") or model_name not in SEQUENCE_MODELS:
        raise ValueError(f"sequence recipes pair --model {'/'.join(SEQUENCE_MODELS)} with --dataset mnist1d or "
                         f"tweets_sentiment. Received: --model {model_name} --dataset {dataset}")  # fmt: skip
    (x_train, y_train), (x_test, y_test) = getattr(datasets, dataset).load_data()
    vocab_size, shape, dtype = 0, (40,), "float32"
    if dataset == "tweets_sentiment":
        x_train, vocab = encode_texts(x_train)
        x_test, _ = encode_texts(x_test, vocab)
        vocab_size, dtype = len(vocab) + 2, "int64"
    classes = int(y_train.max()) + 1
    model = models.Sequential([layers.Input(shape=shape, dtype=dtype), *_sequence_body(model_name, dataset, vocab_size),
                               layers.Dense(classes, activation="softmax")])  # fmt: skip
    default_lr = 1e-2 if dataset == "mnist1d" and model_name != "transformer" else 1e-3
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate or default_lr),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
    epochs = 3 if dataset == "tweets_sentiment" else 30
    return Recipe(model, x_train, y_train.astype("int64"), x_test, y_test.astype("int64"), epochs, 0.1)
