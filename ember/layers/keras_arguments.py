"""Keras 3 constructor arguments that ember's layers do not implement, with Keras's defaults.

Generated from Keras 3.15's signatures (``tests/layers/test_keras_arguments.py`` regenerates and checks
it against real Keras): for each layer, the ``__init__`` arguments Keras accepts and ember does not.
:meth:`ember.layers.Layer.__init__` accepts such an argument at its Keras default (it changes nothing)
and raises NotImplementedError for any other value, so no Keras argument is ever silently ignored.
"""

from __future__ import annotations

_LORA = {"lora_rank": None, "lora_alpha": None, "quantization_config": None}

KERAS_ONLY: dict[str, dict] = {
    "Dense": dict(_LORA),
    "EinsumDense": {**_LORA, "gptq_unpacked_column_size": None},
    "Embedding": dict(_LORA),
    "BatchNormalization": {"renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "synchronized": False},
    "MultiHeadAttention": {"sliding_window": None, "flash_attention": None, "kernel_regularizer": None,
                           "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
                           "use_gate": False},
    "InputLayer": {"sparse": None, "ragged": None, "input_tensor": None, "optional": False},
}  # fmt: skip


def keras_only_arguments(cls) -> dict:
    """``{argument: Keras default}`` for ``cls`` (its class name, then its bases' names)."""
    out: dict = {}
    for base in reversed(cls.__mro__):
        out.update(KERAS_ONLY.get(base.__name__, {}))
    return out
