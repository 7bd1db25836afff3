"""Object configs in Keras 3's serialized form and back: ``{"module", "class_name", "config", "registered_name"}``.

ember's own configs are ``{"class_name", "config"}`` (see :mod:`ember.utils.serialization`). Keras 3 adds
the Python module and a registered name (``keras/src/saving/serialization_lib.py``), and wraps dtypes in
``DTypePolicy`` objects. :func:`to_keras` adds what Keras needs to rebuild an ember object;
:func:`from_keras` turns a Keras config back into ember's form.

Safety: nothing is ever imported by name. A class resolves only against ember's own modules
(layers, models, initializers, regularizers, constraints, optimizers, losses, metrics, schedules),
objects registered with :func:`ember.saving.register_keras_serializable` and the caller's
``custom_objects``. A ``module`` outside ``keras``/``ember`` that names no such object is refused with
:class:`ember.interop.UnsafeFileError`; a Keras class ember lacks gives a ``ValueError`` naming it.
Keras-only options are dropped when they are off (``None``/``False``) and refused otherwise.
"""

from __future__ import annotations

import inspect

from ember import constraints, initializers, layers, losses, metrics, models, optimizers, regularizers
from ember.optimizers import schedules
from ember.utils.serialization import get_registered_object

# ember module -> the Keras module written for its classes (and accepted on reading).
_KINDS = {
    "layers": ("ember.layers", "keras.layers"),
    "models": ("ember.models", "keras.models"),
    "initializers": ("ember.initializers", "keras.initializers"),
    "regularizers": ("ember.regularizers", "keras.regularizers"),
    "constraints": ("ember.constraints", "keras.constraints"),
    "optimizers": ("ember.optimizers", "keras.optimizers"),
    "schedules": ("ember.optimizers.schedules", "keras.optimizers.schedules"),
    "losses": ("ember.losses", "keras.losses"),
    "metrics": ("ember.metrics", "keras.metrics"),
}
# Config keys whose object value is of a known kind (the rest are looked up in every kind, layers first).
_KEY_KINDS = (("_initializer", "initializers"), ("_regularizer", "regularizers"), ("_constraint", "constraints"),
              ("learning_rate", "schedules"), ("optimizer", "optimizers"), ("loss", "losses"),
              ("metrics", "metrics"))  # fmt: skip
_LOOKUP_ORDER = ("layers", "models", "initializers", "regularizers", "constraints", "schedules", "optimizers",
                 "losses", "metrics")  # fmt: skip
# Keras-only config keys ember ignores whatever their value (they change no computation ember does).
_IGNORED = {"shared_object_id", "seed", "renorm_momentum", "zero_output_for_mask", "input_axes", "output_axes",
            "autocast", "optional", "sparse", "ragged", "build_input_shape", "implementation", "is_legacy_optimizer",
            "jit_compile"}  # fmt: skip
_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_NO_TRAINABLE = ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")


def _unsafe(message: str) -> Exception:
    from ember.interop import UnsafeFileError

    return UnsafeFileError(message)


_MODULES = {"layers": layers, "models": models, "initializers": initializers, "regularizers": regularizers,
            "constraints": constraints, "optimizers": optimizers, "schedules": schedules, "losses": losses,
            "metrics": metrics}  # fmt: skip


def _public_class(kind: str, name: str):
    """The class ``name`` of an ember module's public API (its ``__all__``), or ``None``."""
    module = _MODULES[kind]
    cls = getattr(module, name, None) if name in getattr(module, "__all__", ()) else None
    return cls if isinstance(cls, type) else None


def keras_module(class_name: str, hint: str | None = None) -> str | None:
    """The Keras module that holds ember's class ``class_name`` (``'keras.layers'``), or ``None`` if ember lacks it."""
    if class_name in _MODEL_CLASSES:
        return "keras"
    for kind in ((hint,) if hint else ()) + _LOOKUP_ORDER:
        if _public_class(kind, class_name) is not None:
            return _KINDS[kind][1]
    return None


def _hint(key) -> str | None:
    if isinstance(key, str):
        for suffix, kind in _KEY_KINDS:
            if key.endswith(suffix):
                return kind
    return None


