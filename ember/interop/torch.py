"""PyTorch weights into ember: read checkpoints without torch, load state dicts into ember models.

- :func:`read_state_dict`: ``.pt``/``.pth`` (``torch.save`` zip, or the legacy pre-1.6 pickle stream) and
  ``.safetensors`` -> ``{name: np.ndarray}``. Pickles go through a restricted unpickler
  (:mod:`ember.interop.torch_pickle`): nothing from the file is executed, torch is not imported.
- :func:`load_state_dict`: fills an ember model, converting layouts (:mod:`ember.interop.torch_convert`).

Source: torch/serialization.py, torch/_weights_only_unpickler.py, torch/nn/modules/*.py (parameter layouts).
"""

from __future__ import annotations

import os
import struct

import numpy as np

from ember.interop import torch_convert, torch_files
from ember.saving.damaged import ZIP_ERRORS

NESTED_KEYS = ("state_dict", "model_state_dict", "model", "module", "net", "weights")


def _read_bytes(path) -> tuple[bytes, str]:
    where = os.fspath(path)
    if not os.path.isfile(where):
        raise FileNotFoundError(f"read_state_dict: no such file: {where!r}")
    with open(where, "rb") as f:
        return f.read(), where


def _is_tensor_dict(obj) -> bool:
    return isinstance(obj, dict) and bool(obj) and all(isinstance(v, np.ndarray) for v in obj.values())


def _state_dict_of(obj, where: str) -> dict:
    # A plain state dict, or one nested under a usual key ({"state_dict": ...}, {"model": ...}).
    if _is_tensor_dict(obj):
        return {str(k): v for k, v in obj.items()}
    if isinstance(obj, dict):
        for key in NESTED_KEYS:
            if key in obj and isinstance(obj[key], dict):
                return _state_dict_of(obj[key], where)
        tensors = {str(k): v for k, v in obj.items() if isinstance(v, np.ndarray)}
        if tensors:
            return tensors
    raise ValueError(f"read_state_dict: {where} holds no state dict. Expected a dict of tensors, possibly under "
                     f"one of {list(NESTED_KEYS)}. Received: {type(obj).__name__}"
                     + (f" with keys {list(obj)[:8]}" if isinstance(obj, dict) else ""))  # fmt: skip


def read_state_dict(path) -> dict[str, np.ndarray]:
    """Read a PyTorch checkpoint into ``{name: array}`` without torch and without executing the file.

    Formats: ``torch.save``'s zip (``<archive>/data.pkl`` + ``<archive>/data/<key>`` storages, ``byteorder``),
    the legacy stream (magic number, protocol 1001, sys_info, object pickle, storage keys, raw storages) and
    ``.safetensors``. Tensors come back as C-contiguous NumPy arrays of their dtype (float64/32/16, ints, bool);
    bfloat16 becomes float32. A checkpoint that nests its state dict (``{"state_dict": ...}``,
    ``{"model": ...}``) is unwrapped.

    Args:
        path: file path (str or PathLike).

    Returns:
        ``dict[str, np.ndarray]`` in the file's order.

    Raises:
        FileNotFoundError: for a missing file.
        ember.interop.UnsafeFileError: for a pickle global outside the tensor-rebuilding allowlist (naming
            it, e.g. ``'posix.system'``), or a zip member with an absolute or ``..`` path.
        ValueError: for a truncated or corrupt file (sizes beyond the file, a damaged pickle) or one that
            holds no tensors.

    Example:
        >>> from ember.applications.mobilenet_v2 import imagenet_weights_path
        >>> sd = read_state_dict(imagenet_weights_path())  # torchvision's mobilenet_v2-b0353104.pth
        >>> len(sd), sd["classifier.1.weight"].shape, sd["classifier.1.weight"].dtype
        (314, (1000, 1280), dtype('float32'))
    """
    raw, where = _read_bytes(path)
    try:
        if raw[:4] == b"PK\x03\x04" or raw[:4] == b"PK\x05\x06":
            obj = torch_files.read_zip(raw, where)
        elif where.endswith(".safetensors") or (len(raw) > 9 and raw[8:9] == b"{"):
            obj = torch_files.read_safetensors(raw, where)
        elif raw[:1] == b"\x80":
            obj = torch_files.read_legacy(raw, where)
        else:
            raise ValueError(f"read_state_dict: {where} is not a PyTorch checkpoint (zip or pickle) nor "
                             f"safetensors. Received first bytes: {raw[:8]!r}")  # fmt: skip
        return _state_dict_of(obj, where)
    except ValueError as e:
        if where in str(e):  # our own messages (UnsafeFileError included) already name the file
            raise
        raise ValueError(f"read_state_dict: {where} is damaged: {e}") from None
    except (*ZIP_ERRORS, TypeError, AttributeError, UnicodeDecodeError, struct.error, RecursionError) as e:
        # a damaged file can reach the pickle machine or zipfile with garbage (the bit-flip sweep, RELIABILITY D4)
        raise ValueError(f"read_state_dict: {where} is damaged: {type(e).__name__}: {e}") from None


