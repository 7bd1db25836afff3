"""In-place optimizer kernels: each updates a parameter and its slots with preallocated buffers.

They live in ``ops`` because they are array code (STYLE.md rule 3); the
optimizer classes in :mod:`ember.optimizers` hold the state and call them.
No temporaries beyond the ``scratch`` buffers each optimizer allocates once
per parameter. ``t`` is the 1-based step number; scalars are Python floats,
so float32 parameters stay float32.
"""

from __future__ import annotations

from ember import backend


def sgd_update(param, grad, lr: float, momentum_buf=None, momentum: float = 0.0, nesterov: bool = False, scratch=None):
    """Keras 3 SGD: ``m = momentum*m - lr*g``; ``p += m`` (Nesterov: ``p += momentum*m - lr*g``); else ``p -= lr*g``."""
    xp = backend.namespace(param)
    xp.multiply(grad, lr, out=scratch)
    if momentum_buf is None or momentum == 0:
        param -= scratch
        return
    momentum_buf *= momentum
    momentum_buf -= scratch
    if nesterov:
        param -= scratch
        xp.multiply(momentum_buf, momentum, out=scratch)
    else:
        xp.copyto(scratch, momentum_buf)
    param += scratch


def adam_update(param, grad, m, v, alpha: float, beta_1: float, beta_2: float, epsilon: float, scratch, v_hat=None):
    """Keras 3 Adam (``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``).

    ``m += (g - m)(1 - beta_1)``; ``v += (g² - v)(1 - beta_2)``; ``p -= alpha m / (sqrt(v) + eps)``;
    with ``v_hat`` (AMSGrad) the running maximum of ``v`` replaces ``v`` in the denominator.
    """
    xp = backend.namespace(param)
    _moments(xp, grad, m, v, beta_1, beta_2, scratch)
    if v_hat is not None:
        xp.maximum(v_hat, v, out=v_hat)
        xp.sqrt(v_hat, out=scratch)
    else:
        xp.sqrt(v, out=scratch)
    scratch += epsilon
    xp.divide(m, scratch, out=scratch)
    scratch *= alpha
    param -= scratch


def _moments(xp, grad, m, v, beta_1, beta_2, scratch):
    """``m += (g - m)(1 - beta_1)``; ``v += (g² - v)(1 - beta_2)``."""
    xp.subtract(grad, m, out=scratch)
    scratch *= 1 - beta_1
    m += scratch
    xp.multiply(grad, grad, out=scratch)
    scratch -= v
    scratch *= 1 - beta_2
    v += scratch


def rmsprop_update(param, grad, lr, velocity, rho, epsilon, scratch, momentum_buf=None, momentum=0.0, avg_grad=None):
    """Keras 3 RMSprop.

    ``v = rho v + (1 - rho) g²``; centered: ``a = rho a + (1 - rho) g``, ``d = v - a² + eps``, else ``d = v + eps``;
    ``inc = lr g / sqrt(d)``; with momentum ``mom = momentum mom + inc; p -= mom``, else ``p -= inc``.
    """
    xp = backend.namespace(param)
    velocity *= rho
    xp.multiply(grad, grad, out=scratch)
    scratch *= 1 - rho
    velocity += scratch
    if avg_grad is not None:
        avg_grad *= rho
        xp.multiply(grad, 1 - rho, out=scratch)
        avg_grad += scratch
        xp.multiply(avg_grad, avg_grad, out=scratch)
        xp.subtract(velocity, scratch, out=scratch)
    else:
        xp.copyto(scratch, velocity)
    scratch += epsilon
    xp.sqrt(scratch, out=scratch)
    xp.divide(grad, scratch, out=scratch)
    scratch *= lr
    if momentum_buf is not None:
        momentum_buf *= momentum
        momentum_buf += scratch
        param -= momentum_buf
    else:
        param -= scratch


def adagrad_update(param, grad, lr, accumulator, epsilon, scratch):
    """Keras 3 Adagrad: ``acc += g²``; ``p -= lr g / sqrt(acc + eps)``."""
    xp = backend.namespace(param)
    xp.multiply(grad, grad, out=scratch)
    accumulator += scratch
    xp.add(accumulator, epsilon, out=scratch)
    xp.sqrt(scratch, out=scratch)
    xp.divide(grad, scratch, out=scratch)
    scratch *= lr
    param -= scratch


def adadelta_update(param, grad, lr, acc_grad, acc_delta, rho, epsilon, scratch, scratch2):
    """Keras 3 Adadelta.

    ``Eg = rho Eg + (1 - rho) g²``; ``d = -sqrt(Ed + eps) g / sqrt(Eg + eps)``;
    ``Ed = rho Ed + (1 - rho) d²``; ``p += lr d``.
    """
    xp = backend.namespace(param)
    acc_grad *= rho
    xp.multiply(grad, grad, out=scratch)
    scratch *= 1 - rho
    acc_grad += scratch
    xp.add(acc_delta, epsilon, out=scratch)
    xp.sqrt(scratch, out=scratch)
    scratch *= grad
    xp.add(acc_grad, epsilon, out=scratch2)
    xp.sqrt(scratch2, out=scratch2)
    scratch /= scratch2  # scratch = -d
    acc_delta *= rho
    xp.multiply(scratch, scratch, out=scratch2)
    scratch2 *= 1 - rho
    acc_delta += scratch2
    scratch *= lr
    param -= scratch


