"""Differentiable functions on tensors, under ``keras.ops`` names.

``ember.ops.sigmoid(x)``, ``ember.ops.matmul(a, b)``, ... Each primitive lives
in one module with its forward and backward; this file re-exports them by hand
and attaches the PyTorch-style Tensor methods and operators (``x @ w``,
``x.relu()``, ``x.sum(axis=0)``).
"""

from ember.ops import _methods
from ember.ops.activations import leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from ember.ops.linalg import matmul
from ember.ops.math import (
    abs,
    absolute,
    add,
    divide,
    exp,
    log,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    sqrt,
    square,
    subtract,
    true_divide,
    where,
)
from ember.ops.nn import dropout, sigmoid_cross_entropy, softmax_cross_entropy, sparse_softmax_cross_entropy
from ember.ops.reduction import argmax, argmin, max, mean, min, sum
from ember.ops.shape import getitem, reshape, transpose

_methods.install()

__all__ = [
    "abs",
    "absolute",
    "add",
    "argmax",
    "argmin",
    "divide",
    "dropout",
    "exp",
    "getitem",
    "leaky_relu",
    "log",
    "log_softmax",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "negative",
    "power",
    "relu",
    "reshape",
    "sigmoid",
    "sigmoid_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
    "sqrt",
    "square",
    "subtract",
    "sum",
    "tanh",
    "transpose",
    "true_divide",
    "where",
]
