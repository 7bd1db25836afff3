"""``ember.function``: trace a Python function once per input signature, then replay its graph.

TensorFlow's ``tf.function`` contract on ember's engine:

- the first call with a new *signature* (argument structure, each tensor's shape/dtype/
  requires_grad, Python values by value, other objects by identity) runs the function eagerly
  while :class:`~ember.graph.tracer.Tracer` records it; that call's results are the eager ones;
- later calls with the same signature replay the optimised graph on arrays
  (:mod:`ember.graph.replay`): Python side effects happen at trace time only; Variables and
  captured tensors are read at every replay; RNG draws are fresh; in-place updates, ``assign``
  and ``.grad`` accumulation are replayed;
- a function that reads tensor values in Python while tracing (``if x.sum() > 0``, ``float(x)``,
  ``.numpy()``, ``.item()``) cannot be replayed faithfully: it is marked untraceable and runs
  eagerly from then on, with one :class:`GraphFallbackWarning`. Never a stale graph.
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict

import numpy as np

from ember.autograd import Tensor, tracing
from ember.backend import config
from ember.graph import structure
from ember.graph.passes import optimize
from ember.graph.replay import Program
from ember.graph.tracer import Tracer

MAX_CACHED_TRACES = 32
RETRACE_WARNING_AT = 6


class GraphFallbackWarning(UserWarning):
    """An :func:`ember.function` could not be traced faithfully and now runs eagerly."""


class RetracingWarning(UserWarning):
    """An :func:`ember.function` was traced many times (new shapes or Python values each call)."""


class ConcreteFunction:
    """One traced graph of a function for one signature; call it like the function.

    Attributes:
        graph: the optimised :class:`~ember.graph.ir.Graph` that replays.
        unoptimized_graph: the graph as recorded, before the passes.
        pass_stats: ``{pass name: nodes removed or changed}``.
    """

    def __init__(self, graph, unoptimized_graph, pass_stats: dict, arg_tree):
        self.graph, self.unoptimized_graph, self.pass_stats = graph, unoptimized_graph, pass_stats
        self.arg_tree = arg_tree
        self.program = Program(graph)

    def run_flat(self, leaves: list):
        """Replay on the flattened argument tensors/arrays; returns the structured outputs."""
        arrays = self.program.run(leaves)
        return structure.unflatten(self.graph.output_tree, [Tensor._wrap(a) for a in arrays])[0]

    def __call__(self, *args, **kwargs):
        leaves: list = []
        tree = structure.flatten((args, kwargs), leaves)
        if tree != self.arg_tree:
            raise ValueError("ConcreteFunction: the arguments do not match the traced structure. "
                             f"Expected: {self.arg_tree}. Received: {tree}")  # fmt: skip
        return self.run_flat(leaves)


class Function:
    """A Python function with a trace cache (what :func:`function` returns). See the module docstring.

    Attributes:
        python_function: the wrapped function.
        trace_count: how many times it was traced.
    """

    def __init__(self, fn, reduce_retracing: bool = False, name: str | None = None):
        if not callable(fn):
            raise TypeError(f"ember.function: expected a callable. Received: {type(fn).__name__}")
        self.python_function = fn
        self.reduce_retracing = bool(reduce_retracing)
        self.name = name or getattr(fn, "__name__", "function")
        self.trace_count = 0
        self.retrace_warning_at: int | None = RETRACE_WARNING_AT  # None: never warn (the trainer's steps)
        self.warn_on_fallback = True  # False: fall back to eager silently (compile(jit_compile="auto"))
        self.untraceable: str | None = None
        self._cache: OrderedDict = OrderedDict()
        self._seen: set = set()
        functools.update_wrapper(self, fn)

    def __get__(self, obj, objtype=None):  # decorating a method: one traced function per instance
        if obj is None:
            return self
        bound = obj.__dict__.get(f"_ember_function_{self.name}")
        if bound is None:
            bound = Function(self.python_function.__get__(obj, objtype), self.reduce_retracing, self.name)
            obj.__dict__[f"_ember_function_{self.name}"] = bound
        return bound

    def _key(self, args, kwargs):
        leaves: list = []
        tree = structure.flatten((args, kwargs), leaves)
        return (tree, tuple(structure.leaf_spec(x) for x in leaves)), tree, leaves

    def __call__(self, *args, **kwargs):
        if config.functions_run_eagerly() or self.untraceable or tracing._STATE["tracer"] is not None:
            return self.python_function(*args, **kwargs)  # nested in another trace: inlined
        key, tree, leaves = self._key(args, kwargs)
        concrete = self._cache.get(key)
        if concrete is not None:
            self._cache.move_to_end(key)
            return concrete.run_flat(leaves)
        if self.reduce_retracing and key not in self._seen:
            self._seen.add(key)  # a signature seen once runs eagerly; traced when it comes back
            return self.python_function(*args, **kwargs)
        result, concrete = self._trace(args, kwargs, tree, leaves)
        if concrete is not None:
            self._cache[key] = concrete
            if len(self._cache) > MAX_CACHED_TRACES:
                self._cache.popitem(last=False)
        return result

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """The traced graph for these arguments' signature (tracing now if needed; runs the function once).

        Raises:
            ValueError: if the function is untraceable (data-dependent Python), naming the reason.
        """
        if self.untraceable:
            raise ValueError(f"ember.function '{self.name}' cannot be traced: {self.untraceable}")
        key, tree, leaves = self._key(args, kwargs)
        if key not in self._cache:
            _, concrete = self._trace(args, kwargs, tree, leaves)
            if concrete is None:
                raise ValueError(f"ember.function '{self.name}' cannot be traced: {self.untraceable}")
            self._cache[key] = concrete
        return self._cache[key]

    def _trace(self, args, kwargs, tree, leaves):
        self.trace_count += 1
        if self.trace_count == self.retrace_warning_at:
            warnings.warn(f"ember.function '{self.name}' has been traced {self.trace_count} times: each new "
                          "shape or Python argument value retraces. Pass tensors of fixed shapes, or use "
                          "reduce_retracing=True.", RetracingWarning, stacklevel=3)  # fmt: skip
        tracer = Tracer()
        wrapped = []
        for i, x in enumerate(leaves):
            t = x if isinstance(x, Tensor) else Tensor(x)
            w = tracer.wrap_input(t)
            tracer.add_input(w, i)
            wrapped.append(w)
        call_args, call_kwargs = structure.unflatten(tree, wrapped, structure.objects_of((args, kwargs), {}))[0]
        born = _BornTracker()
        tracing._STATE["tracer"] = tracer
        try:
            with born:
                result = self.python_function(*call_args, **call_kwargs)
            if tracer.untraceable is None:
                out_leaves: list = []
                out_tree = structure.flatten(result, out_leaves)
                _check_outputs(self.name, out_tree, out_leaves)
                tracer.finish(out_leaves)
                tracer.graph.output_tree = out_tree
        finally:
            tracing._STATE["tracer"] = None
            tracer.release()
        if tracer.untraceable is not None:
            self.untraceable = tracer.untraceable
            if self.warn_on_fallback:
                warnings.warn(f"ember.function '{self.name}' runs eagerly from now on: {tracer.untraceable}. "
                              "A replayed graph would not run that Python again (data-dependent control flow).",
                              GraphFallbackWarning, stacklevel=3)  # fmt: skip
            return result, None
        graph = tracer.graph
        optimized, stats = optimize(graph, born.ids)
        return result, ConcreteFunction(optimized, graph, stats, tree)


def _check_outputs(name, tree, leaves) -> None:
    for x in leaves:
        if isinstance(x, np.ndarray):
            raise TypeError(f"ember.function '{name}' must return Tensors (or lists/tuples/dicts of them, or None). "
                            "Received: a NumPy array, computed outside the graph")  # fmt: skip
    bad = _non_tensor(tree)
    if bad is not None:
        raise TypeError(f"ember.function '{name}' must return Tensors (or lists/tuples/dicts of them, or None): "
                        f"a Python value would be frozen at its trace-time value. Received: {bad!r}")  # fmt: skip


def _non_tensor(tree):
    if tree == "T":
        return None
    if tree[0] == "V":
        return None if tree[2] is None else tree[2]
    if tree[0] == "O":
        return f"an object (id {tree[1]})"
    for sub in tree[1]:
        found = _non_tensor(sub[1] if tree[0] == "dict" else sub)
        if found is not None:
            return found
    return None


class _BornTracker:
    """Notes the ids of tensors created while tracing (candidates for constants, never Variables)."""

    def __init__(self):
        self.ids: set = set()
        self.keep: list = []

    def __enter__(self):
        self._wrap, self._init = Tensor.__dict__["_wrap"], Tensor.__init__
        ids, keep, wrap, init = self.ids, self.keep, self._wrap.__func__, self._init

        def tracked_wrap(cls, array, requires_grad=False):
            t = wrap(cls, array, requires_grad)
            ids.add(id(t))
            keep.append(t)
            return t

        def tracked_init(t, *a, **k):
            init(t, *a, **k)
            if type(t) is Tensor:
                ids.add(id(t))
                keep.append(t)

        Tensor._wrap = classmethod(tracked_wrap)
        Tensor.__init__ = tracked_init
        return self

    def __exit__(self, *exc):
        Tensor._wrap, Tensor.__init__ = self._wrap, self._init
        return False


def function(fn=None, *, reduce_retracing: bool = False):
    """Compile ``fn`` into a traced, replayed graph (TensorFlow's ``tf.function``); usable as a decorator.

    Args:
        fn: a Python function of Tensors (NumPy arrays are converted), nested lists/tuples/dicts of
            them and Python values; it must return Tensors (or nested structures of them, or ``None``).
        reduce_retracing: when ``True``, a signature seen for the first time runs eagerly and is
            traced only when it comes back (one-off shapes such as a last partial batch are not
            traced). Defaults to ``False``.

    Returns:
        A :class:`Function`. Each call with a new signature traces (runs ``fn`` eagerly,
        recording); later calls replay. ``ember.config.run_functions_eagerly(True)`` turns
        replay off everywhere.

    Raises:
        TypeError: if ``fn`` is not callable, or returns non-tensor values (at trace time).

    Example:
        >>> import ember
        >>> w = ember.Variable([[2.0]])
        >>> @ember.function
        ... def f(x):
        ...     return (x @ w).sum()
        >>> float(f(ember.tensor([[3.0]])))
        6.0
        >>> _ = w.assign([[5.0]])
        >>> float(f(ember.tensor([[3.0]])))
        15.0
    """
    if fn is None:
        return functools.partial(function, reduce_retracing=reduce_retracing)
    return Function(fn, reduce_retracing=reduce_retracing)



