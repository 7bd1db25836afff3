"""Keras's dataset builders returning batches of NumPy arrays (an :class:`~ember.utils.py_dataset.ArrayDataset`
that ``fit`` accepts): ``timeseries_dataset_from_array``, ``image_dataset_from_directory``,
``text_dataset_from_directory``.

The directory readers load every file into memory once (ember has no streaming input pipeline) and,
with ``shuffle=True``, shuffle the file order once with ``seed`` (Keras reshuffles each epoch).
Source: keras/src/utils/{timeseries,image,text}_dataset_utils.py.
"""

from __future__ import annotations

import os

import numpy as np

from ember.utils.py_dataset import ArrayDataset

_IMAGE_EXTS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None,
                                  end_index=None):  # fmt: skip
    """Sliding windows over ``data``: window ``i`` is ``data[s_i + k * sampling_rate]`` for ``k < sequence_length``.

    Window starts are ``s_i = start_index + i * sequence_stride``; the target of a window is
    ``targets[s_i]`` (Keras's convention).

    Args:
        data: array ``(timesteps, ...)``.
        targets: array ``(timesteps, ...)`` or ``None`` (batches of windows only).
        sequence_length, sequence_stride, sampling_rate: window length, step between starts, step inside.
        batch_size: windows per batch. Defaults to ``128``; ``None`` for single windows.
        shuffle, seed: shuffle the windows once. Defaults to ``False``.
        start_index, end_index: the range of ``data`` used. Default to the whole array.

    Returns:
        ArrayDataset of ``(windows (batch, sequence_length, ...), targets)`` or of windows.

    Raises:
        ValueError: for non-positive lengths or strides, or a range too short for one window.
    """
    data = np.asarray(data)
    for arg, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                       ("sampling_rate", sampling_rate)):  # fmt: skip
        if int(value) <= 0:
            raise ValueError(f"timeseries_dataset_from_array: `{arg}` must be > 0. Received: {arg}={value}")
    start = 0 if start_index is None else int(start_index)
    end = len(data) if end_index is None else int(end_index)
    if targets is not None:
        end = min(end, len(targets))
    span = (sequence_length - 1) * sampling_rate
    if end - start - span <= 0:
        raise ValueError(f"timeseries_dataset_from_array: no full window of length {sequence_length} (sampling_rate="
                         f"{sampling_rate}) fits in data[{start}:{end}]")  # fmt: skip
    starts = np.arange(start, end - span, sequence_stride)
    if shuffle:
        np.random.default_rng(seed).shuffle(starts)
    index = starts[:, None] + np.arange(sequence_length)[None, :] * sampling_rate
    arrays = (data[index],) if targets is None else (data[index], np.asarray(targets)[starts])
    return ArrayDataset(arrays, batch_size)


def _labelled_files(directory, exts, labels, class_names, follow_links, fn):
    if not os.path.isdir(directory):
        raise ValueError(f"{fn}: directory {directory!r} does not exist")
    if labels not in ("inferred", None):
        raise NotImplementedError(f"{fn}: labels={labels!r} (an explicit list) is not implemented in ember; use "
                                  "'inferred' (one sub-folder per class) or None")  # fmt: skip
    found = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
    names = list(class_names) if class_names is not None else found
    if labels is None:
        names = [""]
    files, ids = [], []
    for i, name in enumerate(names):
        folder = os.path.join(directory, name)
        for root, _, entries in sorted(os.walk(folder, followlinks=follow_links)):
            for entry in sorted(entries):
                if entry.lower().endswith(exts):
                    files.append(os.path.join(root, entry))
                    ids.append(i)
    if not files:
        raise ValueError(f"{fn}: no files with extensions {exts} under {directory!r}")
    return files, np.asarray(ids, dtype="int32"), (names if labels is not None else None)


