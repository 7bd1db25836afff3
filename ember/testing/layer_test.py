"""``run_layer_test``: the checks every layer must pass (after Keras's ``testing.TestCase.run_layer_test``).

One call builds the layer, runs it eagerly and symbolically, and checks output
shapes, weight counts, freezing, the config round trip (same config, and the same
output once the weights are copied over), ``set_weights`` errors, one training step
(finite, non-zero gradients; a small step along ``-grad`` lowers the loss), and the
save/load round trip through a ``.keras`` model file (``ember.saving.save_model``/``load_model``),
with the layer inside a functional model so multi-input layers are covered too.
Source: keras/src/testing/test_case.py (``run_layer_test``).
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile

import numpy as np

from ember import ops
from ember.autograd import Tensor, no_grad


class LayerTestError(AssertionError):
    """A layer failed one of :func:`run_layer_test`'s checks; the message names the check."""


def _fail(layer_cls, what: str):
    raise LayerTestError(f"{layer_cls.__name__}: {what}")


def _make_inputs(input_shape, input_dtype, input_data, seed):
    if input_data is not None:
        if isinstance(input_data, (list, tuple)):
            return [np.asarray(x) for x in input_data]
        return np.asarray(input_data)
    rng = np.random.default_rng(seed)
    multi = isinstance(input_shape, list) and all(isinstance(s, (tuple, list)) for s in input_shape)
    shapes = input_shape if multi else [input_shape]
    dtypes = input_dtype if isinstance(input_dtype, (list, tuple)) else [input_dtype] * len(shapes)
    arrays = []
    for shape, dtype in zip(shapes, dtypes, strict=True):
        if np.dtype(dtype).kind in "iu":
            arrays.append(rng.integers(0, 5, size=tuple(shape)).astype(dtype))
        else:
            arrays.append(rng.standard_normal(tuple(shape)).astype(dtype))
    return arrays if multi else arrays[0]


def _to_tensors(arrays, requires_grad=False):
    if isinstance(arrays, list):
        return [_to_tensors(a, requires_grad) for a in arrays]
    return Tensor(arrays, requires_grad=requires_grad and arrays.dtype.kind == "f")


def _shape_of(arrays):
    return [tuple(a.shape) for a in arrays] if isinstance(arrays, list) else tuple(arrays.shape)


def _no_batch(shape):
    return [(None,) + tuple(s[1:]) for s in shape] if isinstance(shape, list) else (None,) + tuple(shape[1:])


def _out_shapes(out):
    return [tuple(o.shape) for o in out] if isinstance(out, (list, tuple)) else tuple(out.shape)


def _from_config(layer_cls, config, custom_objects=None):
    params = inspect.signature(layer_cls.from_config).parameters
    if "safe_mode" in params:  # e.g. Lambda: the test trusts its own functions
        return layer_cls.from_config(config, safe_mode=False)
    return layer_cls.from_config(config)


def _check_config(layer_cls, layer):
    config = layer.get_config()
    try:
        as_json = json.loads(json.dumps(config))
    except TypeError as err:
        _fail(layer_cls, f"get_config() is not JSON-serializable: {err}")
    clone = _from_config(layer_cls, as_json)
    if json.loads(json.dumps(clone.get_config())) != as_json:
        _fail(layer_cls, f"from_config(get_config()) changed the config:\n{as_json}\n!=\n{clone.get_config()}")
    return clone


def _check_weights(layer_cls, layer, n_trainable, n_non_trainable):
    if n_trainable is not None and len(layer.trainable_weights) != n_trainable:
        _fail(layer_cls, f"expected {n_trainable} trainable weights, got {len(layer.trainable_weights)}")
    if n_non_trainable is not None and len(layer.non_trainable_weights) != n_non_trainable:
        _fail(layer_cls, f"expected {n_non_trainable} non-trainable weights, got {len(layer.non_trainable_weights)}")
    if layer.count_params() != sum(int(np.prod(w.shape)) for w in layer.weights):
        _fail(layer_cls, "count_params() differs from the sum of the weight sizes")
    if layer.weights:
        layer.trainable = False
        frozen_ok = not layer.trainable_weights and len(layer.non_trainable_weights) == len(layer.weights)
        layer.trainable = True
        if not frozen_ok:
            _fail(layer_cls, "trainable=False did not move every weight to non_trainable_weights")
        try:
            layer.set_weights(layer.get_weights()[:-1])
        except ValueError:
            pass
        else:
            _fail(layer_cls, "set_weights with one array missing did not raise ValueError")


