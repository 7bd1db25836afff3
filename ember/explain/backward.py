"""``ember.explain.backward``: one training step of a model explained layer by layer (chain rule, update)."""

from __future__ import annotations

import numpy as np

from ember import optimizers
from ember.autograd import Tensor, Variable
from ember.autograd import grad as autograd_grad
from ember.autograd.graph_walk import node_gradients
from ember.explain.forward import capture_calls, check_built
from ember.explain.layer_rules import _np, act_name
from ember.explain.trace import Step, Trace, fmt, fmt_array, fmtp


def _fresh_optimizer(optimizer, learning_rate):
    if isinstance(optimizer, str):
        opt = optimizers.get(optimizer)
        if learning_rate is not None:
            opt.learning_rate = learning_rate
        return opt
    return type(optimizer).from_config(optimizer.get_config())


def _dense_chain(layer, x, out, grads, opts) -> list[str]:
    """dL/dz = dL/da ⊙ a'(z) and dL/dW = xᵀ·dL/dz for a Dense layer, with the numbers of sample 0."""
    s, n = opts["sample"], opts["max_neurons"]
    xs = x.data.reshape(-1, x.shape[-1])
    z = Tensor(xs @ layer.kernel.data + (layer.bias.data if layer.bias is not None else 0), requires_grad=True)
    da = grads.get(id(out))
    if da is None:
        return ["(no gradient reaches this layer's output)"]
    dz = autograd_grad(layer.activation(z), z, grad_outputs=da.reshape(z.shape))[0].data
    a = _np(out).reshape(z.shape)
    deriv = np.divide(dz, da.reshape(z.shape), out=np.zeros(z.shape), where=da.reshape(z.shape) != 0)
    name = act_name(layer.activation)
    lines = [f"dL/da = {fmt_array(da.reshape(z.shape)[s], opts['max_values'])}   (from the layer above)"]
    for j in range(min(n, z.shape[1])):
        lines.append(f"dL/dz_{j} = dL/da_{j} · {name}'(z_{j}) = {fmt(da.reshape(z.shape)[s, j])} · "
                     f"{fmtp(deriv[s, j])} = {fmt(dz[s, j])}   (a_{j} = {fmt(a[s, j])})")  # fmt: skip
    dw = grads.get(id(layer.kernel))
    if dw is not None:
        terms = " + ".join(f"{fmtp(xs[m, 0])}·{fmtp(dz[m, 0])}" for m in range(min(len(xs), 4)))
        more = f" + … ({len(xs) - 4} more samples)" if len(xs) > 4 else ""
        lines.append(f"dL/dW_00 = Σ_samples x_0·dL/dz_0 = {terms}{more} = {fmt(dw[0, 0])}")
        lines.append(f"dL/dW = xᵀ·dL/dz, shape {dw.shape}: {fmt_array(dw, opts['max_values'])}")
    if layer.bias is not None and id(layer.bias) in grads:
        lines.append(f"dL/db = Σ_samples dL/dz = {fmt_array(grads[id(layer.bias)], opts['max_values'])}")
    return lines


def _layer_step(layer, x, out, grads, opts) -> Step:
    if type(layer).__name__ == "Dense" and isinstance(x, Tensor):
        lines = _dense_chain(layer, x, out, grads, opts)
    else:
        da = grads.get(id(out if not isinstance(out, (list, tuple)) else out[0]))
        lines = [f"dL/d(output) = {fmt_array(da[opts['sample']], opts['max_values'])}" if da is not None
                 else "(no gradient reaches this layer's output)"]  # fmt: skip
        for w in layer.trainable_weights:
            if id(w) in grads:
                lines.append(f"dL/d{w.name} {tuple(w.shape)} = {fmt_array(grads[id(w)], opts['max_values'])}")
    values = {f"dL/d{w.name}": grads[id(w)] for w in layer.trainable_weights if id(w) in grads}
    return Step(f"{layer.name} ({type(layer).__name__})", lines, values)


