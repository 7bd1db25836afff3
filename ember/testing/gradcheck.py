"""Finite-difference gradient checks (PyTorch's ``gradcheck``, Chainer's ``check_backward``).

The function under test is reduced to a scalar with a fixed random cotangent,
``L(x) = sum(fn(x) * c)``; the analytical gradient of ``L`` (one backward) is
compared with central differences ``(L(x + eps e_i) - L(x - eps e_i)) / (2 eps)``
element by element. Pass when ``|analytic - numeric| <= atol + rtol * |numeric|``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ember import backend
from ember.autograd import Tensor, enable_grad, no_grad
from ember.autograd.engine import grad as _grad


class GradcheckError(AssertionError):
    """Raised when analytical and numerical gradients disagree; the message names the input and element."""


def _leaves(inputs, dtype):
    leaves = []
    for x in inputs:
        arr = x.data if isinstance(x, Tensor) else backend.asarray(x)
        if arr.dtype.kind == "f":
            arr = arr if dtype is None else arr.astype(dtype, copy=False)
            leaves.append(Tensor._wrap(arr, True))
        else:
            leaves.append(Tensor._wrap(arr))
    return leaves


def _outputs(out) -> list[Tensor]:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _scalar(fn, arrays, cotangents) -> float:
    with no_grad():
        outs = _outputs(fn(*[Tensor._wrap(a) for a in arrays]))
    return float(
        sum(
            float((backend.to_numpy(o.data).astype(np.float64) * c).sum())
            for o, c in zip(outs, cotangents, strict=False)
        )
    )


def _analytic(fn, leaves, seed):
    rng = np.random.default_rng(seed)
    outs = _outputs(fn(*leaves))
    cots = [rng.standard_normal(o.shape) for o in outs]
    total = None
    for o, c in zip(outs, cots, strict=False):
        if o.requires_grad:
            term = (o * Tensor._wrap(backend.asarray(c.astype(o.dtype)))).sum()
            total = term if total is None else total + term
    wanted = [t for t in leaves if t.requires_grad]
    if total is None:
        return cots, [np.zeros(t.shape) for t in wanted]
    grads = _grad(total, wanted)
    return cots, [backend.to_numpy(g.data).astype(np.float64) for g in grads]


def _compare(name, i, analytic, numeric, atol, rtol):
    err = np.abs(analytic - numeric)
    bad = err > atol + rtol * np.abs(numeric)
    if bad.any():
        k = int(np.argmax(np.where(bad, err, -1)))
        raise GradcheckError(
            f"gradcheck of {name}: input {i} element {tuple(int(j) for j in np.unravel_index(k, analytic.shape))}: "
            f"analytical {analytic.flat[k]:.10g} vs numerical {numeric.flat[k]:.10g} "
            f"(|diff| {err.flat[k]:.3g} > atol {atol} + rtol {rtol} * |numerical|); {int(bad.sum())} bad elements"
        )


def _pairs(fn, inputs, eps, dtype, seed):
    """``(input index, analytical, numerical)`` per float input: central differences, element by element."""
    leaves = _leaves(inputs, dtype)
    cots, analytic = _analytic(fn, leaves, seed)
    base = [backend.to_numpy(t.data).astype(np.float64 if dtype is None else dtype) if t.requires_grad else t.data
            for t in leaves]  # fmt: skip
    k = 0
    for i, t in enumerate(leaves):
        if not t.requires_grad:
            continue
        numeric = np.zeros(t.shape)
        for j in range(t.size):
            plus = [a.copy() if m == i else a for m, a in enumerate(base)]
            minus = [a.copy() if m == i else a for m, a in enumerate(base)]
            plus[i].flat[j] += eps
            minus[i].flat[j] -= eps
            # every input back on the active backend (the other float inputs sit in ``base`` as NumPy)
            plus, minus = [backend.asarray(a) for a in plus], [backend.asarray(a) for a in minus]
            numeric.flat[j] = (_scalar(fn, plus, cots) - _scalar(fn, minus, cots)) / (2 * eps)
        yield i, analytic[k], numeric
        k += 1


def gradcheck(
    fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0
) -> bool:
    """Check ``fn``'s backward against central differences in float64.

    Args:
        fn: maps Tensors (one per entry of ``inputs``) to a Tensor or a tuple of Tensors.
        inputs: arrays or Tensors. Float ones are cast to float64 and differentiated (a
            float64 Tensor is used as is, so strided views stay views); int/bool ones pass through.
        eps: finite-difference step. Defaults to ``1e-6``.
        atol: absolute tolerance. Defaults to ``1e-5``.
        rtol: relative tolerance. Defaults to ``1e-3``.
        seed: seed of the random cotangent. Defaults to ``0``.

    Returns:
        ``True`` when every element agrees.

    Raises:
        GradcheckError: naming the input, the element, both values and the tolerance.

    Example:
        >>> import numpy as np, ember
        >>> from ember.testing import gradcheck
        >>> gradcheck(lambda x: ember.ops.sin(x) * x, [np.linspace(-1, 1, 5)])
        True
    """
    name = getattr(fn, "__name__", repr(fn))
    for i, analytic, numeric in _pairs(fn, inputs, eps, np.float64, seed):
        _compare(name, i, analytic, numeric, atol, rtol)
    return True


def gradcheck_direction(
    fn: Callable,
    inputs: Sequence,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    directions: int = 3,
    seed: int = 0,
    dtype=np.float64,
) -> bool:
    """Random-direction check for large inputs: ``<t, J^T c>`` against ``(L(x + eps t) - L(x - eps t)) / (2 eps)``.

    Costs two evaluations per direction instead of two per element (Chainer's
    ``check_backward``, JAX's ``check_grads``). For float32 use e.g. ``eps=1e-3`` and
    a tolerance scaled to the output (RELIABILITY.md A4).

    Args:
        fn, inputs, eps, atol, rtol, seed: as :func:`gradcheck`.
        directions: number of random unit directions ``t`` (over all float inputs jointly). Defaults to ``3``.
        dtype: dtype the float inputs are cast to. Defaults to float64.

    Raises:
        GradcheckError: naming the direction and both values.
    """
    leaves = _leaves(inputs, dtype)
    cots, analytic = _analytic(fn, leaves, seed)
    rng = np.random.default_rng(seed + 1)
    base = [t.data for t in leaves]
    for r in range(directions):
        ts = [rng.standard_normal(t.shape) if t.requires_grad else None for t in leaves]
        norm = np.sqrt(sum(float((d * d).sum()) for d in ts if d is not None)) or 1.0
        ts = [None if d is None else d / norm for d in ts]
        plus = [
            a if d is None else backend.asarray((backend.to_numpy(a) + eps * d).astype(a.dtype))
            for a, d in zip(base, ts, strict=False)
        ]
        minus = [
            a if d is None else backend.asarray((backend.to_numpy(a) - eps * d).astype(a.dtype))
            for a, d in zip(base, ts, strict=False)
        ]
        numeric = (_scalar(fn, plus, cots) - _scalar(fn, minus, cots)) / (2 * eps)
        grads = iter(analytic)
        exact = sum(float((next(grads) * d).sum()) for d in ts if d is not None)
        if abs(exact - numeric) > atol + rtol * abs(numeric):
            raise GradcheckError(
                f"gradcheck_direction of {getattr(fn, '__name__', fn)}: direction {r}: analytical {exact:.10g} vs "
                f"numerical {numeric:.10g} (atol {atol}, rtol {rtol})"
            )
    return True


def gradgradcheck(
    fn: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0
) -> bool:
    """:func:`gradcheck` of the gradient: checks ``backward(create_graph=True)`` (double backward).

    The checked function is ``x -> d/dx sum(fn(x) * c)`` (one fixed random ``c``), built with
    :func:`ember.autograd.engine.grad` and ``create_graph=True``. Its values are first compared
    with the plain (array) backward, since ``backward_graph`` is a second implementation of it.

    Raises:
        GradcheckError: as :func:`gradcheck`.
        NotImplementedError: naming the op when some op in ``fn`` has no double backward.
    """
    leaves = _leaves(inputs, np.float64)
    with no_grad():
        outs = _outputs(fn(*leaves))
    rng = np.random.default_rng(seed + 7)
    cots = [backend.asarray(rng.standard_normal(o.shape)) for o in outs]

    def first_grad(*xs):
        with enable_grad():  # the numerical pass calls this under no_grad
            xs = [x if x.dtype.kind != "f" or x.requires_grad else Tensor._wrap(x.data, True) for x in xs]
            total = None
            for o, c in zip(_outputs(fn(*xs)), cots, strict=False):
                term = (o * Tensor._wrap(c)).sum()
                total = term if total is None else total + term
            wanted = [x for x in xs if x.requires_grad]
            return tuple(_grad(total, wanted, create_graph=True))

    first_grad.__name__ = f"grad of {getattr(fn, '__name__', 'fn')}"
    graph_grads = first_grad(*leaves)
    total = None
    for o, c in zip(_outputs(fn(*leaves)), cots, strict=True):
        term = (o * Tensor._wrap(c)).sum()
        total = term if total is None else total + term
    plain = _grad(total, [t for t in leaves if t.requires_grad])
    for i, (a, b) in enumerate(zip(graph_grads, plain, strict=True)):
        _compare(
            f"backward_graph vs backward of {getattr(fn, '__name__', 'fn')}",
            i,
            backend.to_numpy(a.data).astype(np.float64),
            backend.to_numpy(b.data).astype(np.float64),
            atol,
            rtol,
        )
    return gradcheck(first_grad, [t.data for t in leaves], eps, atol, rtol, seed)


def gradient_error(fn: Callable, inputs: Sequence, eps: float | None = None, dtype=np.float64, seed: int = 0) -> float:
    """The largest ``|analytical - numerical|`` over every input element (central differences in ``dtype``).

    The measurement behind :func:`gradcheck`, for reports (RELIABILITY.md's "worst gradcheck error per
    dtype"): float64 uses ``eps=1e-6``, float32 ``eps=1e-3`` unless given.

    Returns:
        The worst absolute difference, a float (``0.0`` when no input needs a gradient).
    """
    eps = eps if eps is not None else (1e-6 if np.dtype(dtype) == np.float64 else 1e-3)
    worst = 0.0
    for _, analytic, numeric in _pairs(fn, inputs, eps, dtype, seed):
        if numeric.size:
            worst = max(worst, float(np.max(np.abs(analytic - numeric))))
    return worst