def _check_clone_output(layer_cls, layer, clone, x, out, call_kwargs):
    with no_grad():
        clone(_to_tensors(x), training=False, **call_kwargs)
        clone.set_weights(layer.get_weights())
        again = clone(_to_tensors(x), training=False, **call_kwargs)
    for a, b in zip(_flat(out), _flat(again), strict=True):
        if not np.array_equal(a.numpy(), b.numpy(), equal_nan=True):
            _fail(layer_cls, "a layer rebuilt from its config with the same weights gave a different output")


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _loss(out, targets):
    total = None
    for o, t in zip(_flat(out), targets, strict=True):
        if o.dtype.kind != "f":
            continue
        term = ops.mean(ops.square(o - t))
        total = term if total is None else total + term
    return total


def _check_training_step(layer_cls, layer, x, call_kwargs, seed):
    inputs = _to_tensors(x, requires_grad=True)
    out = layer(inputs, training=True, **call_kwargs)
    rng = np.random.default_rng(seed + 1)
    targets = [Tensor(rng.standard_normal(o.shape).astype(o.dtype)) for o in _flat(out)]
    loss = _loss(out, targets)
    if loss is None:
        return
    for extra in layer.losses:
        loss = loss + extra
    layer._clear_losses()
    loss.backward()
    weights = layer.trainable_weights
    grads = [w.grad for w in weights]
    if any(g is None or not np.all(np.isfinite(g.numpy())) for g in grads):
        _fail(layer_cls, "a trainable weight got no gradient or a non-finite one")
    for t in _flat(inputs):
        if t.requires_grad and (t.grad is None or t.grad.shape != t.shape or not np.all(np.isfinite(t.grad.numpy()))):
            _fail(layer_cls, "the input gradient is missing, mis-shaped or non-finite")
    if not weights:
        return
    norm = float(np.sqrt(sum(float(np.sum(g.numpy().astype("float64") ** 2)) for g in grads)))
    if norm == 0.0:
        _fail(layer_cls, "every trainable weight got an all-zero gradient")
    with no_grad():
        before = float(_loss(layer(_to_tensors(x), training=True, **call_kwargs), targets).numpy())
        for w, g in zip(weights, grads, strict=True):
            w.assign(w.numpy() - (1e-3 / norm) * g.numpy())
            w.grad = None
        after = float(_loss(layer(_to_tensors(x), training=True, **call_kwargs), targets).numpy())
    layer._clear_losses()
    if not after < before:
        _fail(layer_cls, f"a small step along -grad did not lower the loss ({before} -> {after})")


