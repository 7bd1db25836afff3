"""Dtype policies (Keras 3's ``keras.DTypePolicy``): the dtype of a layer's math and of its weights.

``'float32'``/``'float64'``/``'float16'`` compute and store in that dtype. ``'mixed_float16'`` stores
the weights in float32 (``variable_dtype``) and computes in float16 (``compute_dtype``): a layer casts
its floating inputs and, while it runs, its float32 weights to float16 (see
:mod:`ember.autograd.autocast`). ``'mixed_bfloat16'`` is refused: NumPy has no bfloat16 dtype.
The global policy starts as ``floatx()``; a non-mixed global policy *is* ``floatx``.
Source: keras/src/dtype_policies/dtype_policy.py.
"""

from __future__ import annotations

import numpy as np

from ember.backend import config

_FLOATS = ("float16", "float32", "float64")
_GLOBAL: list = [None]  # a mixed global policy; None: the global policy is floatx()


def _is_dtype(name: str) -> bool:
    try:
        np.dtype(name)
    except TypeError:
        return False
    return True


class DTypePolicy:
    """A dtype policy: ``compute_dtype`` (the math) and ``variable_dtype`` (the weights), as in Keras 3.

    Args:
        name: ``'mixed_float16'`` or a dtype name (``'float32'``, ``'float64'``, ``'int32'``, ...).
            Defaults to ``floatx()``.

    Raises:
        NotImplementedError: for ``'bfloat16'``/``'mixed_bfloat16'`` (NumPy cannot represent bfloat16).
        ValueError: for an unknown policy name.

    Example:
        >>> p = DTypePolicy("mixed_float16")
        >>> (p.compute_dtype, p.variable_dtype)
        ('float16', 'float32')
    """

    def __init__(self, name=None):
        name = name or config.floatx()
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: expected a policy name (str). Received: name={name!r}")
        if name in ("bfloat16", "mixed_bfloat16"):
            raise NotImplementedError(
                f"Dtype policy {name!r} is not supported by ember: NumPy (and CuPy) arrays have no bfloat16 dtype, "
                f"so bfloat16 compute cannot be represented. Use 'mixed_float16', 'float32' or 'float64'."
            )
        compute = name[len("mixed_"):] if name.startswith("mixed_") else name
        if name.startswith("mixed_") and compute != "float16" or not _is_dtype(compute):
            raise ValueError(
                f"Unknown dtype policy {name!r}. Expected 'mixed_float16' or a dtype name such as {list(_FLOATS)}. "
                f"Received: name={name!r}"
            )
        self.name = name
        self._compute = compute
        self._variable = "float32" if name.startswith("mixed_") else compute

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer computations (``'float16'`` under ``'mixed_float16'``)."""
        return self._compute

    @property
    def variable_dtype(self) -> str:
        """The dtype of the weights (``'float32'`` under ``'mixed_float16'``)."""
        return self._variable

    @property
    def is_mixed(self) -> bool:
        """Whether compute and variable dtypes differ (ember's helper; Keras compares the two)."""
        return self._compute != self._variable

    def get_config(self) -> dict:
        """``{'name': name}`` (Keras's config)."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self.name}">'


def get(identifier=None) -> DTypePolicy:
    """A policy from ``None`` (the global one), a name, a Keras config dict or a :class:`DTypePolicy`."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):  # Keras 3 serializes {"class_name": "DTypePolicy", "config": {"name": ...}}
        return DTypePolicy(identifier.get("config", identifier).get("name"))
    return DTypePolicy(getattr(identifier, "name", identifier) if not isinstance(identifier, str) else identifier)


def set_global_policy(policy) -> None:
    """Set the policy of layers created afterwards without ``dtype=``.

    A non-mixed policy (``'float32'``, ``'float64'``) sets ``floatx``; ``'mixed_float16'`` keeps
    ``floatx`` (float32, the weights' dtype), as Keras does.
    """
    policy = get(policy)
    if policy.is_mixed:
        _GLOBAL[0] = policy
    else:
        _GLOBAL[0] = None
        config.set_floatx(policy.compute_dtype)


def global_policy() -> DTypePolicy:
    """The current global policy."""
    return _GLOBAL[0] if _GLOBAL[0] is not None else DTypePolicy(config.floatx())
