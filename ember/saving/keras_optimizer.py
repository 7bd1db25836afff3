"""Optimizer state where Keras 3 stores it: ``optimizer/vars`` of ``model.weights.h5``.

Keras 3 lists an optimizer's variables as ``iterations``, ``learning_rate`` (absent for a schedule),
the EMA averages when ``use_ema``, then the slots it creates in ``build``: each
``add_optimizer_variables(vars, [names])`` call makes, for every trainable variable in turn, one slot
per name (Adam: ``momentum_0, velocity_0, momentum_1, ...``); separate calls follow one another
(RMSprop: all velocities, then all momentums). The trainable variables are the model's in Keras's
order (functional layers in ``Functional.layers`` order). Source: ``keras/src/optimizers/*.py``.
Nadam's ``u_product`` comes last, as Keras creates it after the slots. ember keeps any other
optimizer-wide scalar Keras does not store in its own archive member (``ember.json``).
"""

from __future__ import annotations

import numpy as np

from ember import backend

# Per optimizer class: slot groups, one per add_optimizer_variables call, in build order.
_GROUPS = {
    "Adam": [["momentum", "velocity"], ["velocity_hat"]],
    "AdamW": [["momentum", "velocity"], ["velocity_hat"]],
    "Nadam": [["momentum", "velocity"]],
    "Adamax": [["momentum", "norm"]],
    "Adagrad": [["accumulator"]],
    "Adadelta": [["accumulated_grad", "accumulated_delta_var"]],
    "RMSprop": [["velocity"], ["momentum"], ["average_gradient"]],
    "SGD": [["momentum"]],
    "Lion": [["momentum"]],
}
# Optimizer-wide scalars Keras creates after the slots (and so lists last).
_TRAILING = {"Nadam": ["u_product"]}


def keras_trainable_variables(model) -> list:
    """``model.trainable_weights`` in Keras 3's order (nested functional models in their Keras order)."""
    from ember.saving.keras_weights import _model_layers

    if not model.trainable:
        return []
    layers = _model_layers(model)
    if layers is None:
        return list(model.trainable_weights)
    out, seen = [], set()
    for layer in layers:
        for v in keras_trainable_variables(layer):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


def _layout(optimizer, state: dict, n: int) -> list[str]:
    """The ember state keys in Keras's ``optimizer.variables`` order."""
    keys = ["iterations"] + (["learning_rate"] if "learning_rate" in state else [])
    slots = [{k.split("/", 2)[2] for k in state if k.startswith(f"slots/{i}/")} for i in range(n)]
    names = sorted(set().union(*slots)) if slots else []
    groups = [["average"]] + _GROUPS.get(type(optimizer).__name__, [[s for s in names if s != "average"]])
    for group in groups:
        present = [name for name in group if any(name in s for s in slots)]
        keys += [f"slots/{i}/{name}" for i in range(n) for name in present if name in slots[i]]
    keys += [k for k in _TRAILING.get(type(optimizer).__name__, []) if k in state]
    unplaced = {f"slots/{i}/{s}" for i in range(n) for s in slots[i]} - set(keys)
    if unplaced:
        raise ValueError(f"{type(optimizer).__name__}: no Keras layout for optimizer slots {sorted(unplaced)}")
    return keys


def optimizer_arrays(model) -> tuple[list, dict]:
    """``(arrays for optimizer/vars in Keras's order, ember-only scalars)``; ``([], {})`` without an optimizer."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "get_state"):
        return [], {}
    variables = keras_trainable_variables(model)
    state = optimizer.get_state(variables)
    keys = _layout(optimizer, state, len(variables))
    extras = {k: float(backend.to_numpy(v)) for k, v in state.items() if k not in keys}
    return [np.asarray(backend.to_numpy(state[k])) for k in keys], extras


def restore_optimizer(model, arrays: list, extras: dict, filepath: str) -> None:
    """Give ``model.optimizer`` the state in ``arrays`` (Keras's order) and ember's ``extras``.

    Raises:
        ValueError: if the number or shapes of the arrays do not fit the model's trainable variables.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not arrays:
        return
    variables = keras_trainable_variables(model)
    expected = optimizer.get_state(variables)
    keys = _layout(optimizer, expected, len(variables))
    if len(arrays) != len(keys):
        raise ValueError(
            f"load_model: {filepath}: the {type(optimizer).__name__} state holds {len(arrays)} variables; model "
            f"'{model.name}' with {len(variables)} trainable weights needs {len(keys)} ({keys[:4]}...)"
        )
    state = {k: v for k, v in expected.items() if k not in keys}
    state.update({k: backend.asarray(np.float64(v)) for k, v in extras.items() if k in state})
    for key, array in zip(keys, arrays, strict=True):
        want = backend.to_numpy(expected[key])
        state[key] = backend.asarray(np.asarray(array).astype(want.dtype).reshape(want.shape)
                                     if np.asarray(array).size == want.size else np.asarray(array))  # fmt: skip
    try:
        optimizer.set_state(variables, state)
    except ValueError as exc:
        raise ValueError(f"load_model: {filepath}: optimizer state does not fit model '{model.name}': {exc}") from exc
