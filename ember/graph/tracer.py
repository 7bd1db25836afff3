"""Recording a function's eager run into a :class:`~ember.graph.ir.Graph`.

While a :class:`Tracer` is installed (``ember.autograd.tracing._STATE``), the function runs
eagerly as usual (its results are the eager results) and every executed
:class:`~ember.autograd.Function`, RNG draw, backward walk and in-place update is also
appended to the graph. Tensors produced inside are :class:`TracedTensor`: reading their
array from Python code that is not an op (``.data``, ``.item()``, ``float()``, ``bool()``,
``.numpy()``) marks the trace *untraceable* (data-dependent Python), because a replay
would not run that Python again; :mod:`ember.graph.function` then runs the function
eagerly from there on, with a warning.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Tensor, Variable, tracing
from ember.autograd import engine as _engine
from ember.graph.ir import Graph, Node

_DATA = Tensor.__dict__["data"]  # the slot descriptor: reads that do not report


class TracedTensor(Tensor):
    """A Tensor produced while tracing: Python reads of its values are reported to the tracer.

    Shape, dtype, ndim and size are part of the trace signature, so reading them is fine.
    At the end of tracing every TracedTensor becomes a plain :class:`Tensor` again.
    """

    __slots__ = ()

    @property
    def data(self):
        tracer = tracing._STATE["tracer"]
        if tracer is not None:
            tracer.host_read(self, "its array (.data)")
        return _DATA.__get__(self)

    @data.setter
    def data(self, value):
        _DATA.__set__(self, value)

    @property
    def shape(self) -> tuple:
        return _DATA.__get__(self).shape

    @property
    def dtype(self):
        return _DATA.__get__(self).dtype

    @property
    def ndim(self) -> int:
        return _DATA.__get__(self).ndim

    @property
    def size(self) -> int:
        return _DATA.__get__(self).size

    @property
    def device(self) -> str:
        return Tensor.device.fget(_Quiet(self))

    def __len__(self) -> int:
        return Tensor.__len__(_Quiet(self))

    def requires_grad_(self, mode: bool = True) -> Tensor:
        if mode and _DATA.__get__(self).dtype.kind != "f":
            return Tensor.requires_grad_(_Quiet(self), mode)
        self.requires_grad = bool(mode)
        return self

    def detach(self) -> Tensor:
        """The same value cut from the autograd graph; in the traced graph it is the same slot."""
        tracer = tracing._STATE["tracer"]
        out = Tensor._wrap(_DATA.__get__(self), False) if tracer is None else tracer.alias(self)
        return out


def raw(t: Tensor):
    """A tensor's array without reporting a host read."""
    return _DATA.__get__(t)


