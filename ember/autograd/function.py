"""The graph node: a differentiable primitive with ``forward`` and ``backward`` on raw arrays.

Each primitive op is a small subclass (tinygrad's ``function.py`` style): ``forward``
computes the result from arrays and keeps only what ``backward`` needs;
``backward`` maps the upstream gradient to one gradient per input (``None``
where an input needs none). ``Function.apply`` runs it and records the node
when recording is on and some input requires grad.
"""

from __future__ import annotations

from ember.autograd import grad_mode, tracing
from ember.autograd.tensor import Tensor

_AUTOCAST: list = [None]  # the compute dtype of the running mixed-precision layer (ember.autograd.autocast)
_AutoCast: list = [None, None]  # [the AutoCast op, cast_variables], registered by ember.autograd.autocast

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