def _plan_in_order(units, sd: dict, strict: bool) -> list:
    groups = torch_convert.torch_groups(sd)
    if strict and len(groups) != len(units):
        raise ValueError(f"load_state_dict: the model has {len(units)} layers with weights "
                         f"{[u.name for u, _ in units][:6]}...; the state dict has {len(groups)} modules "
                         f"{list(groups)[:6]}... Pass mapping= to pair them explicitly")  # fmt: skip
    steps = []
    for (layer, prev), (prefix, keys) in zip(units, groups.items(), strict=False):
        planned = torch_convert.plan(layer, prev, prefix, sd)
        used = {k for _, k, _ in planned} | {k.replace("bias_ih", "bias_hh") for _, k, _ in planned}
        extra = [k for k in keys if k not in used]
        if strict and extra:
            raise ValueError(f"load_state_dict: torch keys {extra} of module '{prefix}' have no place in ember "
                             f"layer '{layer.name}' ({type(layer).__name__})")  # fmt: skip
        steps.extend(planned)
    return steps


def _plan_mapped(units, sd: dict, mapping: dict, strict: bool) -> list:
    by_layer = {layer.name: (layer, prev) for layer, prev in units}
    owner = {id(v): (layer, prev) for layer, prev in units for v in layer.weights}
    paths = {v.path: v for layer, _ in units for v in layer.weights}
    steps, done = [], set()
    for name, target in mapping.items():
        if name in by_layer:  # a whole layer -> a torch module prefix
            layer, prev = by_layer[name]
            planned = torch_convert.plan(layer, prev, target, sd)
        elif name in paths:  # one weight -> one torch key
            layer, prev = owner[id(paths[name])]
            planned = [torch_convert.convert_checked(layer, paths[name], target, sd, prev)]
        else:
            raise ValueError(f"load_state_dict: mapping names '{name}', which is neither a layer nor a weight path "
                             f"of the model. Expected one of: {sorted(paths)[:10]}...")  # fmt: skip
        steps.extend(planned)
        done.update(id(v) for v, _, _ in planned)
    missing = [p for p, v in paths.items() if id(v) not in done]
    if strict and missing:
        raise ValueError(f"load_state_dict: strict=True and the mapping leaves these ember weights unset: {missing}")
    used = {k for _, k, _ in steps} | {k.replace("bias_ih", "bias_hh") for _, k, _ in steps}
    unused = [k for k in sd if k not in used and not k.endswith("num_batches_tracked")]
    if strict and unused:
        raise ValueError(f"load_state_dict: strict=True and the mapping uses none of these torch keys: {unused}. "
                         f"Pass strict=False to ignore them")  # fmt: skip
    return steps


def _as_array(value) -> np.ndarray:
    # torch tensors (a state_dict() passed directly) become NumPy arrays; bf16, which NumPy lacks, as float32.
    if hasattr(value, "detach"):
        value = value.detach().cpu()
        value = value.float() if str(value.dtype) == "torch.bfloat16" else value
        return value.numpy()
    return np.asarray(value)


def load_state_dict(model, state_dict_or_path, mapping: dict | None = None, strict: bool = True) -> list:
    """Fill ``model``'s weights from a PyTorch state dict, converting each layer's layout.

    Pairs ember layers with torch modules in order (default) or by ``mapping``: ``{ember layer name: torch
    module prefix}`` or ``{ember weight path: torch key}`` (e.g. ``{"dense/kernel": "fc.weight"}``; for an
    RNN bias name ``bias_ih_lK``, its ``bias_hh_lK`` is added). Layouts are converted as listed in
    :mod:`ember.interop.torch_convert` (Linear transposed, OIHW -> HWIO, depthwise, transposed convs,
    BatchNorm running statistics, LSTM/GRU gates and the two biases, MultiheadAttention's in_proj split),
    and a Dense after a Flatten gets torch's channels-first row order. Everything is checked before the
    first weight is written: on any error the model is unchanged.

    Args:
        model: a built ember model or layer.
        state_dict_or_path: ``{name: array}`` (NumPy arrays or anything ``np.asarray`` takes, e.g. torch
            tensors) or a path for :func:`read_state_dict`.
        mapping: explicit pairing, see above. Defaults to ``None`` (in order).
        strict: every ember weight and every torch tensor (but ``num_batches_tracked``) must be used.
            Defaults to ``True``.

    Returns:
        ``[(ember weight path, torch key)]`` in assignment order.

    Raises:
        ValueError: naming the ember weight, the torch key and both shapes on a mismatch; for an unbuilt
            model, a missing key, or unused weights/keys with ``strict``.

    Example:
        >>> import numpy as np, ember
        >>> dense = ember.layers.Dense(2)
        >>> _ = dense(ember.ops.ones((1, 3)))
        >>> load_state_dict(dense, {"weight": np.arange(6.0).reshape(2, 3), "bias": np.zeros(2)})
        [('dense.../kernel', 'weight'), ('dense.../bias', 'bias')]
        >>> dense.kernel.numpy()  # Linear's (out, in) transposed to Dense's (in, out)
        array([[0., 3.],
               [1., 4.],
               [2., 5.]], dtype=float32)
    """
    if isinstance(state_dict_or_path, (str, os.PathLike)):
        sd = read_state_dict(state_dict_or_path)
    else:
        sd = {str(k): _as_array(v) for k, v in dict(state_dict_or_path).items()}
    if not getattr(model, "built", True) or not model.weights:
        raise ValueError(f"load_state_dict: model '{model.name}' has no weights yet; build it first "
                         f"(call it on an input or pass input_shape)")  # fmt: skip
    units = torch_convert.units(model) or [(model, None)]
    steps = _plan_in_order(units, sd, strict) if mapping is None else _plan_mapped(units, sd, mapping, strict)
    for var, _, array in steps:  # validated above: nothing is written before every weight converted
        var.assign(array)
    return [(var.path, key) for var, key, _ in steps]