class Tracer:
    """Records one eager run of a function (see the module docstring).

    Args:
        flat_inputs: the call's flattened arguments: Tensors (as passed to the function).
    """

    def __init__(self):
        self.graph = Graph()
        self.slot_of: dict[int, int] = {}
        self.keep: list = []  # keeps recorded tensors alive so their ids stay unique
        self.traced: list = []
        self.ctx_slot: dict[int, int] = {}
        self.untraceable: str | None = None
        self.leaves: dict[int, tuple] = {}
        self.input_position: dict[int, int] = {}

    # ------------------------------------------------------------------ values
    def add_input(self, tensor: Tensor, position: int) -> None:
        """Register the ``position``-th flattened argument."""
        slot = self.graph.new_slot()
        self.graph.inputs[slot] = position
        self._bind(tensor, slot)
        self.input_position[id(tensor)] = position

    def _bind(self, tensor: Tensor, slot: int) -> None:
        self.slot_of[id(tensor)] = slot
        self.keep.append(tensor)

    def slot(self, tensor: Tensor) -> int:
        """The slot of ``tensor``, capturing it (read live at replay) when it comes from outside."""
        s = self.slot_of.get(id(tensor))
        if s is None:
            s = self.graph.new_slot()
            self.graph.captured[s] = tensor
            self._bind(tensor, s)
        return s

    def _new_tensor(self, array, requires_grad: bool = False) -> TracedTensor:
        t = object.__new__(TracedTensor)
        _DATA.__set__(t, array)
        t.grad, t._ctx, t.requires_grad = None, None, requires_grad
        self.traced.append(t)
        return t

    def alias(self, tensor: Tensor) -> Tensor:
        """A new non-grad tensor with ``tensor``'s array, bound to the same slot (``detach``)."""
        out = self._new_tensor(raw(tensor))
        self._bind(out, self.slot(tensor))
        return out

    def wrap_input(self, tensor: Tensor) -> Tensor:
        """The tensor the function sees for an argument: a TracedTensor unless it requires grad."""
        return tensor if tensor.requires_grad else self._new_tensor(raw(tensor))

    # ------------------------------------------------------------------ hooks called by autograd
    def apply(self, cls, inputs, kwargs) -> Tensor:
        """:meth:`Function.apply` while tracing: run it eagerly and append an ``op`` node.

        Keyword arguments that are Tensors (ops pass masks this way while tracing, see
        ``ember.ops.recurrent``) become inputs of the node, after the positional ones.
        """
        from ember.autograd import grad_mode

        ctx = cls()
        needs = tuple([t.requires_grad for t in inputs])
        record = True in needs and grad_mode._STATE["enabled"]
        ctx.needs_grad = needs
        names = tuple(k for k, v in kwargs.items() if isinstance(v, Tensor))  # array keywords (masks)
        static = {k: v for k, v in kwargs.items() if k not in names}
        out = ctx.forward(*[raw(t) for t in inputs], **static, **{k: raw(kwargs[k]) for k in names})
        result = self._new_tensor(out, record)
        if record:
            ctx.parents = inputs
            result._ctx = ctx
        ins = [self.slot(t) for t in inputs] + [self.slot(kwargs[k]) for k in names]
        value, ctx_slot = self.graph.new_slot(), self.graph.new_slot()
        attrs = {"kwargs": static, "needs": needs, "tensor_kwargs": names,  # meta: for the fusion passes' checks
                 "meta": (tuple((raw(t).shape, raw(t).dtype) for t in inputs),
                          (getattr(out, "shape", None), getattr(out, "dtype", None))),
                 "out_meta": _meta(out)}  # (shape, dtype) of a NumPy output or None: passes/buffers.py
        self.graph.nodes.append(Node("op", cls, ins, [value, ctx_slot], attrs))
        self._bind(result, value)
        self.ctx_slot[id(ctx)] = ctx_slot
        self.keep.append(ctx)
        return result

    def host_op(self, fn, tensors, kwargs: dict, random: bool) -> Tensor:
        """A non-differentiable array function ``fn(*arrays, **kwargs) -> array`` (label checks,
        RNG draws): run now and again at every replay (so checks still raise and draws are fresh)."""
        ins = [self.slot(t) for t in tensors]
        result = self._new_tensor(fn(*[raw(t) for t in tensors], **kwargs))
        value = self.graph.new_slot()
        self.graph.nodes.append(Node("random" if random else "host", fn, ins, [value], {"kwargs": kwargs}))
        self._bind(result, value)
        return result

    def callback(self, fn, tensors) -> None:
        """Python that updates state from traced values, ``fn(*arrays)`` (``Optimizer.apply``): run now
        with tracing paused (its own array code is not recorded op by op) and again at every replay."""
        ins = [self.slot(t) for t in tensors]
        saved = tracing._STATE["tracer"]
        tracing._STATE["tracer"] = None
        try:
            fn(*[raw(t) for t in tensors])
        finally:
            tracing._STATE["tracer"] = saved
        self.graph.nodes.append(Node("callback", fn, ins, [], {}))

    def host_read(self, tensor, how: str) -> None:
        """Python read a traced value: the graph cannot replay this function faithfully."""
        if self.untraceable is None:
            self.untraceable = f"Python code read a tensor's values during tracing ({how}) at {_caller()}"

    def inplace(self, target: Tensor, op: str, value) -> None:
        """``target op= value`` (or ``copy``/``assign``) while tracing: do it and append an ``effect``."""
        tensor = isinstance(value, Tensor)
        array = raw(value) if tensor else value
        if op == "assign":
            array = array if tensor else backend.asarray(value)
            if array.shape != raw(target).shape:
                raise ValueError(f"Variable '{target.path}' has shape {raw(target).shape}; cannot assign a value "
                                 f"of shape {array.shape}")  # fmt: skip
        if op in ("copy", "assign"):
            raw(target)[...] = array
        else:
            getattr(raw(target), op)(array)
        ins = [self.slot(value)] if tensor else []
        attrs = {"target": self.slot(target), "op": op, "scalar": None if tensor else value}
        self.graph.nodes.append(Node("effect", None, ins, [], attrs))

    # ------------------------------------------------------------------ backward
    def backward(self, root: Tensor, gradient, retain_graph: bool) -> None:
        """:func:`run_backward` while tracing: the same walk, each step appended as a node."""
        grad = _engine._initial_gradient(_Quiet(root), gradient)
        if root._ctx is None:
            self._leaf(root, grad, self._grad_slot(root, gradient))
            return
        if root._ctx is _engine.FREED:
            _engine.FREED.backward(grad)
        order = _engine.topological_order(root)
        grads = {id(root): (grad, self._grad_slot(root, gradient))}
        for node in reversed(order):
            entry = grads.pop(id(node), None)
            ctx = node._ctx
            if not retain_graph:
                node._ctx = _engine.FREED
            if entry is None:
                continue
            in_grads = ctx.backward(entry[0])
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            outs = [self.graph.new_slot() if pg is not None else None for pg in in_grads]
            metas = [_meta(pg) for pg in in_grads]  # (shape, dtype) per output: passes/buffers.py plans from it
            self.graph.nodes.append(Node("grad", None, [self.ctx_slot[id(ctx)], entry[1]], outs, {"meta": metas}))
            for parent, pg, need, s in zip(ctx.parents, in_grads, ctx.needs_grad, outs, strict=False):
                if not need or pg is None:
                    continue
                if parent._ctx is None:
                    self._leaf(parent, pg, s)
                    continue
                prev = grads.get(id(parent))
                if prev is None:
                    grads[id(parent)] = (pg, s)
                else:
                    out, total = self.graph.new_slot(), prev[0] + pg
                    self.graph.nodes.append(Node("add", None, [prev[1], s], [out], {"meta": _meta(total)}))
                    grads[id(parent)] = (total, out)

    def _grad_slot(self, root, gradient) -> int:
        if gradient is None:
            out = self.graph.new_slot()
            self.graph.nodes.append(Node("ones", None, [self.slot(root)], [out]))
            return out
        if isinstance(gradient, Tensor):
            return self.slot(gradient)
        s = self.graph.new_slot()
        self.graph.constants[s] = backend.asarray(gradient, dtype=raw(root).dtype)
        return s

    def _leaf(self, leaf: Tensor, grad, slot: int) -> None:
        if grad.dtype != raw(leaf).dtype:
            grad = grad.astype(raw(leaf).dtype)
        new = self._new_tensor(grad if leaf.grad is None else raw(leaf.grad) + grad)  # as engine._accumulate_leaf
        leaf.grad = new
        out = self.graph.new_slot()
        self._bind(new, out)
        target = ("input", self.input_position[id(leaf)]) if id(leaf) in self.input_position else self.slot(leaf)
        self.graph.nodes.append(Node("leafgrad", None, [slot], [out], {"leaf": target}))
        self.leaves[id(leaf)] = (leaf, target)

    # ------------------------------------------------------------------ end
    def finish(self, outputs: list) -> None:
        """Record the final ``.grad`` of every leaf and the output slots; turn TracedTensors back to Tensors."""
        for leaf, target in self.leaves.values():
            g = leaf.grad
            ins = [] if g is None else [self.slot(g)]
            self.graph.nodes.append(Node("setgrad", None, ins, [], {"leaf": target}))
        self.graph.output_slots = [self.slot(t) for t in outputs]

    def release(self) -> None:
        """Turn every TracedTensor back into a plain Tensor and drop the id table."""
        for t in self.traced:
            t.__class__ = Tensor
        self.traced, self.keep, self.slot_of = [], [], {}


def _meta(array):
    """``(shape, dtype)`` of a traced array, or None for anything else (a NumPy scalar, None)."""
    shape, dtype = getattr(array, "shape", None), getattr(array, "dtype", None)
    return None if shape is None or dtype is None or not hasattr(array, "__array_interface__") else (shape, dtype)


def _caller() -> str:
    """``file:line (function)`` of the innermost frame outside ember's autograd and graph packages."""
    import sys

    frame = sys._getframe(1)
    while frame is not None and any(p in frame.f_code.co_filename for p in ("ember/autograd", "ember/graph")):
        frame = frame.f_back
    return "?" if frame is None else f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})"


class _Quiet:
    """A view of a tensor for the engine's checks that reads the array without reporting."""

    def __init__(self, t):
        self._t = t
        self.data = raw(t)
        self.ndim = self.data.ndim
        self.requires_grad = t.requires_grad
        self.shape = self.data.shape
        self.dtype = self.data.dtype


def is_variable(t) -> bool:
    """True for model weights (read live at every replay, never folded)."""
    return isinstance(t, Variable)
