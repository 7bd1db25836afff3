"""Non-differentiable array functions that graph mode must re-run at every replay.

A kernel such as a label check (``sparse_labels``) or an RNG draw works on raw arrays and
has no gradient. Called through :func:`host_op`, it runs directly in eager mode, and while
:func:`ember.function` traces it becomes a ``host``/``random`` node of the graph that runs
again at each replay, instead of a value frozen at trace time (ember/graph/tracer.py).
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor, tracing


def host_op(kernel, *tensors, random: bool = False, **kwargs) -> Tensor:
    """``Tensor(kernel(*arrays, **kwargs))``, recorded for replay when tracing.

    Args:
        kernel: a function of arrays returning one array (no gradient flows through it).
        *tensors: its array arguments, as Tensors.
        random: ``True`` when ``kernel`` draws from an RNG (the graph keeps it even if its value is unused,
            so the order of draws matches eager mode). Defaults to ``False``.
        **kwargs: non-array arguments, passed unchanged at every call.

    Returns:
        A Tensor that does not require grad.
    """
    tracer = tracing._STATE["tracer"]
    if tracer is not None:
        return tracer.host_op(kernel, tensors, kwargs, random)
    return Tensor._wrap(kernel(*[t.data for t in tensors], **kwargs))


def xp_call(*arrays, fn: str, **kwargs):
    """``xp.<fn>(*arrays, **kwargs)`` as an array of the arrays' module (comparisons, ``isnan``, ``floor``)."""
    xp = backend.namespace(arrays[0] if hasattr(arrays[0], "dtype") else arrays[-1])
    return xp.asarray(getattr(xp, fn)(*arrays, **kwargs))


def method_call(array, method: str, **kwargs):
    """``array.<method>(**kwargs)`` as an array (``argmax``, ``any``, ``astype``)."""
    return backend.namespace(array).asarray(getattr(array, method)(**kwargs))


def as_operand(x) -> Tensor:
    """A Tensor for a host op's operand (Python scalars and arrays become constant tensors)."""
    return x if isinstance(x, Tensor) else Tensor(x)
