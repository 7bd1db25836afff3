"""Shared inputs for the ONNX import tests: the real models' paths, PIL-rendered text, a voiced signal."""

from __future__ import annotations

import importlib.util
import math
import os

import numpy as np
import pytest


def package_file(package: str, *parts: str) -> str:
    """A file inside an installed data wheel; the test fails (no skip) naming the wheel when it is absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        pytest.fail(f"the data wheel {package!r} is not installed; run tools/install_data.sh")
    path = os.path.join(os.path.dirname(spec.origin), *parts)
    assert os.path.isfile(path), path
    return path


def require(module: str, extra: str = "onnx"):
    """Import ``module`` or fail naming the optional extra that provides it."""
    try:
        return __import__(module)
    except ImportError:
        pytest.fail(f"{module} is missing: pip install 'ember[{extra}]'")


def render_text(text: str = "HELLO 2024", height: int = 48) -> np.ndarray:
    """``text`` black on white, RGB uint8 ``(h, w, 3)``, DejaVu Sans (Debian fonts-dejavu-core) or PIL's font."""
    from PIL import Image, ImageDraw, ImageFont

    path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    font = ImageFont.truetype(path, 32) if os.path.isfile(path) else ImageFont.load_default(size=32)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("RGB", (right - left + 24, bottom - top + 24), "white")
    ImageDraw.Draw(image).text((12 - left, 12 - top), text, fill="black", font=font)
    return np.asarray(image)


def rec_input(rgb: np.ndarray, height: int = 48) -> np.ndarray:
    """rapidocr's recogniser/classifier preprocessing: height 48, width by aspect, ``(x / 255 - 0.5) / 0.5``."""
    from PIL import Image

    h, w = rgb.shape[:2]
    width = int(math.ceil(height * w / h))
    resized = np.asarray(Image.fromarray(rgb).resize((width, height), Image.BILINEAR), np.float32)
    return ((resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5)[None].astype(np.float32)


def det_input(rgb: np.ndarray) -> np.ndarray:
    """rapidocr's detector preprocessing (config.yaml: mean = std = 0.5), sides rounded to multiples of 32."""
    from PIL import Image

    h, w = rgb.shape[:2]
    nh, nw = max(32, round(h / 32) * 32), max(32, round(w / 32) * 32)
    resized = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BILINEAR), np.float32)
    return ((resized / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None].astype(np.float32)


def voiced_signal(seconds: float = 0.25, rate: int = 16000) -> np.ndarray:
    """A deterministic speech-like signal: a 120 Hz glottal pulse train shaped by three vowel formants,
    with a 4 Hz syllable envelope (espeak-ng is not installed here; this stands in for recorded speech)."""
    t = np.arange(int(seconds * rate)) / rate
    f0 = 120 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    signal = np.zeros_like(t)
    for k in range(1, 30):
        freq = 120 * k
        gain = sum(math.exp(-(((freq - f) / 90.0) ** 2)) for f in (700, 1200, 2600)) + 0.05
        signal += gain / k * np.sin(k * phase)
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4 * t))
    return (0.3 * signal / np.abs(signal).max() * envelope).astype(np.float32)


def cls_input(rgb: np.ndarray, width: int = 192) -> np.ndarray:
    """rapidocr's classifier preprocessing: as :func:`rec_input`, width capped at 192, zero-padded to 192."""
    from PIL import Image

    h, w = rgb.shape[:2]
    resized_w = min(width, int(math.ceil(48 * w / h)))
    resized = np.asarray(Image.fromarray(rgb).resize((resized_w, 48), Image.BILINEAR), np.float32)
    out = np.zeros((1, 3, 48, width), np.float32)
    out[0, :, :, :resized_w] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return out


def ctc_greedy(probs: np.ndarray, characters: list[str]) -> str:
    """Greedy CTC decoding: best class per step, repeats merged, blanks (index 0) dropped."""
    best = probs.argmax(-1)
    keep = (best != 0) & np.concatenate([[True], best[1:] != best[:-1]])
    return "".join(characters[i] for i in best[keep])
