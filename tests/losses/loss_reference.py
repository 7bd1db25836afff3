"""Float64 NumPy references of Keras 3's loss formulas (keras/src/losses/losses.py), per sample."""

import numpy as np

EPS = 1e-7


def log_softmax(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def hinge_labels(t):
    return 2 * t - 1 if np.isin(t, (0, 1)).all() else t


def bce(t, p, from_logits=False):
    if from_logits:
        return np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def normalize(x):
    return x / np.maximum(np.sqrt((x**2).sum(-1, keepdims=True)), EPS)


REFERENCE = {
    "mean_squared_error": lambda t, p: ((t - p) ** 2).mean(-1),
    "mean_absolute_error": lambda t, p: np.abs(t - p).mean(-1),
    "mean_absolute_percentage_error": lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1),
    "mean_squared_logarithmic_error": lambda t, p: (
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2
    ).mean(-1),
    "huber": lambda t, p, delta=1.0: np.where(
        np.abs(p - t) <= delta, 0.5 * (p - t) ** 2, delta * np.abs(p - t) - 0.5 * delta**2
    ).mean(-1),
    "log_cosh": lambda t, p: np.log(np.cosh(p - t)).mean(-1),
    "cosine_similarity": lambda t, p: -(normalize(t) * normalize(p)).sum(-1),
    "hinge": lambda t, p: np.maximum(1 - hinge_labels(t) * p, 0).mean(-1),
    "squared_hinge": lambda t, p: (np.maximum(1 - hinge_labels(t) * p, 0) ** 2).mean(-1),
    "categorical_hinge": lambda t, p: np.maximum((p * (1 - t)).max(-1) - (t * p).sum(-1) + 1, 0),
    "poisson": lambda t, p: (p - t * np.log(p + EPS)).mean(-1),
    "kl_divergence": lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1),
    "binary_crossentropy": lambda t, p, from_logits=False, label_smoothing=0.0: bce(
        t * (1 - label_smoothing) + 0.5 * label_smoothing, p, from_logits
    ).mean(-1),
    "categorical_crossentropy": lambda t, p, from_logits=False, label_smoothing=0.0: (
        -(
            (t * (1 - label_smoothing) + label_smoothing / t.shape[-1])
            * (log_softmax(p) if from_logits else np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)))
        ).sum(-1)
    ),
}


def binary_focal(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    prob = sigmoid(p) if from_logits else p
    p_t = t * prob + (1 - t) * (1 - prob)
    focal = (1 - p_t) ** gamma * bce(t, p, from_logits)
    if apply_class_balancing:
        focal = (t * alpha + (1 - t) * (1 - alpha)) * focal
    return focal.mean(-1)


def categorical_focal(t, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        p = np.exp(log_softmax(p))
    out = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return (alpha * (1 - out) ** gamma * -t * np.log(out)).sum(-1)


REFERENCE["binary_focal_crossentropy"] = binary_focal
REFERENCE["categorical_focal_crossentropy"] = categorical_focal
