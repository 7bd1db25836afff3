"""The multi-tensor optimizer step: every variable's update in one kernel call on flat buffers.

Like PyTorch's ``foreach``/fused Adam, but with a single buffer: the first fused step copies the
variables (and each slot: ``momentum``, ``velocity``, ...) into one flat array per kind and
rebinds ``v.data`` and the optimizer's slot entries to views of it, so the arrays the model, the
checkpoints and ``optimizer.slots_for`` see stay the live ones. Each step then gathers the
gradients into a flat buffer (one ``concatenate``) and calls the optimizer's ``update_step`` once.
The update rules are elementwise, so every element gets the same floating-point operations in
the same order as the per-variable loop: results are bit-identical to it (tests/optimizers/
test_fused.py).

Used by :meth:`Optimizer.apply` when the optimizer declares ``fused_update = True`` (SGD: with momentum; its
``update_step`` is elementwise), for the step's small variables (:func:`split`) without a
per-variable rule (a ``constraint``, excluded from weight decay, another dtype); ``clipnorm`` and
``use_ema`` steps take the per-variable loop. ``clipvalue`` and ``global_clipnorm`` are applied per
variable first, as in eager. A variable whose ``.data`` was rebound elsewhere (``v.data = ...``) is noticed at the
next step, and the flat buffers are rebuilt from the current arrays.
"""

from __future__ import annotations

from ember.ops import updates

# turned off by benchmarks/graph_passes.py to measure the per-variable loop in the same process
ENABLED = {"fused": True}
# largest variable (elements) updated on the flat buffers; see split()
SMALL = 16384


class FlatGroup:
    """Flat buffers shared by ``variables``' arrays and their optimizer slots.

    Args:
        optimizer: the :class:`~ember.optimizers.Optimizer` whose slots are flattened.
        variables: the variables updated together (same dtype).
    """

    def __init__(self, optimizer, variables):
        dtype = variables[0].data.dtype
        self.param, views = updates.flat_views([v.data for v in variables], dtype)
        for v, view in zip(variables, views, strict=True):
            v.data = view
        self.views = views
        per_var = [optimizer._slots_of(v) for v in variables]
        self.slots = {}
        for key in per_var[0]:
            self.slots[key], slot_views = updates.flat_views([s[key] for s in per_var], dtype)
            for s, view in zip(per_var, slot_views, strict=True):
                s[key] = view
        self.grad = updates.empty_like(self.param)
        self.dtype = dtype

    def current(self, variables) -> bool:
        """Whether every variable still holds its view (nobody rebound ``v.data``)."""
        return all(v.data is view for v, view in zip(variables, self.views, strict=True))


def split(optimizer, pairs):
    """``(flat, rest)``: the ``(grad, variable)`` pairs of one step that take the flat path, and the others.

    Flat: variables of at most ``SMALL`` elements (on a larger one the per-variable loop's passes
    stay in cache and the gather's copy costs more than the Python calls it saves: measured in
    benchmarks/RESULTS.md), of the first such variable's floating dtype, with a gradient of that
    dtype, no constraint, and weight decay if the step decays. Fewer than two: no flat path.
    """
    if not ENABLED["fused"] or not getattr(optimizer, "fused_update", False) or len(pairs) < 2:
        return (), pairs
    if optimizer.clipnorm is not None or optimizer.use_ema:
        return (), pairs
    flat, rest, dtype, seen = [], [], None, set()
    decay = bool(optimizer.weight_decay)
    for g, v in pairs:
        a = v.data
        if dtype is None and a.size <= SMALL and a.dtype.kind == "f":
            dtype = a.dtype
        ok = (a.size <= SMALL and a.dtype == dtype and g.dtype == dtype and id(v) not in seen
              and getattr(v, "constraint", None) is None and (not decay or optimizer._use_weight_decay(v)))
        (flat if ok else rest).append((g, v))
        seen.add(id(v))
    if len(flat) < 2 or len(seen) < len(pairs):  # a variable listed twice: all in the per-variable loop
        return (), pairs
    return flat, rest


def fused_apply(optimizer, pairs, lr: float) -> None:
    """One step over all ``pairs`` on flat buffers (after clipping and the ``iterations`` increment)."""
    variables = [v for _, v in pairs]
    key = tuple(map(id, variables))
    groups = optimizer.__dict__.setdefault("_flat_groups", {})
    group = groups.get(key)
    if group is None or not group.current(variables):
        if len(groups) >= 4:  # a bounded cache: alternating variable sets (GANs) keep theirs
            groups.clear()
        group = groups[key] = FlatGroup(optimizer, variables)
    grad = updates.gather_into(group.grad, [g for g, _ in pairs])
    if optimizer.weight_decay:
        updates.decay(group.param, lr * optimizer.weight_decay, group.slots["_scratch"])
    optimizer.update_step(grad, group.param, group.slots, lr)
