"""``Tensor``: an n-dimensional array that records the operations applied to it.

A tensor holds a backend array in ``data``. When ``requires_grad`` is true and
recording is on, every op on it creates a :class:`~ember.autograd.function.Function`
node (``_ctx``) linking the result to its inputs; :meth:`Tensor.backward`
walks those nodes in reverse topological order and accumulates ``.grad``.

Math methods and operators (``+``, ``@``, ``x.relu()``, ``x.sum(axis=0)``) are
attached by :mod:`ember.ops`, which this module does not import
(imports point down: DESIGN.md §2).
"""

from __future__ import annotations

import numpy as np

from ember import backend
from ember.autograd import grad_mode, masking_state, tracing

_FLOAT_KINDS = "f"


class Tensor:
    """An array with define-by-run autograd (PyTorch's ``torch.Tensor``).

    Args:
        data: array-like (nested lists, scalars, NumPy/CuPy arrays, Tensors).
        dtype: dtype to store. Defaults to ``None``: NumPy float arrays keep
            their dtype, Python floats become ``ember.config.floatx()``
            (float32), Python ints int64, bools bool.
        requires_grad: record operations for :meth:`backward`. Only floating
            tensors may require grad. Defaults to ``False``.

    Attributes:
        data: the backend array.
        grad: accumulated gradient (a Tensor of the same shape and dtype) or ``None``.

    Raises:
        TypeError: if ``requires_grad`` is asked of an integer or bool tensor.

    Example:
        >>> import ember
        >>> x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad.numpy().tolist()
        [2.0, 4.0, 6.0]
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "__weakref__")
    __array_priority__ = 1000  # so ndarray + Tensor dispatches to Tensor.__radd__

    def __init__(self, data, dtype=None, requires_grad: bool = False):
        self.data = _to_array(data, dtype)
        self.grad = None
        self._ctx = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False) -> Tensor:
        """Fast constructor for op results: no conversion, no checks."""
        t = object.__new__(Tensor)
        t.data = array
        t.grad = None
        t._ctx = None
        t.requires_grad = requires_grad
        return t

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple:
        """The shape as a tuple of ints."""
        return self.data.shape

    @property
    def dtype(self):
        """The NumPy dtype of the elements."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """Number of elements."""
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not the result of a recorded op)."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The node that produced this tensor, or ``None`` for a leaf."""
        return self._ctx

    @property
    def device(self) -> str:
        """``'cpu'`` for NumPy-backed tensors, ``'gpu'`` for CuPy-backed ones."""
        return "cpu" if isinstance(self.data, np.ndarray) or np.isscalar(self.data) else "gpu"

    @property
    def _keras_mask(self):
        """Keras's ``tensor._keras_mask``: the mask a masking layer recorded for this tensor
        (``(batch, timesteps)`` bool, ``True`` = keep), or ``None``. Stored in :mod:`ember.autograd.masking_state`."""
        return masking_state.get_mask(self)

    @_keras_mask.setter
    def _keras_mask(self, mask) -> None:
        masking_state.set_mask(self, mask)

    def requires_grad_(self, mode: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``.

        Raises:
            TypeError: if ``mode`` is true and the dtype is not floating.
        """
        if mode and self.data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(
                "Only floating-point tensors can require gradients. "
                f"Received: dtype={self.data.dtype}. Cast first, e.g. x.astype('float32')."
            )
        self.requires_grad = bool(mode)
        return self

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory on the CPU)."""
        if tracing._STATE["tracer"] is not None:
            tracing.note_host_read(self, "numpy()")
        return backend.to_numpy(self.data)

    def item(self):
        """The single value of a one-element tensor as a Python number.

        Raises:
            ValueError: if the tensor has more than one element.
        """
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element. Received: shape={self.shape}")
        if tracing._STATE["tracer"] is not None:
            tracing.note_host_read(self, "item()")
        return self.data.item()

    def tolist(self):
        """The values as nested Python lists."""
        return self.numpy().tolist()

    def detach(self) -> Tensor:
        """A tensor sharing the same data, cut from the graph (``requires_grad=False``)."""
        return Tensor._wrap(self.data, False)

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr.astype(dtype) if dtype is not None else arr

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"The truth value of a tensor with {self.data.size} elements is ambiguous. Use .any() or .all()."
            )
        if tracing._STATE["tracer"] is not None:
            tracing.note_host_read(self, "bool()")
        return bool(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({body}, dtype={self.dtype}{extra})"

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ in-place updates
    def _inplace(self, other, op: str) -> Tensor:
        if self.requires_grad and grad_mode._STATE["enabled"] and not self._graph_freed():
            raise RuntimeError(
                f"In-place {op} on a tensor that requires grad while recording is on: the graph would "
                "be wrong. Wrap hand-written updates in `with ember.no_grad():`."
            )
        tracer = tracing._STATE["tracer"]
        if tracer is not None:  # ember.function replays it (ember/graph/tracer.py)
            tracer.inplace(self, op, other)
            return self
        value = other.data if isinstance(other, Tensor) else other
        if isinstance(self.data, np.generic):  # a reduction's 0-d result is a NumPy scalar: no buffer to write
            self.data = np.array(self.data)
        getattr(self.data, op)(value)  # e.g. ndarray.__isub__: writes into the same buffer
        return self

    def _graph_freed(self) -> bool:
        """True when backward() already freed this tensor's node: nothing can backpropagate through it,
        so an in-place update cannot make a graph wrong (``total += loss`` accumulation, RELIABILITY.md G3)."""
        from ember.autograd.engine import FREED

        return self._ctx is FREED

    def __iadd__(self, other):
        return self._inplace(other, "__iadd__")

    def __isub__(self, other):
        return self._inplace(other, "__isub__")

    def __imul__(self, other):
        return self._inplace(other, "__imul__")

    def __itruediv__(self, other):
        return self._inplace(other, "__itruediv__")

    def zero_(self) -> Tensor:
        """Fill with zeros in place (no gradient is recorded)."""
        return self.copy_(0)

    def copy_(self, other) -> Tensor:
        """Copy ``other``'s values into this tensor in place (shapes must broadcast)."""
        tracer = tracing._STATE["tracer"]
        if tracer is not None:  # ember.function replays it (ember/graph/tracer.py)
            tracer.inplace(self, "copy", other)
            return self
        value = other.data if isinstance(other, Tensor) else other
        self.data[...] = value
        return self

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Walks the graph in reverse topological order (iteratively, so deep
        graphs don't hit the recursion limit) and frees it afterwards unless
        ``retain_graph`` is true.

        Args:
            gradient: upstream gradient with this tensor's shape; may be omitted
                for a one-element tensor (taken as 1).
            retain_graph: keep the graph for another backward. Defaults to ``create_graph``.
            create_graph: record the backward pass itself, so that ``.grad`` can be
                differentiated again (double backward). Defaults to ``False``.

        Raises:
            RuntimeError: if this tensor does not require grad, if ``gradient``
                is omitted for a tensor with more than one element, or if the
                graph was already freed by an earlier backward.
            NotImplementedError: with ``create_graph=True``, naming an op of the
                graph that has no double backward.
        """
        from ember.autograd import engine

        if create_graph:
            engine.run_backward_general(self, gradient, retain_graph, create_graph=True)
        else:
            engine.run_backward(self, gradient, bool(retain_graph))


def array_of(t: Tensor):
    """``t.data`` read for its metadata (dtype, array module) only: graph tracing does not count it as a
    read of the values (ember/graph/tracer.py)."""
    return _DATA_SLOT.__get__(t)


_DATA_SLOT = Tensor.__dict__["data"]


def _to_array(data, dtype):
    xp = backend.xp()
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return xp.asarray(data, dtype=np.dtype(dtype))
    if hasattr(data, "__array_interface__") or hasattr(data, "__cuda_array_interface__"):
        return xp.asarray(data)
    arr = xp.asarray(data)
    if arr.dtype == np.float64:  # Python floats → the default float dtype, as in PyTorch/Keras
        arr = arr.astype(backend.floatx())
    return arr


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """Create a :class:`Tensor` from array-like ``data``.

    Args:
        data: nested lists, scalars, NumPy arrays or Tensors.
        dtype: element dtype; see :class:`Tensor` for the default rule.
        requires_grad: record operations for autograd. Defaults to ``False``.

    Returns:
        A new leaf tensor.

    Raises:
        TypeError: if ``requires_grad`` is asked of a non-floating dtype.

    Example:
        >>> import ember
        >>> ember.tensor([[1, 2], [3, 4]], dtype="float32").shape
        (2, 2)
    """
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)