def adamax_update(param, grad, lr, m, u, beta_1, beta_2, epsilon, t, scratch):
    """Keras 3 Adamax.

    ``m += (g - m)(1 - beta_1)``; ``u = max(beta_2 u, |g|)``; ``p -= lr m / ((1 - beta_1**t)(u + eps))``.
    """
    xp = backend.namespace(param)
    xp.subtract(grad, m, out=scratch)
    scratch *= 1 - beta_1
    m += scratch
    u *= beta_2
    xp.abs(grad, out=scratch)
    xp.maximum(u, scratch, out=u)
    xp.add(u, epsilon, out=scratch)
    scratch *= 1 - beta_1**t
    xp.divide(m, scratch, out=scratch)
    scratch *= lr
    param -= scratch


def nadam_update(param, grad, lr, m, v, coefs, beta_1, beta_2, epsilon, scratch, scratch2):
    """Keras 3 Nadam; ``coefs = (c_m, c_g, 1 - beta_2**t)`` from the momentum schedule.

    ``m += (g - m)(1 - beta_1)``; ``v += (g² - v)(1 - beta_2)``;
    ``p -= lr (c_m m + c_g g) / (sqrt(v / (1 - beta_2**t)) + eps)``.
    """
    xp = backend.namespace(param)
    c_m, c_g, bias_2 = coefs
    _moments(xp, grad, m, v, beta_1, beta_2, scratch)
    xp.multiply(grad, c_g, out=scratch)
    xp.multiply(m, c_m, out=scratch2)
    scratch += scratch2
    xp.divide(v, bias_2, out=scratch2)
    xp.sqrt(scratch2, out=scratch2)
    scratch2 += epsilon
    scratch /= scratch2
    scratch *= lr
    param -= scratch


def lion_update(param, grad, lr, m, beta_1, beta_2, scratch, scratch2):
    """Lion: ``p -= lr sign(beta_1 m + (1 - beta_1) g)``; ``m = beta_2 m + (1 - beta_2) g``."""
    xp = backend.namespace(param)
    xp.multiply(m, beta_1, out=scratch)
    xp.multiply(grad, 1 - beta_1, out=scratch2)
    scratch += scratch2
    xp.sign(scratch, out=scratch)
    scratch *= lr
    param -= scratch
    m *= beta_2
    xp.multiply(grad, 1 - beta_2, out=scratch2)
    m += scratch2


def global_norm(arrays) -> float:
    """``sqrt(sum of squares)`` over all arrays, as a Python float."""
    total = 0.0
    for a in arrays:
        flat = a.reshape(-1)
        total += float(flat @ flat)
    return total**0.5


def clip_by_value(array, limit: float):
    """``clip(array, -limit, limit)`` as a new array."""
    return backend.namespace(array).clip(array, -limit, limit)


def scale(array, factor: float):
    """``array * factor`` as a new array."""
    return array * array.dtype.type(factor)


def decay(param, factor: float, scratch) -> None:
    """Decoupled weight decay in place: ``param -= param * factor`` (Keras's ``w - w * wd * lr``)."""
    backend.namespace(param).multiply(param, factor, out=scratch)
    param -= scratch


def moving_average(average, value, momentum: float, scratch) -> None:
    """``average = momentum * average + (1 - momentum) * value`` in place (an optimizer's EMA of a variable)."""
    xp = backend.namespace(average)
    average *= momentum
    xp.multiply(value, 1 - momentum, out=scratch)
    average += scratch


def zeros_like(array):
    """A zero buffer like ``array`` (for optimizer slots)."""
    return backend.namespace(array).zeros_like(array)


def full_like(array, value: float):
    """A buffer like ``array`` filled with ``value`` (e.g. Adagrad's initial accumulator)."""
    return backend.namespace(array).full_like(array, value)


def empty_like(array):
    """An uninitialised buffer like ``array`` (scratch space)."""
    return backend.namespace(array).empty_like(array)


def copy(array):
    """A copy of ``array`` (checkpoint state)."""
    return backend.namespace(array).array(array, copy=True)


def copy_into(dst, src) -> None:
    """``dst[...] = src`` in place (restoring checkpoint state)."""
    dst[...] = backend.asarray(src)


def scalar(value, dtype: str):
    """A 0-d backend array (checkpoint state such as the step counter)."""
    return backend.xp().asarray(value, dtype=dtype)


def all_finite(arrays) -> bool:
    """Whether every element of every array is finite (no inf, no NaN): the loss-scale overflow check."""
    return all(bool(backend.namespace(a).isfinite(a).all()) for a in arrays)
