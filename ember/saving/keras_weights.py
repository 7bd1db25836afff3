"""Keras 3's weight file ``model.weights.h5``: one ``vars`` group per layer, read and written with h5py.

Keras 3 walks a model and stores each object's own variables as datasets ``"0"``, ``"1"``, ... in
``<path>/vars`` (``keras/src/saving/saving_lib.py``, ``_save_state`` and ``H5IOStore``). The path is
built from attribute names (``layers/lstm/cell``, ``layers/multi_head_attention/query_dense``); a list
of layers (``Sequential.layers``, ``Functional.layers``) names its items by snake-cased class name,
made unique in order (``dense``, ``dense_1``), so it does not depend on the layers' own names.
A layer's own variables are its trainable ones, then the others, in creation order. The optimizer
stores ``iterations``, the learning rate and its slots (``optimizer/vars``).

Reading checks every dataset before copying it: a numeric dtype, and a size the file can hold
(a header claiming more bytes than the file is refused, so nothing huge is allocated).
"""

from __future__ import annotations

import io
import math

import numpy as np

from ember import backend
from ember.layers.layer import Layer, to_snake_case
from ember.saving.damaged import H5_ERRORS

# ember attribute -> Keras attribute where the names differ (Keras exposes them as public properties).
_RENAMED = {"_query_dense": "query_dense", "_key_dense": "key_dense", "_value_dense": "value_dense",
            "_output_dense": "output_dense"}  # fmt: skip
_SKIPPED = {"_layers", "_outer", "_input_struct", "inputs", "outputs", "_nodes"}
# Keras-only state ember has no use for (a seeded Dropout's generator), ignored on reading.
_IGNORED_SUFFIXES = ("seed_generator",)


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _is(layer, name: str) -> bool:
    return any(c.__name__ == name and c.__module__.startswith("ember.") for c in type(layer).__mro__)


def _model_layers(layer) -> list | None:
    if _is(layer, "Functional"):
        from ember.saving.keras_graph import keras_layer_order

        return keras_layer_order(layer)
    if _is(layer, "Sequential"):
        return list(layer.layers)
    return None


def own_variables(layer) -> list:
    """``layer``'s own variables in Keras's order: trainable first, then the others, each in creation order."""
    return [w for w in layer._weights if w.trainable] + [w for w in layer._weights if not w.trainable]


def variable_groups(model) -> list[tuple[str, object, list]]:
    """``[(h5 path, layer, own variables)]`` for every layer of ``model`` in Keras 3's traversal."""
    out, visited = [], set()
    _walk(model, "", out, visited)
    return out


def _walk(layer, path: str, out: list, visited: set) -> None:
    if id(layer) in visited:
        return
    visited.add(id(layer))
    out.append((path, layer, own_variables(layer)))
    children = _model_layers(layer)
    if children is not None:
        _container(children, _join(path, "layers"), out, visited)
    for attr in sorted(vars(layer), key=_name_key):
        if attr in _SKIPPED or attr.startswith("__"):
            continue
        value = vars(layer)[attr]
        if isinstance(value, Layer):
            _walk(value, _join(path, _RENAMED.get(attr, attr)), out, visited)
        elif isinstance(value, (list, tuple, dict)) and attr != "layers":
            items = list(value.values()) if isinstance(value, dict) else list(value)
            if any(isinstance(v, Layer) for v in items):
                _container(items, _join(path, attr), out, visited)
    missed = [c for c in layer._layers if id(c) not in visited]
    if missed:  # sub-layers held nowhere Keras looks: ember-only layouts, written and read the same way
        _container(missed, _join(path, "_layers"), out, visited)


def _container(items, path: str, out: list, visited: set) -> None:
    used: dict = {}
    for item in items:
        if isinstance(item, Layer):
            _walk(item, _join(path, _unique(to_snake_case(type(item).__name__), used)), out, visited)


# ---------------------------------------------------------------------- writing
def write_groups(h5file, groups) -> None:
    """Write ``[(path, name, arrays)]`` into the open h5py file as ``<path>/vars/<i>`` datasets."""
    for path, name, arrays in groups:
        group = h5file.require_group(_join(path, "vars"))
        if name is not None:
            group.attrs["name"] = name
        for i, array in enumerate(arrays):
            group.create_dataset(str(i), data=np.asarray(array))


def model_groups(model) -> list:
    """``[(h5 path, layer name, arrays)]``: ``variable_groups`` with the values as NumPy arrays.

    A ``Normalization`` layer with statistics also gets Keras's ``count`` (0: ember does not count samples).
    """
    out = []
    for path, layer, variables in variable_groups(model):
        arrays = [np.asarray(backend.to_numpy(v.data)) for v in variables]
        if _is(layer, "Normalization") and len(arrays) == 2:
            arrays.append(np.asarray(0, dtype="int64"))
        out.append((path, layer.name, arrays))
    return out


