"""PyTorch parameter layouts -> Keras/ember weight layouts, one rule per layer type.

Each ember layer that owns weights is a *unit*; each torch module prefix (``features.0.1``) a *group*. A rule
names, for every ember weight, the torch key it comes from and how the array is rearranged:

=====================  ==============================  =================================================
ember layer            torch module                    conversion
=====================  ==============================  =================================================
Dense                  Linear ``weight (out, in)``     transpose -> ``kernel (in, out)``
Conv1D/Conv2D          ``weight (O, I, *k)``           -> ``(*k, I, O)`` (OIHW -> HWIO)
DepthwiseConv2D        Conv2d, groups=in, ``(in*m,1,kh,kw)``  -> ``(kh, kw, in, m)``
Conv1D/2DTranspose     ``weight (I, O, *k)``           -> ``(*k, O, I)``
BatchNormalization     weight, bias, running_mean/var  gamma, beta, moving_mean, moving_variance
LayerNormalization     weight, bias                    gamma, beta
Embedding              weight                          embeddings
LSTM(Cell)             weight_ih/hh_l0, bias_ih/hh_l0  transpose (gates i,f,g,o = Keras i,f,c,o); bias = b_ih + b_hh
GRU(Cell)              same (reset_after=True)         gates r,z,n -> Keras z,r,h; bias ``(2, 3u)`` = [b_ih; b_hh]
SimpleRNN(Cell)        same                            transpose; bias = b_ih + b_hh
MultiHeadAttention     in_proj_weight/bias, out_proj   split q,k,v; ``(E, E)`` -> ``(E, heads, head_dim)``
=====================  ==============================  =================================================

A Dense layer right after a Flatten of a channels-last ``(batch, *spatial, C)`` tensor gets its kernel rows
permuted, because torch flattens ``(C, *spatial)``: ember row ``(h, w, c)`` takes torch column ``c*H*W + h*W + w``.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ember import layers as L

RNN_KEYS = {"kernel": "weight_ih_l{}", "recurrent_kernel": "weight_hh_l{}", "bias": "bias_ih_l{}"}
CELL_KEYS = {"kernel": "weight_ih", "recurrent_kernel": "weight_hh", "bias": "bias_ih"}  # nn.LSTMCell, ...
CELLS = (L.LSTMCell, L.GRUCell, L.SimpleRNNCell)
PLAIN_KEYS = {"kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias", "moving_mean": "running_mean",
              "moving_variance": "running_var", "embeddings": "weight"}  # fmt: skip
MHA_KEYS = {"query": ("in_proj_weight", "in_proj_bias", 0), "key": ("in_proj_weight", "in_proj_bias", 1),
            "value": ("in_proj_weight", "in_proj_bias", 2)}  # fmt: skip


def units(model) -> list:
    """``[(layer, previous_layer)]``: every ember layer owning weights, in weight order (nested models walked)."""
    if isinstance(model, (L.MultiHeadAttention, L.RNN)) or (model._weights and not model._layers):
        return [(model, None)]
    out = []

    def walk(layer):
        prev = None
        for sub in layer._layers:
            if isinstance(sub, (L.MultiHeadAttention, L.RNN)) or (sub._weights and not sub._layers):
                out.append((sub, prev))
            elif sub._layers:
                walk(sub)
            prev = sub

    walk(model)
    return out


def torch_groups(state_dict: dict) -> OrderedDict:
    """``{prefix: [keys]}`` in checkpoint order; ``num_batches_tracked`` dropped, ``out_proj`` joined to its
    MultiheadAttention, each layer ``lK`` of a stacked RNN its own group ``'prefix@K'``."""
    groups = OrderedDict()
    for key in state_dict:
        if key.endswith("num_batches_tracked"):
            continue
        prefix, _, leaf = key.rpartition(".")
        if leaf.startswith(("weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l")):
            prefix = f"{prefix}@{leaf.rsplit('_l', 1)[1]}"
        elif prefix.endswith("out_proj") and f"{prefix[: -len('out_proj')]}in_proj_weight" in state_dict:
            prefix = prefix[: -len(".out_proj")]
        groups.setdefault(prefix, []).append(key)
    return groups


def torch_key(layer, var, prefix: str) -> str:
    """The torch key that ember weight ``var`` of ``layer`` comes from, under module ``prefix``."""
    base, _, index = prefix.partition("@")
    join = (lambda leaf: f"{base}.{leaf}") if base else (lambda leaf: leaf)
    role = var.path[len(layer.name) + 1 :] if var.path.startswith(layer.name + "/") else var.name
    if isinstance(layer, L.RNN):
        return join(RNN_KEYS.get(var.name, var.name).format(index or 0))
    if isinstance(layer, CELLS):
        return join(CELL_KEYS.get(var.name, var.name))
    if isinstance(layer, L.MultiHeadAttention):
        sub, _, name = role.partition("/")
        if sub in MHA_KEYS:
            return join(MHA_KEYS[sub][0 if name == "kernel" else 1])
        return join(f"out_proj.{PLAIN_KEYS.get(name, name)}")
    return join(PLAIN_KEYS.get(var.name, var.name))


def _gates(w: np.ndarray, order) -> np.ndarray:
    parts = np.split(w, 3, axis=0)
    return np.concatenate([parts[i] for i in order], axis=0)


def _rnn(layer, var, key: str, sd: dict) -> np.ndarray:
    cell = layer if isinstance(layer, CELLS) else layer.cell
    gru = isinstance(cell, L.GRUCell)
    if gru and not cell.reset_after:
        raise ValueError(f"load_state_dict: GRU '{layer.name}' has reset_after=False; torch's GRU is "
                         f"reset_after=True. Received: reset_after={cell.reset_after}")  # fmt: skip
    order = (1, 0, 2) if gru else None  # torch r,z,n -> Keras z,r,h
    w = sd[key]
    if var.name == "bias":
        w_hh = sd[key.replace("bias_ih", "bias_hh")] if key.replace("bias_ih", "bias_hh") in sd else np.zeros_like(w)
        if gru:
            return np.stack([_gates(w, order), _gates(w_hh, order)])
        return w + w_hh
    return (_gates(w, order) if gru else w).T


def _mha(layer, var, key: str, sd: dict) -> np.ndarray:
    role = var.path[len(layer.name) + 1 :]
    sub, _, name = role.partition("/")
    w = sd[key]
    if sub in MHA_KEYS:
        w = np.split(w, 3, axis=0)[MHA_KEYS[sub][2]]
        return w.T.reshape(var.shape) if name == "kernel" else w.reshape(var.shape)
    return w.T.reshape(var.shape) if name == "kernel" else w


def _flatten_rows(prev, n_in: int):
    """Row permutation for a Dense after ``prev`` when ``prev`` flattens a channels-last tensor, else None."""
    shape = getattr(prev, "_build_shape", None)
    if not isinstance(prev, L.Flatten) or shape is None or len(shape) < 3 or prev.data_format != "channels_last":
        return None
    spatial, c = tuple(shape[1:-1]), shape[-1]
    if None in spatial or c is None or int(np.prod(spatial)) * c != n_in:
        return None
    idx = np.arange(n_in).reshape(c, *spatial)  # torch order (C, *spatial)
    return np.moveaxis(idx, 0, -1).ravel()


def convert(layer, var, key: str, sd: dict, prev=None) -> np.ndarray:
    """Torch array(s) at ``key`` (and its paired keys) rearranged into ``var``'s Keras layout."""
    if isinstance(layer, (L.RNN, *CELLS)):
        return _rnn(layer, var, key, sd)
    if isinstance(layer, L.MultiHeadAttention):
        return _mha(layer, var, key, sd)
    w = sd[key]
    if var.name not in ("kernel", "depthwise_kernel") or w.ndim < 2:
        return w
    if isinstance(layer, L.Dense):
        rows = _flatten_rows(prev, w.shape[1])
        return w.T if rows is None else w.T[rows]
    if isinstance(layer, (L.Conv1DTranspose, L.Conv2DTranspose)):
        return np.transpose(w, (*range(2, w.ndim), 1, 0))
    if isinstance(layer, L.DepthwiseConv2D) and var.name == "kernel":
        k_h, k_w, c_in, mult = var.shape
        return w.reshape(c_in, mult, *w.shape[2:]).transpose(2, 3, 0, 1)
    if w.ndim >= 3:  # Conv1D/Conv2D/SeparableConv2D: (O, I, *k) -> (*k, I, O)
        return np.transpose(w, (*range(2, w.ndim), 1, 0))
    return w


