"""Audit (issue 16): no Keras habit gives a silently wrong model.

For every layer, optimizer, loss, metric and callback class that exists in both ember and Keras 3
(real Keras, torch backend), ``inspect.signature(__init__)`` is compared: every Keras argument must be
accepted by ember with Keras's default, either as an explicit parameter or through ``**kwargs`` into a
base class that handles it (Layer's base arguments, or ``ember.layers.keras_arguments``, which raises
NotImplementedError for a non-default value). Arguments ember accepts but does not implement must raise
a clear error naming the class and the argument when set to another value (``NOT_IMPLEMENTED`` below).
Deliberate differences are listed in ``ALLOWED`` with the reason.
"""

import inspect
import json

import pytest

import ember
from ember.layers.keras_arguments import keras_only_arguments
from ember.layers.layer import _BASE_KWARGS
from tests.keras_ref.keras_runner import run_keras

KINDS = ("layers", "optimizers", "losses", "metrics", "callbacks")

_KERAS_SIGNATURES = """
import inspect
def enc(v):
    if v is inspect.Parameter.empty:
        return "<required>"
    try:
        return json.loads(json.dumps(v))
    except TypeError:
        return "<object>"
result = {}
for kind in KINDS_HERE:
    module = getattr(keras, kind)
    for name in dir(module):
        cls = getattr(module, name)
        if isinstance(cls, type) and not name.startswith("_"):
            params = inspect.signature(cls.__init__).parameters.items()
            result[kind + "." + name] = {p: enc(v.default) for p, v in params
                                         if p != "self" and v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL)}
""".replace("KINDS_HERE", repr(KINDS))

# (class, argument): why ember differs from Keras 3.15 here, on purpose.
ALLOWED = {
    ("callbacks.CallbackList", "add_history"): "ember's fit adds History itself; CallbackList is internal plumbing",
    ("callbacks.CallbackList", "add_progbar"): "ember's fit adds the ProgbarLogger itself (verbose)",
    ("layers.LSTM", "use_cudnn"): "accepted with any value (LSTM pops it): it picks a cuDNN kernel, never the result",
    ("layers.GRU", "use_cudnn"): "accepted with any value (GRU pops it): it picks a cuDNN kernel, never the result",
    ("optimizers.Optimizer", "learning_rate"): "ember's base class has a default (0.001); Keras's base needs one",
    ("layers.InputSpec", "*"): "InputSpec is a checker, not a layer: ember's is a reduced dataclass",
    ("layers.IntegerLookup", "*"): "lookup layers are being completed in the lookup-output-modes work of issue 16",
    ("layers.StringLookup", "*"): "lookup layers are being completed in the lookup-output-modes work of issue 16",
    ("layers.TextVectorization", "*"): "lookup layers are being completed in the lookup-output-modes work of issue 16",
}

# Keras arguments ember accepts at their default only: (class, required args, argument, another value).
NOT_IMPLEMENTED = [
    ("Dense", {"units": 2}, "lora_rank", 4),
    ("Embedding", {"input_dim": 3, "output_dim": 2}, "quantization_config", {"mode": "int8"}),
    ("BatchNormalization", {}, "renorm", True),
    ("BatchNormalization", {}, "synchronized", True),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, "use_gate", True),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, "flash_attention", True),
    ("Resizing", {"height": 4, "width": 4}, "pad_to_aspect_ratio", True),
]
CALLBACKS_NOT_IMPLEMENTED = [("TensorBoard", "profile_batch", 2), ("TensorBoard", "embeddings_freq", 1),
                             ("TensorBoard", "write_steps_per_second", True), ("TensorBoard", "write_images", True)]


@pytest.fixture(scope="module")
def keras_signatures():
    return run_keras(_KERAS_SIGNATURES)


def _encode(value):
    if value is inspect.Parameter.empty:
        return "<required>"
    try:
        return json.loads(json.dumps(list(value) if isinstance(value, tuple) else value))
    except TypeError:
        return "<object>"


def _handled_by_base(cls, arg: str) -> bool:
    """Whether ``**kwargs`` carries ``arg`` to a base class that implements it or refuses other values."""
    if issubclass(cls, ember.layers.Layer) and (arg in _BASE_KWARGS or arg in keras_only_arguments(cls)):
        return True
    cell = getattr(ember.layers, cls.__name__ + "Cell", None)  # LSTM, GRU, SimpleRNN pass **kwargs to their cell
    for base in cls.__mro__[1:] + (cell.__mro__ if cell is not None else ()):
        init = base.__dict__.get("__init__")
        if init is not None and base.__module__.startswith("ember") and arg in inspect.signature(init).parameters:
            return True
    return False


def _same_default(arg, ours, keras) -> bool:
    if arg.endswith("_initializer") and isinstance(ours, str) and isinstance(keras, str):
        return ours.lower() == keras.lower()  # 'zeros' and 'Zeros' name the same initializer
    return ours == keras