def backward(model, x, y, loss=None, optimizer="sgd", learning_rate: float | None = 0.01, max_neurons: int = 4,
             max_values: int = 8, sample: int = 0) -> Trace:  # fmt: skip
    """Explain one training step: the loss, then per layer (output to input) dL/da, dL/dz, dL/dW with the
    chain-rule factors, then the update ``W ← W − η·dL/dW`` (or the chosen optimizer's first step).

    The gradients are those of ``model.fit``: the same forward (``training=True``), the same loss (the compiled
    one when ``loss`` is ``None``) and the same backward functions in the same order, so a fresh model trained
    one step with ``train_on_batch`` holds exactly ``trace.values["new_weights"]``.

    Args:
        model: a built model.
        x: input batch. y: targets.
        loss: a loss name/object; ``None`` uses the model's compiled loss. Defaults to ``None``.
        optimizer: name or instance; a fresh copy of its configuration takes one step on copies of the
            weights (the model is not changed). Defaults to ``'sgd'``.
        learning_rate: for an optimizer given by name. Defaults to ``0.01``.
        max_neurons, max_values, sample: as :func:`ember.explain.forward`.

    Returns:
        A :class:`~ember.explain.trace.Trace`; ``trace.values`` holds ``"loss"``, ``"grads"`` and ``"new_weights"``
        (lists in ``model.trainable_weights`` order).

    Raises:
        ValueError: if the model is not built, or ``loss`` is ``None`` and the model is not compiled.

    Source: Rumelhart, Hinton & Williams (1986); the course's backpropagation notes.
    """
    check_built(model, "backward")
    if loss is None and not getattr(model, "compiled", False):
        raise ValueError(f"ember.explain.backward: model '{model.name}' is not compiled; pass loss= (e.g. 'mse').")
    opts = {"max_neurons": max_neurons, "max_values": max_values, "sample": sample}
    model._clear_losses()
    with capture_calls(model) as calls:
        y_pred = model(x, training=True)
    if loss is None:
        total = model.compute_loss(x, y, y_pred)
    else:
        from ember import losses

        total = losses.get(loss)(y, y_pred)
    grads = node_gradients(total)
    variables = model.trainable_weights
    weight_grads = [grads.get(id(v)) for v in variables]
    steps = [Step(f"loss: L = {fmt(total.item())}", [f"L = {loss or 'compiled loss'}(y, ŷ) = {fmt(total.item())}"])]
    steps += [_layer_step(layer, inp, out, grads, opts) for layer, inp, out in reversed(calls)]
    steps.append(_update_step(variables, weight_grads, _fresh_optimizer(optimizer, learning_rate), opts))
    trace = Trace(f"Backward pass of '{model.name}'", steps)
    trace.values = {"loss": total.item(), "grads": weight_grads, "new_weights": steps[-1].values["new_weights"]}
    return trace


def _update_step(variables, grads, opt, opts) -> Step:
    copies = [Variable(v.data.copy(), name=v.name) for v in variables]
    for c, v in zip(copies, variables, strict=True):
        c.path = v.path
    opt.apply(grads, copies)
    lr = float(opt.learning_rate) if not callable(opt.learning_rate) else None
    sgd = type(opt).__name__ == "SGD" and not getattr(opt, "momentum", 0)
    rule = f"W ← W − η·dL/dW, η = {fmt(lr)}" if sgd else f"one {type(opt).__name__} step (its update rule)"
    lines = [rule]
    for v, g, c in zip(variables, grads, copies, strict=True):
        if g is None:
            continue
        w0, g0, new = float(v.data.flat[0]), float(np.asarray(g).flat[0]), float(c.data.flat[0])
        detail = f"{fmt(w0)} − {fmt(lr)}·{fmtp(g0)} = {fmt(new)}" if sgd else f"{fmt(w0)} → {fmt(new)}"
        lines.append(f"{v.path}[0]: {detail}")
    return Step(f"update ({type(opt).__name__})", lines, {"new_weights": [c.data.copy() for c in copies]})
