"""Transfer learning (issue 12, item b): frozen ImageNet MobileNetV2 features + a new Dense head.

Data: scikit-image's ``lfw_subset`` (200 real 25x25 grey crops from Labeled Faces in the Wild: 100 faces,
100 non-face patches), the one small real photo set with a label that installs offline (DATA.md §2b;
foolbox's 20 ImageNet/CIFAR images are too few to train on, scikit-learn's sample images are two photos).
The crops are upsampled to 96x96 RGB (PIL bilinear), normalised with ``preprocess_input``, and passed once
through ``MobileNetV2(include_top=False, pooling="avg", weights="imagenet")`` (frozen: features are computed
once); a ``Dense(1, sigmoid)`` head is trained on the 1280-d features. Baseline: the same head on raw pixels.
Split: a stratified 140/60 train/test split with seed 0.

Run: ``PYTHONPATH=$PWD python examples/transfer_mobilenet_lfw.py`` (about a minute on 2 cores).
"""

from __future__ import annotations

import time

import numpy as np

import ember
from ember import layers as L
from ember.applications.mobilenet_v2 import MobileNetV2, preprocess_input

SIZE = 96


def load_lfw_subset(seed: int = 0):
    """``(x_train, y_train), (x_test, y_test)``: uint8 ``(n, 25, 25)`` crops, label 1 = face; 140/60 split."""
    from skimage.data import lfw_subset

    x = np.round(lfw_subset() * 255).astype(np.uint8)
    y = np.array([1] * 100 + [0] * 100)  # skimage: the first 100 images are faces, the next 100 are not
    rng = np.random.default_rng(seed)
    test = np.concatenate([rng.choice(np.flatnonzero(y == c), 30, replace=False) for c in (0, 1)])
    train = np.setdiff1d(np.arange(200), test)
    return (x[train], y[train]), (x[test], y[test])


def to_rgb(x: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Grey ``(n, h, w)`` uint8 -> ``(n, size, size, 3)`` uint8, PIL bilinear resize."""
    from PIL import Image

    grey = np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BILINEAR)) for im in x])
    return np.repeat(grey[..., None], 3, axis=-1)


def train_head(features_train, y_train, features_test, y_test, epochs: int = 100, seed: int = 0) -> float:
    """Train ``Dense(1, sigmoid)`` (Adam 1e-3, batch 16) on standardised features; test accuracy."""
    ember.utils.set_random_seed(seed)
    mean, std = features_train.mean(0), features_train.std(0) + 1e-6
    head = ember.models.Sequential([L.Input((features_train.shape[1],)), L.Dense(1, activation="sigmoid")])
    head.compile(optimizer=ember.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    head.fit((features_train - mean) / std, y_train, batch_size=16, epochs=epochs, verbose=0)
    return float(head.evaluate((features_test - mean) / std, y_test, verbose=0)[1])


def run() -> dict:
    """Features once, then the head; returns the accuracies and the feature time."""
    (x_train, y_train), (x_test, y_test) = load_lfw_subset()
    base = MobileNetV2(include_top=False, pooling="avg", weights="imagenet", input_shape=(SIZE, SIZE, 3))
    base.trainable = False
    start = time.perf_counter()
    f_train = base.predict(preprocess_input(to_rgb(x_train)), batch_size=50, verbose=0)
    f_test = base.predict(preprocess_input(to_rgb(x_test)), batch_size=50, verbose=0)
    seconds = time.perf_counter() - start
    pixels = [x.reshape(len(x), -1).astype("float32") / 255.0 for x in (x_train, x_test)]
    return {
        "mobilenet_head": train_head(f_train, y_train, f_test, y_test),
        "pixels_head": train_head(pixels[0], y_train, pixels[1], y_test),
        "feature_seconds": seconds,
    }


if __name__ == "__main__":
    result = run()
    print(
        f"lfw_subset faces vs non-faces, 140 train / 60 test: frozen MobileNetV2 features + Dense head "
        f"{result['mobilenet_head']:.2%}, same head on raw pixels {result['pixels_head']:.2%} "
        f"(features of 200 images in {result['feature_seconds']:.1f} s)"
    )