def audit(keras_signatures) -> tuple[int, list[str]]:
    """``(classes compared, mismatches)`` between Keras's and ember's constructor signatures."""
    compared, mismatches = 0, []
    for key, keras_params in sorted(keras_signatures.items()):
        kind, name = key.split(".")
        cls = getattr(getattr(ember, kind), name, None)
        if not isinstance(cls, type) or (key, "*") in ALLOWED:
            continue
        compared += 1
        params = inspect.signature(cls.__init__).parameters
        ours = {p: _encode(v.default) for p, v in params.items()
                if p != "self" and v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL)}  # fmt: skip
        has_kwargs = any(v.kind is v.VAR_KEYWORD for v in params.values())
        for arg, default in keras_params.items():
            if (key, arg) in ALLOWED:
                continue
            if arg in ours:
                if default != "<object>" and not _same_default(arg, ours[arg], default):
                    mismatches.append(f"{key}({arg}=...): Keras default {default!r}, ember {ours[arg]!r}")
            elif not (has_kwargs and _handled_by_base(cls, arg)):
                mismatches.append(f"{key}: Keras argument {arg!r} (default {default!r}) is not accepted by ember")
    return compared, mismatches


def test_every_keras_argument_is_accepted_with_keras_default(keras_signatures):
    compared, mismatches = audit(keras_signatures)
    assert compared >= 150, compared  # layers, optimizers, losses, metrics and callbacks in both
    assert not mismatches, "\n".join(mismatches)


def test_allowlist_names_only_real_keras_arguments(keras_signatures):
    for (key, arg), reason in ALLOWED.items():
        assert key in keras_signatures and (arg == "*" or arg in keras_signatures[key]), (key, arg)
        assert reason


@pytest.mark.parametrize("name,required,arg,value", NOT_IMPLEMENTED, ids=[f"{n}.{a}" for n, _, a, _ in NOT_IMPLEMENTED])
def test_unimplemented_keras_arguments_raise_naming_class_and_argument(name, required, arg, value):
    with pytest.raises(NotImplementedError, match=rf"{name}.*{arg}"):
        getattr(ember.layers, name)(**required, **{arg: value})


def test_callback_and_loss_arguments_are_never_swallowed(tmp_path):
    for name, arg, value in CALLBACKS_NOT_IMPLEMENTED:
        with pytest.raises(NotImplementedError, match=rf"{name}.*{arg}"):
            getattr(ember.callbacks, name)(log_dir=str(tmp_path), **{arg: value})
    for make in (lambda: ember.callbacks.TensorBoard(bogus=1), lambda: ember.callbacks.ReduceLROnPlateau(bogus=1),
                 lambda: ember.losses.Loss(bogus=1), lambda: ember.layers.Dense(2, bogus=1),
                 lambda: ember.optimizers.Adam(bogus=1)):  # fmt: skip
        with pytest.raises(TypeError, match="bogus"):
            make()
    assert ember.callbacks.ReduceLROnPlateau(epsilon=0.01).min_delta == 0.01  # Keras 2's name, as Keras 3 accepts


def test_optimizer_loss_scale_factor_as_keras_3():
    import numpy as np

    opt = ember.optimizers.SGD(0.5, loss_scale_factor=4.0)
    w = ember.Variable(np.ones(2, "float32"))
    assert float(opt.scale_loss(ember.tensor(3.0))) == 12.0
    opt.apply([np.array([4.0, 8.0], "float32")], [w])  # gradients of the scaled loss are divided by 4
    np.testing.assert_allclose(w.numpy(), [0.5, 0.0])
    assert ember.optimizers.SGD.from_config(opt.get_config()).loss_scale_factor == 4.0
    with pytest.raises(NotImplementedError, match="SGD.*gradient_accumulation_steps=2"):
        ember.optimizers.SGD(gradient_accumulation_steps=2)
    with pytest.raises(NotImplementedError, match="SparseCategoricalCrossentropy.*axis=1"):
        ember.losses.SparseCategoricalCrossentropy(axis=1)


def test_average_pooling_requires_pool_size_as_keras_3():
    for cls in (ember.layers.AveragePooling1D, ember.layers.AveragePooling2D, ember.layers.AveragePooling3D):
        with pytest.raises(TypeError, match="pool_size"):
            cls()
    assert ember.layers.MaxPooling2D().pool_size == (2, 2)  # Keras 3 keeps MaxPooling's default


_RMS = """
x = np.linspace(-2, 3, 24, dtype="float32").reshape(2, 3, 4)
layer = ns.layers.LayerNormalization(axis=[1, 2], rms_scaling=True, gamma_initializer="ones")
y = layer(x)
result = [np.asarray(ns.ops.convert_to_numpy(y)).tolist(), len(layer.weights)]
"""


def test_layer_normalization_rms_scaling_matches_keras_3_15_and_warns():
    import numpy as np

    expected = run_keras("ns = keras\n" + _RMS)
    namespace = {"ns": ember, "np": np}
    with pytest.warns(UserWarning, match="rms_scaling=True.*deprecated.*variance"):
        exec(_RMS, namespace)
    np.testing.assert_allclose(namespace["result"][0], expected[0], rtol=1e-5, atol=1e-6)
    assert namespace["result"][1] == expected[1] == 1  # gamma only
