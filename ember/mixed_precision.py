"""``keras.mixed_precision`` policy names: float32 and float64 are run; float16/bfloat16 policies raise.

Keras's ``mixed_float16`` computes in float16 with float32 variables and loss scaling, which pays
on GPUs with float16 units. ember's kernels run in NumPy (or CuPy) in float32/float64; NumPy has
no fast float16 arithmetic, so a float16 policy would only make training slower and less exact.
ember therefore refuses those policies with a clear error instead of silently computing in float32.
Source: keras/src/dtype_policies/dtype_policy.py.
"""

from __future__ import annotations

from ember.backend import config

_SUPPORTED = ("float32", "float64")
_REFUSED = ("mixed_float16", "mixed_bfloat16", "float16", "bfloat16")


class DTypePolicy:
    """A dtype policy: ``compute_dtype`` (the math) and ``variable_dtype`` (the weights), as in Keras 3.

    Args:
        name: ``'float32'`` or ``'float64'``. Defaults to ``floatx()``.

    Raises:
        NotImplementedError: for ``'mixed_float16'``, ``'mixed_bfloat16'``, ``'float16'``, ``'bfloat16'``.
        ValueError: for an unknown policy name.
    """

    def __init__(self, name=None):
        name = name or config.floatx()
        if name in _REFUSED:
            raise NotImplementedError(
                f"Mixed precision policy {name!r} is not supported by ember: its NumPy/CuPy kernels compute in "
                f"float32 or float64 only (float16 compute with float32 variables and loss scaling is not "
                f"implemented). Use 'float32' (the default) or 'float64'."
            )
        if name not in _SUPPORTED:
            raise ValueError(f"Unknown dtype policy {name!r}. Expected one of {list(_SUPPORTED + _REFUSED)}")
        self.name = name

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer computations."""
        return self.name

    @property
    def variable_dtype(self) -> str:
        """The dtype of the weights."""
        return self.name

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self.name}">'


Policy = DTypePolicy  # Keras 2's name, still exported by keras.mixed_precision


def set_global_policy(policy) -> None:
    """Set the global policy (``'float32'``/``'float64'``, or a :class:`DTypePolicy`): sets ``floatx``.

    Raises:
        NotImplementedError: for float16/bfloat16 policies (see the module docstring).
    """
    policy = policy if isinstance(policy, DTypePolicy) else DTypePolicy(policy)
    config.set_floatx(policy.name)


def global_policy() -> DTypePolicy:
    """The current global policy (from ``floatx()``)."""
    return DTypePolicy(config.floatx())


set_dtype_policy, dtype_policy = set_global_policy, global_policy

__all__ = ["DTypePolicy", "Policy", "set_global_policy", "global_policy", "set_dtype_policy", "dtype_policy"]
