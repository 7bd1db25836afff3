"""``keras.mixed_precision``: dtype policies and loss scaling.

``set_global_policy("mixed_float16")`` makes layers created afterwards keep float32 weights and
compute in float16 (inputs and weights cast at call, outputs float16); BatchNormalization,
LayerNormalization and softmax compute in float32; losses are computed in float32; and
``Model.compile`` wraps the optimizer in a :class:`LossScaleOptimizer` (dynamic loss scaling).
``'mixed_bfloat16'`` raises NotImplementedError: NumPy has no bfloat16 dtype. NumPy's float16
arithmetic is not faster than float32 on a CPU (it is emulated); the policy is there for Keras
fidelity, memory of activations, and for CuPy on GPUs with float16 units. See docs/mixed_precision.md.
Source: keras/src/dtype_policies/dtype_policy.py, keras/src/optimizers/loss_scale_optimizer.py.
"""

from __future__ import annotations

from ember.backend.dtype_policy import DTypePolicy, global_policy, set_global_policy
from ember.optimizers.loss_scale_optimizer import LossScaleOptimizer

Policy = DTypePolicy  # Keras 2's name, still exported by keras.mixed_precision
set_dtype_policy, dtype_policy = set_global_policy, global_policy

__all__ = ["DTypePolicy", "Policy", "LossScaleOptimizer", "set_global_policy", "global_policy", "set_dtype_policy",
           "dtype_policy"]  # fmt: skip