def _split(items: list, validation_split, subset, seed, shuffle, fn):
    order = np.arange(len(items[0]))
    if shuffle or validation_split:
        if seed is None and validation_split:
            raise ValueError(f"{fn}: pass `seed` with `validation_split` so both subsets split the same files")
        np.random.default_rng(seed).shuffle(order)
    if validation_split:
        n_val = int(validation_split * len(order))
        if subset not in ("training", "validation"):
            raise ValueError(f"{fn}: subset must be 'training' or 'validation'. Received: subset={subset!r}")
        order = order[:-n_val] if subset == "training" else order[-n_val:]
    return [[item[i] for i in order] if isinstance(item, list) else item[order] for item in items]


def _labels(ids, label_mode, num_classes, fn):
    if label_mode == "int":
        return ids
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[ids]
    if label_mode == "binary":
        if num_classes != 2:
            raise ValueError(f"{fn}: label_mode='binary' needs exactly 2 classes. Received: {num_classes}")
        return ids.astype("float32")[:, None]
    raise ValueError(f"{fn}: label_mode must be 'int', 'categorical', 'binary' or None. Received: {label_mode!r}")


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, **kwargs):  # fmt: skip
    """Images in ``directory/<class>/*`` as float32 batches ``(batch, height, width, channels)`` (0-255) and labels.

    Needs Pillow (the ``viz`` extra). ``color_mode`` is ``'rgb'``, ``'grayscale'`` or ``'rgba'``.

    Returns:
        ArrayDataset of ``(images, labels)`` (or images, ``label_mode=None``), with ``.class_names``.

    Raises:
        ValueError: for a missing folder, no images, or bad ``label_mode``/``subset``.
        NotImplementedError: for ``crop_to_aspect_ratio=True``, explicit label lists, or other Keras options.
    """
    fn = "image_dataset_from_directory"
    if crop_to_aspect_ratio or kwargs.get("pad_to_aspect_ratio"):
        raise NotImplementedError(f"{fn}: crop_to_aspect_ratio/pad_to_aspect_ratio are not implemented in ember")
    from PIL import Image

    modes = {"rgb": "RGB", "grayscale": "L", "rgba": "RGBA"}
    if color_mode not in modes:
        raise ValueError(f"{fn}: color_mode must be one of {list(modes)}. Received: {color_mode!r}")
    files, ids, names = _labelled_files(directory, _IMAGE_EXTS, labels, class_names, follow_links, fn)
    files, ids = _split([files, ids], validation_split, subset, seed, shuffle, fn)
    resample = {"bilinear": Image.BILINEAR, "nearest": Image.NEAREST, "bicubic": Image.BICUBIC}[interpolation]
    images = []
    for path in files:
        with Image.open(path) as img:
            img = img.convert(modes[color_mode]).resize((image_size[1], image_size[0]), resample)
            images.append(np.asarray(img, dtype="float32").reshape(image_size[0], image_size[1], -1))
    x = np.stack(images)
    if label_mode is None or names is None:
        return ArrayDataset((x,), batch_size, class_names=names)
    return ArrayDataset((x, _labels(ids, label_mode, len(names), fn)), batch_size, class_names=names)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, **kwargs):  # fmt: skip
    """Texts in ``directory/<class>/*.txt`` as batches of strings (NumPy ``str`` arrays) and labels.

    Returns:
        ArrayDataset of ``(texts, labels)`` (or texts), with ``.class_names``; ``max_length`` truncates each text.
    """
    fn = "text_dataset_from_directory"
    files, ids, names = _labelled_files(directory, (".txt",), labels, class_names, follow_links, fn)
    files, ids = _split([files, ids], validation_split, subset, seed, shuffle, fn)
    texts = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        texts.append(text[:max_length] if max_length is not None else text)
    x = np.asarray(texts, dtype=object)
    if label_mode is None or names is None:
        return ArrayDataset((x,), batch_size, class_names=names)
    return ArrayDataset((x, _labels(ids, label_mode, len(names), fn)), batch_size, class_names=names)
