"""Float64 NumPy references of Keras 3's optimizer update rules, written from the Keras sources.

Each ``ref_*`` runs the rule over a list of gradients and returns the final weights.
"""

import numpy as np


def ref_sgd(w, grads, learning_rate, momentum=0.0, nesterov=False, **_):
    w, m = w.copy(), np.zeros_like(w)
    for g in grads:
        if momentum == 0:
            w = w - learning_rate * g
            continue
        m = momentum * m - learning_rate * g
        w = w + (momentum * m - learning_rate * g if nesterov else m)
    return w


def ref_adam(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=None, **_):
    w, m, v, vh = w.copy(), np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if weight_decay:
            w = w - w * weight_decay * learning_rate
        alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m = m + (g - m) * (1 - beta_1)
        v = v + (g * g - v) * (1 - beta_2)
        vh = np.maximum(vh, v)
        w = w - alpha * m / (np.sqrt(vh if amsgrad else v) + epsilon)
    return w


def ref_rmsprop(w, grads, learning_rate, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **_):
    w, v, mom, a = w.copy(), np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        v = rho * v + (1 - rho) * g**2
        if centered:
            a = rho * a + (1 - rho) * g
            denominator = v - a**2 + epsilon
        else:
            denominator = v + epsilon
        increment = learning_rate * g / np.sqrt(denominator)
        if momentum > 0:
            mom = momentum * mom + increment
            w = w - mom
        else:
            w = w - increment
    return w


def ref_adagrad(w, grads, learning_rate, initial_accumulator_value=0.1, epsilon=1e-7, **_):
    w, acc = w.copy(), np.full_like(w, initial_accumulator_value)
    for g in grads:
        acc = acc + g**2
        w = w - learning_rate * g / np.sqrt(acc + epsilon)
    return w


def ref_adadelta(w, grads, learning_rate, rho=0.95, epsilon=1e-7, **_):
    w, eg, ed = w.copy(), np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        eg = rho * eg + (1 - rho) * g**2
        delta = -np.sqrt(ed + epsilon) * g / np.sqrt(eg + epsilon)
        ed = rho * ed + (1 - rho) * delta**2
        w = w + learning_rate * delta
    return w


def ref_adamax(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    w, m, u = w.copy(), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = m + (g - m) * (1 - beta_1)
        u = np.maximum(beta_2 * u, np.abs(g))
        w = w - learning_rate * m / ((1 - beta_1**t) * (u + epsilon))
    return w


def ref_nadam(w, grads, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    w, m, v, u_product = w.copy(), np.zeros_like(w), np.zeros_like(w), 1.0
    for t, g in enumerate(grads, start=1):
        u_product = u_product * beta_1 * (1.0 - 0.5 * 0.96**t)
        u_t = beta_1 * (1.0 - 0.5 * 0.96**t)
        u_t_1 = beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        m = m + (g - m) * (1 - beta_1)
        v = v + (g * g - v) * (1 - beta_2)
        m_hat = u_t_1 * m / (1 - u_product * u_t_1) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w = w - m_hat * learning_rate / (np.sqrt(v_hat) + epsilon)
    return w


def ref_lion(w, grads, learning_rate, beta_1=0.9, beta_2=0.99, **_):
    w, m = w.copy(), np.zeros_like(w)
    for g in grads:
        w = w - learning_rate * np.sign(m * beta_1 + g * (1 - beta_1))
        m = m * beta_2 + g * (1 - beta_2)
    return w
