"""Shared checks for the ONNX export tests: random weights, export, onnx.checker, onnxruntime vs model.predict."""

from __future__ import annotations

import numpy as np

RTOL, ATOL = 1e-4, 1e-5


def _require(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:  # no silent skip: the test fails and names the extra
        raise AssertionError(f"{name} is missing: install the ONNX extra, pip install 'ember[onnx]'") from exc


def randomize(model, seed: int = 0) -> None:
    """Every weight random (variances positive), so that zero biases or unit statistics hide nothing.

    Kernels get std ``1 / sqrt(fan_in)`` (activations stay O(1), as in a trained model); vectors (biases,
    gammas, betas, means) N(0, 0.5); variances U(0.5, 1.5).
    """
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        name = (getattr(w, "path", None) or w.name or "").lower()
        if "variance" in name:
            values.append(rng.uniform(0.5, 1.5, shape))
        elif len(shape) >= 2:
            values.append(rng.normal(0.0, 1.0 / np.sqrt(np.prod(shape[:-1])), shape))
        else:
            values.append(rng.normal(0.0, 0.5, shape))
    model.set_weights([v.astype(np.asarray(w.numpy()).dtype) for v, w in zip(values, model.weights, strict=True)])


def make_inputs(specs, batch: int, seed: int = 1) -> list:
    """One array per ``(shape, dtype, high[, "padded"])`` spec: floats ~ N(0, 1), ints in ``[0, high)``.

    ``"padded"``: right-padded sequences (ints from 1, then zeros; floats then zero rows), 1 to T valid steps,
    the padding a Keras mask expects from ``Embedding(mask_zero=True)`` or ``Masking``.
    """
    rng = np.random.default_rng(seed + batch)
    out = []
    for shape, dtype, high, *flags in specs:
        if np.dtype(dtype).kind in "iu":
            x = rng.integers(1 if flags else 0, high, (batch, *shape)).astype(dtype)
        else:
            x = rng.normal(size=(batch, *shape)).astype(dtype)
        if flags:
            for row, n in zip(x, rng.integers(1, shape[0] + 1, batch), strict=True):
                row[n:] = 0
        out.append(x)
    return out


def session(path):
    ort = _require("onnxruntime")
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def export_and_compare(model, specs, path, batches=(1, 7), opset=None) -> float:
    """Export ``model`` to ``path``, check it, and return the max |onnxruntime - predict| over ``batches``.

    Asserts ``onnx.checker.check_model(full_check=True)`` and ``allclose(rtol=1e-4, atol=1e-5)`` per output.
    """
    onnx = _require("onnx")
    from ember.interop.onnx import export

    proto = export(model, path, opset=opset)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    sess = session(path)
    worst = 0.0
    for batch in batches:
        xs = make_inputs(specs, batch)
        expected = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        expected = expected if isinstance(expected, list) else [expected]
        got = sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs, strict=True)})
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            e = np.asarray(e)
            assert g.shape == e.shape, (g.shape, e.shape)
            np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)
            worst = max(worst, float(np.max(np.abs(g.astype(np.float64) - e))) if e.size else 0.0)
    return worst