def plan(layer, prev, prefix: str, sd: dict) -> list:
    """``[(var, key, array)]`` for every weight of ``layer`` from torch module ``prefix``, shapes checked.

    Raises:
        ValueError: naming the ember weight, the torch key and both shapes, or the missing key.
    """
    out = []
    for var in layer.weights:
        key = torch_key(layer, var, prefix)
        out.append(convert_checked(layer, var, key, sd, prev))
    return out


def convert_checked(layer, var, key: str, sd: dict, prev=None) -> tuple:
    """``(var, key, array)``: :func:`convert` with the key's presence and the result's shape checked."""
    if key not in sd:
        raise ValueError(f"load_state_dict: ember weight '{var.path}' {tuple(var.shape)} expects torch key "
                         f"'{key}', which the state dict lacks")  # fmt: skip
    source = tuple(np.shape(sd[key]))
    try:
        array = np.asarray(convert(layer, var, key, sd, prev))
    except (ValueError, IndexError, KeyError) as e:
        array, why = None, f" ({e})"
    else:
        why = ""
    if array is None or array.shape != tuple(var.shape):
        got = "" if array is None else f", converted {array.shape}"
        raise ValueError(f"load_state_dict: shape mismatch for ember weight '{var.path}': expected "
                         f"{tuple(var.shape)}. Received: torch key '{key}' of shape {source}{got}{why}")  # fmt: skip
    return var, key, array.astype(var.dtype, copy=False)
