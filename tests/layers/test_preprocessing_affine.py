"""RandomRotation, RandomZoom, RandomTranslation and ember.ops.image.affine_transform against real Keras 3 (torch
backend): a fixed transform (equal factor bounds) gives the same pixels, for every fill mode and interpolation."""

import numpy as np
import pytest

import ember
from ember import layers as L
from ember.testing import gradcheck, run_layer_test
from tests.keras_ref.keras_runner import run_keras

FILLS = ("reflect", "wrap", "constant", "nearest")
CASES = [  # (class, kwargs, channels_first)
    *[("RandomRotation", {"factor": (0.07, 0.07), "fill_mode": f, "interpolation": i, "fill_value": 0.5}, False)
      for f in FILLS for i in ("bilinear", "nearest")],
    ("RandomRotation", {"factor": (-0.3, -0.3)}, False),
    ("RandomRotation", {"factor": (0.11, 0.11), "data_format": "channels_first"}, True),
    *[("RandomZoom", {"height_factor": (0.3, 0.3), "fill_mode": f, "fill_value": -1.0}, False) for f in FILLS],
    ("RandomZoom", {"height_factor": (-0.4, -0.4), "width_factor": (0.2, 0.2), "interpolation": "nearest"}, False),
    *[("RandomTranslation", {"height_factor": (0.2, 0.2), "width_factor": (-0.3, -0.3), "fill_mode": f}, False)
      for f in FILLS],
    ("RandomTranslation", {"height_factor": (-0.13, -0.13), "width_factor": (0.37, 0.37),
                           "interpolation": "nearest", "fill_mode": "constant", "fill_value": 2.0}, False),
]  # fmt: skip

_SCRIPT = """
def run(ns, cases, images, num):
    out = []
    for cls, kwargs, first in cases:
        x = np.transpose(images, (0, 3, 1, 2)) if first else images
        layer = getattr(ns.layers, cls)(**kwargs)
        out.append([num(layer(x, training=True)), num(layer(x[0], training=True)), num(layer(x, training=False))])
    return out
"""


def _num(v):
    return np.asarray(v.numpy() if hasattr(v, "numpy") else v).tolist()


def test_fixed_transforms_match_keras_3():
    images = np.random.default_rng(0).normal(size=(2, 6, 7, 3)).astype("float32")
    code = _SCRIPT + f"images = np.array({images.tolist()!r}, dtype='float32')\n"
    code += f"result = run(keras, {CASES!r}, images, lambda v: np.asarray(keras.ops.convert_to_numpy(v)).tolist())\n"
    expected = run_keras(code)
    ns = {"np": np}
    exec(_SCRIPT, ns)
    mine = ns["run"](ember, CASES, images, _num)
    for case, got, want in zip(CASES, mine, expected, strict=True):
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=2e-5, err_msg=str(case))


def test_affine_transform_op_matches_keras_for_every_fill_mode():
    rng = np.random.default_rng(1)
    images = rng.normal(size=(2, 5, 7, 3)).astype("float32")
    t = np.array([[0.9, -0.3, 1.3, 0.25, 1.1, -0.7, 0, 0], [1.2, 0.1, -2.2, -0.15, 0.8, 1.9, 0, 0]], "float32")
    modes = [(f, i) for f in FILLS + ("mirror",) for i in ("bilinear", "nearest")]
    code = f"images = np.array({images.tolist()!r}, dtype='float32'); t = np.array({t.tolist()!r}, dtype='float32')\n"
    code += (f"result = [keras.ops.convert_to_numpy(keras.ops.image.affine_transform(images, t, interpolation=i, "
             f"fill_mode=f, fill_value=0.5)).tolist() for f, i in {modes!r}]\n")  # fmt: skip
    expected = run_keras(code)
    for (f, i), want in zip(modes, expected, strict=True):
        got = ember.ops.image.affine_transform(images, t, interpolation=i, fill_mode=f, fill_value=0.5).numpy()
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-6, atol=1e-6, err_msg=f"{f} {i}")


def test_fill_modes_on_a_known_row():
    # a shift by 2 columns to the right of [0 1 2 3]: scipy.ndimage / Keras fill-mode definitions
    row = ember.ops.reshape(ember.ops.arange(4.0), (1, 4, 1))
    shift = [1, 0, -2, 0, 1, 0, 0, 0]
    want = {"constant": [9, 9, 0, 1], "nearest": [0, 0, 0, 1], "wrap": [2, 3, 0, 1], "reflect": [1, 0, 0, 1],
            "mirror": [2, 1, 0, 1]}  # fmt: skip
    for mode, values in want.items():
        out = ember.ops.image.affine_transform(row, shift, fill_mode=mode, fill_value=9.0)
        assert out[0, :, 0].tolist() == values, mode


def test_affine_transform_gradient_float64():
    x = np.random.default_rng(2).normal(size=(1, 3, 4, 2))
    t = np.array([0.8, 0.3, 0.4, -0.2, 0.9, 0.7, 0, 0])
    assert gradcheck(lambda v: ember.ops.image.affine_transform(v, t, fill_mode="reflect"), [x])


def test_seeded_reproducible_random_per_image_and_identity_at_inference():
    x = np.random.default_rng(3).normal(size=(4, 8, 8, 1)).astype("float32")
    for cls, kwargs in [(L.RandomRotation, {"factor": 0.2}), (L.RandomZoom, {"height_factor": 0.3}),
                        (L.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.2})]:  # fmt: skip
        a, b = cls(seed=7, **kwargs), cls(seed=7, **kwargs)
        first = a(x).numpy()
        np.testing.assert_array_equal(first, b(x).numpy())
        assert not np.allclose(first, a(x).numpy())  # the stream moves on
        assert not np.allclose(first[0], first[1])  # one transform per image
        np.testing.assert_array_equal(a(x, training=False).numpy(), x)
        model = ember.models.Sequential([ember.layers.Input((8, 8, 1)), cls(seed=1, **kwargs)])
        np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("cls,kwargs", [(L.RandomRotation, {"factor": 0.1, "seed": 1}),
                                        (L.RandomZoom, {"height_factor": 0.2, "seed": 1}),
                                        (L.RandomTranslation, {"height_factor": 0.1, "width_factor": 0.1,
                                                               "seed": 1})])  # fmt: skip
def test_generic_layer_test(cls, kwargs):
    run_layer_test(cls, kwargs, input_shape=(2, 6, 6, 3), expected_output_shape=(2, 6, 6, 3),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   run_training_check=False)  # fmt: skip


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="RandomRotation.*factor"):
        L.RandomRotation(1.5)
    with pytest.raises(ValueError, match="RandomZoom.*height_factor"):
        L.RandomZoom(-1.0)
    with pytest.raises(ValueError, match="RandomTranslation.*width_factor"):
        L.RandomTranslation(0.1, "a")
    with pytest.raises(NotImplementedError, match="RandomRotation.*fill_mode"):
        L.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="RandomZoom.*interpolation"):
        L.RandomZoom(0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="RandomRotation.*rank"):
        L.RandomRotation(0.1)(np.ones((4, 4), dtype="float32"))
    with pytest.raises(ValueError, match="affine_transform.*transform"):
        ember.ops.image.affine_transform(np.ones((2, 2, 1)), [1, 0, 0])
