"""Testing tools for ember and for code built on it: gradient checks.

- :func:`gradcheck`: analytical vs central-difference gradients in float64.
- :func:`gradcheck_direction`: the same along random directions (for large inputs, any float dtype).
- :func:`gradgradcheck`: :func:`gradcheck` applied to the gradient itself (double backward).
- :func:`gradient_error`: the worst analytical-vs-numerical difference, for reports.
- :func:`run_layer_test`: the generic checks every layer passes (shapes, weights, config, training, saving).
"""

from ember.testing.gradcheck import GradcheckError, gradcheck, gradcheck_direction, gradgradcheck, gradient_error
from ember.testing.layer_test import LayerTestError, run_layer_test

__all__ = [
    "gradcheck",
    "gradcheck_direction",
    "gradgradcheck",
    "gradient_error",
    "GradcheckError",
    "run_layer_test",
    "LayerTestError",
]