def h5_bytes(groups, attrs: dict | None = None, userblock: int = 0) -> bytes:
    """An HDF5 file (bytes) holding ``groups`` (see :func:`write_groups`) and root attributes ``attrs``,
    after a zeroed user block of ``userblock`` bytes (0, or a power of two >= 512) when asked."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w", userblock_size=userblock) as f:
        write_groups(f, groups)
        for key, value in (attrs or {}).items():
            f.attrs[key] = value
    return buffer.getvalue()


# ---------------------------------------------------------------------- reading
def safe_dataset(group, path: str, filepath: str, what: str):
    """The dataset at ``path`` under ``group``, reached through hard links only and stored in this file.

    Raises:
        UnsafeFileError: for a soft or external link on the way, or data kept in another file (external
            storage, virtual dataset): a weight file must not make ember read other files.
        ValueError: if the path is missing or names a group.
    """
    import h5py

    node = group
    for part in path.split("/"):
        link = node.get(part, getlink=True) if isinstance(node, h5py.Group) else None
        if link is None:
            raise ValueError(f"{what}: {filepath}: no dataset {path!r} in {group.name}")
        if not isinstance(link, h5py.HardLink):
            raise _unsafe(f"{what}: {filepath}: refusing {type(link).__name__} {part!r} in {node.name}: "
                          "links to other objects or files are not followed")  # fmt: skip
        node = node[part]
    if not isinstance(node, h5py.Dataset):
        raise ValueError(f"{what}: {filepath}: {node.name} is a group; expected a dataset")
    if node.is_virtual or node.external:
        raise _unsafe(f"{what}: {filepath}: refusing dataset {node.name}: its data is stored outside the file")
    return node


def _unsafe(message: str) -> Exception:
    from ember.interop import UnsafeFileError

    return UnsafeFileError(message)


def _check_dataset(ds, limit: int, filepath: str, what: str) -> None:
    if ds.dtype.kind not in "biuf":
        raise ValueError(f"{what}: {filepath}: dataset {ds.name} has dtype {ds.dtype}; expected a numeric array")
    nbytes = math.prod(int(d) for d in ds.shape) * ds.dtype.itemsize  # Python ints: no overflow
    if nbytes > limit:
        raise ValueError(
            f"{what}: {filepath} is truncated or corrupted: dataset {ds.name} claims shape {ds.shape} "
            f"({nbytes} bytes), more than the {limit}-byte file can hold"
        )


def read_arrays(h5file, group, limit: int, filepath: str, what: str) -> list:
    """The datasets ``"0"``, ``"1"``, ... of ``group`` as NumPy arrays, each checked first.

    Raises:
        ValueError: for a gap in the numbering, a non-numeric dtype, or a size beyond the file.
    """

    keys = list(group.keys())
    if sorted(keys, key=lambda k: int(k) if k.isdigit() else -1) != [str(i) for i in range(len(keys))]:
        raise ValueError(
            f"{what}: {filepath}: group {group.name} holds {keys}; expected datasets '0'..'{len(keys) - 1}'"
        )
    arrays = []
    for i in range(len(keys)):
        ds = safe_dataset(group, str(i), filepath, what)
        _check_dataset(ds, limit, filepath, what)
        arrays.append(np.asarray(ds[()]))
    return arrays


def read_groups(raw: bytes, filepath: str, what: str) -> tuple[dict, dict]:
    """``({path: [arrays]}, root attributes)`` of every ``vars`` group of a Keras 3 weight file.

    Raises:
        ValueError: naming ``filepath`` when it is not HDF5, is truncated or damaged, or a dataset is bad.
    """
    import h5py

    try:
        with h5py.File(io.BytesIO(raw), "r") as f:
            attrs = {k: _attr(v) for k, v in f.attrs.items()}
            found = {}
            names = []
            f.visit(names.append)
            for name in names:
                if name == "vars" or name.endswith("/vars"):
                    group = f[name]
                    if isinstance(group, h5py.Group):
                        found[name[: -len("vars")].rstrip("/")] = read_arrays(f, group, len(raw), filepath, what)
    except ValueError as exc:
        if filepath in str(exc):
            raise
        raise ValueError(f"{what}: {filepath} is a damaged HDF5 weight file: {exc}") from exc
    except H5_ERRORS as exc:
        raise ValueError(
            f"{what}: {filepath} is not a readable HDF5 weight file (truncated or corrupted): {exc}"
        ) from exc
    return found, attrs


def _attr(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value.tolist()]
    return value


def match_groups(model, found: dict, filepath: str, what: str) -> list[tuple]:
    """Pair each of ``model``'s variables with its array from ``found``, every count and shape checked.

    Returns:
        ``[(variable, array)]`` ready to assign (nothing is assigned here).

    Raises:
        ValueError: naming the h5 path and layer when a group is missing, holds another number of
            arrays or another shape, or when the file holds weights no layer of ``model`` takes.
    """
    pairs, expected = [], set()
    for path, layer, variables in variable_groups(model):
        expected.add(path)
        arrays, name = found.get(path, []), layer.name
        if _is(layer, "Normalization") and len(arrays) == len(variables) + 1 == 3:
            arrays = arrays[:2]  # Keras's sample count, which ember's Normalization does not keep
        if len(arrays) != len(variables):
            raise ValueError(
                f"{what}: {filepath}: layer '{name}' (h5 path '{path or '/'}') expects {len(variables)} weights "
                f"with shapes {[tuple(v.shape) for v in variables]}. Received: {len(arrays)} arrays with shapes "
                f"{[a.shape for a in arrays]}"
            )
        for var, array in zip(variables, arrays, strict=True):
            if tuple(array.shape) != tuple(var.shape):
                raise ValueError(f"{what}: {filepath}: weight '{var.path}' (h5 path '{path}') expects shape "
                                 f"{tuple(var.shape)}. Received: {array.shape}")  # fmt: skip
            pairs.append((var, array))
    extra = sorted(p for p, arrays in found.items() if arrays and p not in expected and not _ignored(p))
    if extra:
        raise ValueError(f"{what}: {filepath} holds weights for {extra}, which model '{model.name}' does not have")
    return pairs


def _ignored(path: str) -> bool:
    return path == "optimizer" or path.startswith("optimizer/") or path.split("/")[-1].endswith(_IGNORED_SUFFIXES)


def assign_pairs(pairs) -> None:
    """Assign each ``(variable, array)``, cast to the variable's dtype."""
    for var, array in pairs:
        var.assign(np.asarray(array).astype(backend.to_numpy(var.data).dtype, copy=False))
