"""The AttributeError for a Keras name ember lacks: "not in ember yet", with the nearest names (difflib)."""

from __future__ import annotations

import difflib


def missing_attribute(module: str, name: str, available) -> AttributeError:
    """An AttributeError for ``module.name`` listing up to five nearest names of ``available``.

    Private and dunder lookups (``__wrapped__``, ``_foo``) get Python's plain message, so
    ``hasattr``/``copy``/``doctest`` probes are not affected.

    Example:
        >>> str(missing_attribute("ember.layers", "Conv3E", ["Conv1D", "Conv2D", "Dense"]))
        "module 'ember.layers' has no attribute 'Conv3E': not in ember yet. Nearest names: Conv2D, Conv1D"
    """
    plain = f"module {module!r} has no attribute {name!r}"
    if name.startswith("_"):
        return AttributeError(plain)
    names = sorted(set(available))
    near = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
    if not near:
        near = [n for n in names if n.lower().startswith(name[:3].lower())][:5]
    hint = f"Nearest names: {', '.join(near)}" if near else f"See dir({module}) for what exists"
    return AttributeError(f"{plain}: not in ember yet. {hint}")


_SUBPACKAGES = ("layers", "models", "ops", "losses", "metrics", "optimizers", "callbacks", "activations",
                "initializers", "regularizers", "constraints", "utils", "random")  # fmt: skip


def missing_top_level(name: str, available) -> AttributeError:
    """The error for ``ember.<name>``: points to ``ember.<package>.<name>`` when a sub-package has it."""
    import importlib

    if not name.startswith("_"):
        for package in _SUBPACKAGES:
            if name in getattr(importlib.import_module(f"ember.{package}"), "__all__", ()):
                return AttributeError(
                    f"module 'ember' has no attribute {name!r}: not at ember's top level (nor at Keras's). "
                    f"Use ember.{package}.{name}"
                )
    return missing_attribute("ember", name, available)