def to_keras(value, key=None):
    """ember's config value ``value`` (found under ``key``) in Keras 3's serialized form, recursively."""
    if isinstance(value, list):
        return [to_keras(v, key) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" in value and "config" in value and "module" not in value:
        name = value["class_name"]
        registered = get_registered_object(name)
        module = keras_module(name, _hint(key)) if registered is None else registered.__module__
        config = to_keras(value["config"])
        if name in _NO_TRAINABLE and config.get("trainable") is True:
            config = {k: v for k, v in config.items() if k != "trainable"}  # Keras's constructor has no such argument
        out = {"module": module, "class_name": name.split(">")[-1], "config": config,
               "registered_name": name if registered is not None else None}  # fmt: skip
        return {**out, **{k: to_keras(v, k) for k, v in value.items() if k not in out}}
    return {k: to_keras(v, k) for k, v in value.items()}


def _check_module(module, class_name: str) -> None:
    if module is None or not isinstance(module, str):
        return
    root = module.split(".")[0]
    if root not in ("keras", "ember", "tf_keras"):
        raise _unsafe(
            f"Refusing class {class_name!r} from module {module!r}: ember only builds its own classes, "
            "registered custom objects and custom_objects; nothing is imported from a file"
        )


def resolve_class(entry: dict, custom_objects=None, kind: str | None = None):
    """The ember class named by a Keras (or ember) object config ``entry``.

    Raises:
        UnsafeFileError: for a module outside keras/ember naming no registered or custom object.
        ValueError: for a Keras class ember does not implement, naming it.
    """
    class_name, module = entry.get("class_name"), entry.get("module")
    registered = entry.get("registered_name") or class_name
    if not isinstance(class_name, str) or not isinstance(registered, str):
        raise ValueError(f"Malformed object config: 'class_name' must be a string. Received: {entry!r}")
    for name in (registered, class_name):
        found = (custom_objects or {}).get(name) or get_registered_object(name)
        if found is not None:
            return found
    _check_module(module, class_name)
    if class_name == "Functional":
        from ember.models.functional import Functional

        return Functional
    for k in ((kind,) if kind else ()) + _LOOKUP_ORDER:
        cls = _public_class(k, class_name)
        if cls is not None:
            return cls
    where = f" (Keras module {module!r})" if module else ""
    raise ValueError(
        f"Unsupported class {class_name!r}{where}: ember has no such layer or object. Register an implementation "
        "with @ember.saving.register_keras_serializable() or pass custom_objects={name: class}"
    )


def _accepted(cls) -> tuple[set, bool]:
    """Constructor keywords of ``cls`` and whether it forwards ``**kwargs`` to ``Layer``'s base keywords."""
    from ember.layers.layer import _BASE_KWARGS

    names, forwards = set(), True
    for klass in cls.__mro__:  # **kwargs travel up the constructors until one stops taking them
        if not forwards or klass is object or "__init__" not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters
        names |= {n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n != "self"}
        forwards = any(p.kind is p.VAR_KEYWORD for p in params.values())
    if _is_layer(cls):
        names |= _BASE_KWARGS
        if isinstance(getattr(cls, "cell_class", None), type):  # SimpleRNN/LSTM/GRU pass the rest to their cell
            names |= _accepted(cls.cell_class)[0]
        return names, False
    return names, forwards


def _is_layer(cls) -> bool:
    from ember.layers.layer import Layer

    return isinstance(cls, type) and issubclass(cls, Layer)


def _dtype(value, where: str):
    """A Keras ``DTypePolicy`` config as ember's dtype name."""
    if isinstance(value, dict):
        name = (value.get("config") or {}).get("name")
        if not isinstance(name, str) or name.startswith("mixed_"):
            raise ValueError(f"{where}: dtype policy {name!r} is not supported by ember (float32/float64 only)")
        return name
    return value


def filter_config(cls, config: dict, where: str) -> dict:
    """``config`` without the Keras-only keys ``cls``'s constructor does not take.

    Raises:
        ValueError: for a Keras-only option that is switched on, naming ``where`` and the option.
    """
    names, anything = _accepted(cls)
    out = {}
    for key, value in config.items():
        if key == "dtype":
            value = _dtype(value, where)
        if anything or key in names:
            out[key] = value
        elif key in _IGNORED or value is None or value is False or value == 0 or value == {} or value == []:
            continue
        else:
            raise ValueError(f"{where}: the Keras option {key}={value!r} is not supported by ember's {cls.__name__}")
    return out


def from_keras(value, custom_objects=None, key=None, where: str = "config"):
    """A Keras 3 config value in ember's ``{"class_name", "config"}`` form, every class checked, recursively.

    Raises:
        UnsafeFileError, ValueError: see :func:`resolve_class` and :func:`filter_config`.
    """
    if isinstance(value, list):
        return [from_keras(v, custom_objects, key, where) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value or not isinstance(value.get("config", {}), dict):
        return {k: from_keras(v, custom_objects, k, where) for k, v in value.items()}
    if key == "dtype" or value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy"):
        return _dtype(value, where)
    cls = resolve_class(value, custom_objects, _hint(key))
    name = value.get("registered_name") or value["class_name"]
    if get_registered_object(name, custom_objects) is None:
        name = value["class_name"]
    inner = value.get("config") or {}
    label = f"{value['class_name']} {inner.get('name')!r}" if inner.get("name") else value["class_name"]
    config = {k: from_keras(v, custom_objects, k, label) for k, v in inner.items()}
    if isinstance(cls, type):
        config = filter_config(cls, config, label)
    return {"class_name": name, "config": config}