def _check_save_load(layer_cls, layer, x, out):
    """Round trip through a ``.keras`` file: the layer inside a functional model (any number of inputs)."""
    from ember import saving
    from ember.layers import Input
    from ember.models import Model

    arrays = x if isinstance(x, list) else [x]
    inputs = [Input(shape=a.shape[1:], dtype=str(a.dtype)) for a in arrays]
    model = Model(inputs=inputs, outputs=layer(inputs if isinstance(x, list) else inputs[0]))
    expected = model.predict(arrays, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        saving.save_model(model, path)
        loaded = saving.load_model(path, safe_mode=False)
        for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
            if not np.array_equal(a, b):
                _fail(layer_cls, "weights differ after the save/load round trip")
        got = loaded.predict(arrays, verbose=0)
        pairs = zip(expected, got, strict=True) if isinstance(expected, list) else [(expected, got)]
        if not all(np.array_equal(e, g, equal_nan=True) for e, g in pairs):
            _fail(layer_cls, "predictions differ after the save/load round trip")


def run_layer_test(
    layer_cls,
    init_kwargs: dict | None = None,
    input_shape=None,
    input_dtype="float32",
    input_data=None,
    call_kwargs: dict | None = None,
    expected_output_shape=None,
    expected_num_trainable_weights: int | None = None,
    expected_num_non_trainable_weights: int | None = None,
    expected_num_losses: int | None = None,
    supports_masking: bool | None = None,
    run_training_check: bool = True,
    run_save_check: bool = True,
    seed: int = 0,
):
    """Run the generic layer checks; raise :class:`LayerTestError` naming the first that fails.

    Args:
        layer_cls: the layer class.
        init_kwargs: constructor arguments. Defaults to ``{}``.
        input_shape: full input shape (batch first), or a list of shapes for multi-input layers.
        input_dtype: dtype (or list of dtypes) of the generated inputs. Defaults to ``'float32'``.
        input_data: explicit input array(s) instead of generated ones.
        call_kwargs: extra keyword arguments for each call. Defaults to ``{}``.
        expected_output_shape: the output shape with the batch axis (a list for several outputs).
        expected_num_trainable_weights / expected_num_non_trainable_weights: weight counts.
        expected_num_losses: ``len(layer.losses)`` after one call (activity regularizers).
        supports_masking: the expected value of ``layer.supports_masking``.
        run_training_check: backward pass and one small gradient step. Defaults to ``True``.
        run_save_check: round trip through a model file. Defaults to ``True``.
        seed: seed of the generated inputs and targets. Defaults to ``0``.

    Returns:
        The built layer (for further checks).

    Raises:
        LayerTestError: naming the layer class and the failed check.
    """
    init_kwargs, call_kwargs = dict(init_kwargs or {}), dict(call_kwargs or {})
    layer = layer_cls(**init_kwargs)
    if supports_masking is not None and bool(layer.supports_masking) != supports_masking:
        _fail(layer_cls, f"supports_masking is {layer.supports_masking}, expected {supports_masking}")
    clone = _check_config(layer_cls, layer)
    x = _make_inputs(input_shape, input_dtype, input_data, seed)
    layer._clear_losses()
    with no_grad():
        out = layer(_to_tensors(x), training=False, **call_kwargs)
    if expected_output_shape is not None and _out_shapes(out) != _as_shapes(expected_output_shape):
        _fail(layer_cls, f"output shape {_out_shapes(out)}, expected {expected_output_shape}")
    predicted = layer.compute_output_shape(_no_batch(_shape_of(x)))
    if _as_shapes(predicted) != _as_shapes(_no_batch(_out_shapes(out))):
        _fail(layer_cls, f"compute_output_shape gave {predicted}, the call gave {_out_shapes(out)}")
    if expected_num_losses is not None and len(layer.losses) != expected_num_losses:
        _fail(layer_cls, f"expected {expected_num_losses} losses after a call, got {len(layer.losses)}")
    layer._clear_losses()
    _check_symbolic(layer_cls, init_kwargs, x, out)
    _check_weights(layer_cls, layer, expected_num_trainable_weights, expected_num_non_trainable_weights)
    _check_clone_output(layer_cls, layer, clone, x, out, call_kwargs)
    if run_training_check:
        _check_training_step(layer_cls, layer, x, call_kwargs, seed)
    if run_save_check:
        _check_save_load(layer_cls, layer, x, out)
    return layer


def _as_shapes(shape):
    if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _check_symbolic(layer_cls, init_kwargs, x, out):
    from ember.layers import Input

    shapes = _shape_of(x)
    dtypes = [str(a.dtype) for a in x] if isinstance(x, list) else str(x.dtype)
    if isinstance(x, list):
        sym_in = [Input(shape=s[1:], dtype=d) for s, d in zip(shapes, dtypes, strict=True)]
    else:
        sym_in = Input(shape=shapes[1:], dtype=dtypes)
    sym_out = layer_cls(**init_kwargs)(sym_in)
    got = [tuple(t.shape) for t in sym_out] if isinstance(sym_out, list) else tuple(sym_out.shape)
    if _as_shapes(got) != _as_shapes(_no_batch(_out_shapes(out))):
        _fail(layer_cls, f"symbolic call gave shape {got}, the eager call {_out_shapes(out)}")
