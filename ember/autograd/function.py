"""The graph node: a differentiable primitive with ``forward`` and ``backward`` on raw arrays.

Each primitive op is a small subclass (tinygrad's ``function.py`` style): ``forward``
computes the result from arrays and keeps only what ``backward`` needs;
``backward`` maps the upstream gradient to one gradient per input (``None``
where an input needs none). ``Function.apply`` runs it and records the node
when recording is on and some input requires grad.
"""

from __future__ import annotations

import warnings

from ember.autograd import grad_mode, tracing
from ember.autograd.engine import FREED
from ember.autograd.tensor import Tensor

_AUTOCAST: list = [None]  # the compute dtype of the running mixed-precision layer (ember.autograd.autocast)
_AutoCast: list = [None, None]  # [the AutoCast op, cast_variables], registered by ember.autograd.autocast
_WARNED: list = [False]  # GraphRetentionWarning is given once per process


class GraphRetentionWarning(UserWarning):
    """An op's only differentiable inputs had their graph freed by ``backward()`` (RELIABILITY.md G3).

    Typical cause: ``total = total + loss`` (or ``total += loss`` with a Python number ``total``)
    after ``loss.backward()``. The result keeps no graph (it cannot be backpropagated
    through again) and ``total.backward()`` raises PyTorch's "Trying to backward through
    the graph a second time". Given once per process. Source: PyTorch FAQ, "My model reports
    cuda runtime error(2): out of memory" (accumulating history across the training loop).
    """


class Function:
    """Base class of differentiable primitives.

    Subclasses implement ``forward(self, *arrays, **kwargs) -> array`` and
    ``backward(self, grad) -> array | tuple[array | None, ...]``.
    ``self.needs_grad`` (a tuple of bools, one per input) tells ``backward``
    which input gradients are wanted, so it can skip the others.

    Optionally, ``backward_graph(self, g: Tensor) -> Tensor | tuple`` gives the same
    gradients written with recorded Tensor ops (inputs are ``self.parents``); the
    engine uses it for ``backward(create_graph=True)`` (double backward). Ops without
    it raise ``NotImplementedError`` naming the op there. ``apply`` never looks at it,
    so the first-order path pays nothing for it.
    """

    __slots__ = ("parents", "needs_grad", "__dict__")

    @classmethod
    def apply(cls, *inputs: Tensor, **kwargs) -> Tensor:
        """Run the op on tensors and record it in the graph when needed."""
        # NOTE: hot path (every op of every step): list comprehensions and `True in` are
        # measurably cheaper here than generator expressions and any() (issue 6 profiles).
        if _AUTOCAST[0] is not None and cls is not _AutoCast[0]:  # mixed precision: weights cast to float16
            inputs = _AutoCast[1](inputs, _AUTOCAST[0])
        tracer = tracing._STATE["tracer"]
        if tracer is not None:  # ember.function is recording this call (ember/graph/tracer.py)
            return tracer.apply(cls, inputs, kwargs)
        ctx = cls()
        needs = tuple([t.requires_grad for t in inputs])
        record = True in needs and grad_mode._STATE["enabled"]
        ctx.needs_grad = needs
        out = ctx.forward(*[t.data for t in inputs], **kwargs)
        result = Tensor._wrap(out, record)
        if record:
            for t in inputs:  # a plain loop: the cheapest form of this check (~1/3 of a list comprehension)
                if t._ctx is FREED:
                    if _all_freed(inputs):  # e.g. `total = total + loss` after loss.backward() (G3)
                        result._ctx = FREED  # keeps no parents: the freed graph is released
                        _warn_freed(cls.__name__)
                        return result
                    break
            ctx.parents = inputs
            result._ctx = ctx
        return result

    def forward(self, *arrays, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def backward(self, grad):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward")

    @property
    def name(self) -> str:
        """The op's name, for error messages and graph drawings."""
        return type(self).__name__


def _all_freed(inputs) -> bool:
    """True when every input that requires grad is a node freed by an earlier ``backward()``."""
    return all(t._ctx is FREED for t in inputs if t.requires_grad)


def _warn_freed(op: str) -> None:
    if _WARNED[0]:
        return
    _WARNED[0] = True
    warnings.warn(
        f"{op}: its differentiable inputs' graph was already freed by backward(), so the result keeps "
        "no graph (it cannot be backpropagated through; backward() on it raises). To accumulate a loss "
        "for logging use loss.item(), float(loss) or ember.no_grad(). Given once per process.",
        GraphRetentionWarning,
        stacklevel=_user_stacklevel(),
    )


def _user_stacklevel() -> int:
    """``warnings.warn``'s stacklevel of the first caller outside the ``ember`` package."""
    import os
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1  # _warn_freed's frame (warn's own level 1 is its caller)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(root + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def unbroadcast(grad, shape: tuple):
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    Args:
        grad: gradient with the broadcast (output) shape.
        shape: the input's shape.

    Returns:
        An array of exactly ``shape``.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad
