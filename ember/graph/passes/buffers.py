"""Buffer planning: preallocated output buffers for the replay, shared by values whose lifetimes do not overlap.

Without this pass every replay allocates a fresh array for each op's output, as eager mode does.
With it, the nodes that can write into a given array (an op whose Function class has
``forward_out(*arrays, out=, **kwargs)``: ``Add``, ``Sub``, ``Mul``, ``Div``, ``MatMul``,
``fused.Dense``, ``AddReLU``; the ``add`` gradient-accumulation nodes; the first gradient of a
``grad`` node whose Function has ``backward_out(g, out)``: ``MatMul``, ``fused.Dense``) write into
buffers that :class:`~ember.graph.replay.Program` allocates once and keeps across replays. The
shape and dtype of every value are recorded at trace time (``attrs['meta']``) and fixed by the
function's signature. Values of one dtype whose lifetimes are disjoint share a buffer: a flat
array each value uses a C-contiguous prefix of (greedy interval colouring in program order: the
smallest free buffer that holds the value, else the largest free one, grown). Values under
:data:`MIN_BYTES` are not planned.

Correctness rules (conservative; a value is left unplanned whenever one is in doubt):

1. **Aliases.** A value's buffer stays in use for as long as any array that may share its memory
   is read. Aliases are followed forward from each planned value ``s`` (its *roots*):

   - an ``op`` node's output inherits its inputs' roots unless the op is in :data:`FRESH_FORWARD`
     (its forward always returns a new array): ``reshape``, ``transpose``, ``getitem``,
     identities and every op not listed may return a view;
   - the ``ctx`` slot of an op node inherits the roots of the inputs and output its Function keeps
     (:data:`CTX_KEEPS`: ``MatMul`` keeps its inputs, ``Softmax`` its output, ``Dense`` both, ``Add``
     neither; an op not listed is assumed to keep all of them), so the buffer lives until the last
     ``grad`` node that calls that ctx;
   - a ``grad`` node's outputs inherit the upstream gradient's roots unless the op is in
     :data:`BACKWARD_FRESH` (``Add``'s backward returns the incoming gradient itself, ``Sum``'s a
     broadcast view of it), and the ctx's roots unless the op is in :data:`BACKWARD_NO_SAVED`;
   - ``host`` and ``random`` outputs inherit their inputs' roots.

   A value's lifetime is ``[its node, last node reading any slot that carries its root]``.
2. **Escapes.** A value is never planned when it, or anything carrying its root, leaves the step:
   a graph output (the user keeps it after the next replay), the input of a ``leafgrad`` or
   ``setgrad`` node (stored as a leaf's ``.grad``, read by the optimizer after the replay and
   accumulated into by the next step), or the target of an ``effect`` (a Variable, BatchNorm's
   moving statistics).
3. **Bit-identical.** ``forward_out``/``backward_out`` run the same kernels in the same order as
   ``forward``/``backward`` (``np.add(a, b, out=)`` for ``a + b``, ``np.matmul(a, b, out=)`` into a
   C-contiguous buffer for ``a @ b``), so results equal the pass turned off and eager mode. An
   elementwise op (or ``add`` node) with an operand that is not C-contiguous writes a new array
   instead of the buffer: NumPy gives ``a * b`` its operands' layout (a transpose's result stays
   Fortran-ordered), and a later reduction sums in layout order, so a C-ordered buffer would
   change the last bits of a sum. Only values of rank >= 1 are planned (a 0-d result is a NumPy
   scalar in eager mode).
4. **One replay at a time.** A Program's buffers belong to it: replaying the same concrete
   function from two threads at once would share them (graph mode is single-threaded).

The pass is off by default (``ember.graph.passes.set_enabled("buffers", True)``): on CPU it
saves no measurable time and holds more memory between steps than a step saves (numbers in
docs/graph_mode.md). It must stay the last pass: it plans the final node list.

Lifetimes are closed intervals, so an op never writes into a buffer that one of its own inputs
(or anything else read by that node) occupies.
"""

from __future__ import annotations

import math

from ember.ops import activations, device, fused, linalg, nn, normalization, reduction, shape, unary
from ember.ops import math as elementwise

#: Values smaller than this are left to the allocator (its free lists make them cheap; ``out=`` costs a call).
MIN_BYTES = 32 * 1024
#: Ops whose forward always returns a new array (never a view of, or the same array as, an input).
FRESH_FORWARD = frozenset({elementwise.Add, elementwise.Sub, elementwise.Mul, elementwise.Div, linalg.MatMul,
                           fused.Dense, fused.AddReLU, unary.Square, activations.Softmax, normalization.LayerNorm,
                           nn.SparseSoftmaxCrossEntropy, device.Cast})  # fmt: skip
#: Ops whose backward returns new arrays only (never the upstream gradient or a view of it).
BACKWARD_FRESH = frozenset({elementwise.Mul, elementwise.Div, linalg.MatMul, fused.Dense, fused.AddReLU,
                            unary.Square, activations.Softmax, nn.SparseSoftmaxCrossEntropy})  # fmt: skip
#: Ops whose backward never returns an array it saved in forward (it may return the upstream gradient).
BACKWARD_NO_SAVED = BACKWARD_FRESH | {elementwise.Add, elementwise.Sub, normalization.LayerNorm, device.Cast,
                                     reduction.Sum, reduction.Mean, shape.Reshape, shape.Transpose}  # fmt: skip

#: What the Function object keeps after ``forward`` (input positions, ``"out"``: its result, or a view of one of
#: them); other ops are assumed to keep every input and their result. Read from each op's ``forward``.
CTX_KEEPS = {elementwise.Add: (), elementwise.Sub: (), fused.AddReLU: (), device.Cast: (), reduction.Sum: (),
             reduction.Mean: (), shape.Reshape: (), shape.Transpose: (), elementwise.Mul: (0, 1),
             elementwise.Div: (0, 1), linalg.MatMul: (0, 1), unary.Square: (0,), fused.Dense: (0, 1, "out"),
             activations.Softmax: ("out",), normalization.LayerNorm: (1,), nn.SparseSoftmaxCrossEntropy: (1,)}


def _candidates(graph) -> dict:
    """``{slot: (node index, output position, (shape, dtype))}`` for every value a node can write into a buffer."""
    ctx_op = {n.outputs[1]: n.op for n in graph.nodes if n.kind == "op"}
    out = {}
    for i, node in enumerate(graph.nodes):
        metas = node.attrs.get("meta")
        if node.kind == "op" and hasattr(node.op, "forward_out") and not node.attrs.get("tensor_kwargs"):
            pos = [(0, node.attrs.get("out_meta"))]
        elif node.kind == "add":
            pos = [(0, metas)]
        elif node.kind == "grad" and hasattr(ctx_op.get(node.inputs[0]), "backward_out") and metas:
            pos = [(0, metas[0])]
        else:
            continue
        for p, meta in pos:
            s = node.outputs[p]
            if s is not None and meta is not None and len(meta[0]) >= 1:
                out[s] = (i, p, meta)
    return out


def _roots(graph, cand) -> tuple[dict, set]:
    """Propagate may-alias roots forward (rule 1); returns ``({slot: roots}, escaped roots)``."""
    ctx_op = {n.outputs[1]: n.op for n in graph.nodes if n.kind == "op"}
    roots: dict[int, frozenset] = {}
    escaped: set = set()
    empty = frozenset()

    def of(slots):
        r = empty
        for s in slots:
            r = r | roots.get(s, empty)
        return r

    for node in graph.nodes:
        ins = of(node.inputs)
        if node.kind == "op":
            value, ctx = node.outputs
            own = roots.get(value, empty) | (frozenset({value}) if value in cand else empty)
            roots[value] = own if node.op in FRESH_FORWARD else own | ins
            keeps = CTX_KEEPS.get(node.op)
            if keeps is None:
                roots[ctx] = roots[value] | ins
            else:
                kept = of([node.inputs[k] for k in keeps if k != "out"])
                roots[ctx] = kept | roots[value] if "out" in keeps else kept
        elif node.kind == "grad":
            ctx_slot, g = node.inputs
            op = ctx_op.get(ctx_slot)
            inherited = (empty if op in BACKWARD_FRESH else roots.get(g, empty)) | \
                (empty if op in BACKWARD_NO_SAVED else roots.get(ctx_slot, empty))  # fmt: skip
            for s in node.outputs:
                if s is not None:
                    roots[s] = inherited | (frozenset({s}) if s in cand else empty)
        elif node.kind in ("add", "ones"):
            s = node.outputs[0]
            roots[s] = frozenset({s}) if s in cand else empty
        elif node.kind in ("leafgrad", "setgrad"):
            escaped |= ins
            for s in node.outputs:
                roots[s] = ins
        elif node.kind == "effect":
            escaped |= roots.get(node.attrs["target"], empty)
        elif node.kind == "callback":  # Python (an optimizer step) may keep what it reads
            escaped |= ins
        else:  # host, random, and any kind added later
            for s in node.outputs:
                roots[s] = ins
    escaped |= of(graph.output_slots)
    return roots, escaped


def plan(graph) -> tuple[list, dict]:
    """``(buffer specs [(elements, dtype)], {slot: buffer index})`` for ``graph`` (rules in the module docstring)."""
    cand = {s: c for s, c in _candidates(graph).items() if _nbytes(c[2]) >= MIN_BYTES}
    roots, escaped = _roots(graph, cand)
    end = {s: cand[s][0] for s in cand}
    for i, node in enumerate(graph.nodes):
        read = list(node.inputs) + ([node.attrs["target"]] if node.kind == "effect" else [])
        for s in read:
            for r in roots.get(s, ()):
                end[r] = max(end[r], i)
    specs: list = []  # per buffer: [elements, dtype]
    free_at: list = []  # per buffer, the last node index at which its current value is used
    assign = {}
    for s in sorted((s for s in cand if s not in escaped), key=lambda s: cand[s][0]):
        start, _, (shp, dtype) = cand[s]
        n = math.prod(shp)
        free = [k for k in range(len(specs)) if free_at[k] < start and specs[k][1] == dtype]
        fits = [k for k in free if specs[k][0] >= n]
        if fits:  # the smallest free buffer that holds it, else the largest free one, grown
            k = min(fits, key=lambda k: specs[k][0])
        elif free:
            k = max(free, key=lambda k: specs[k][0])
            specs[k][0] = n
        else:
            k = len(specs)
            specs.append([n, dtype])
            free_at.append(-1)
        free_at[k] = end[s]
        assign[s] = k
    return [tuple(x) for x in specs], assign


def _nbytes(meta) -> int:
    shp, dtype = meta
    return math.prod(shp) * dtype.itemsize


def plan_buffers(graph):
    """Attach the plan: ``graph.buffers`` (``[(elements, dtype)]``) and ``node.attrs['out_buffers']``
    (``{output position: (buffer, shape)}``); returns ``(graph, number of planned values)``."""
    specs, assign = plan(graph)
    metas = {s: m for s, (_, _, m) in _candidates(graph).items()}
    for node in graph.nodes:
        node.attrs.pop("out_buffers", None)
        chosen = {p: (assign[s], tuple(metas[s][0])) for p, s in enumerate(node.outputs) if s in assign}
        if chosen:
            node.attrs["out_buffers"] = chosen
    graph.buffers = specs
    return graph, len(assign)
