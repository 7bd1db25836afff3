"""Keras 3 ops added for issue 16, compared with real Keras 3 (torch backend) and gradient-checked."""

import numpy as np
import pytest

import ember
from ember import ops
from ember.testing import gradcheck
from tests.keras_ref.keras_runner import run_keras

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 5)).astype("float32")
P = np.abs(RNG.normal(size=(3, 5))).astype("float32") + 0.1
T = np.eye(5, dtype="float32")[[1, 4, 0]]
B = RNG.uniform(0.05, 0.95, size=(3, 5)).astype("float32")
IDS = [0, 2, 2]

_CASES = """
def cases(o, X, P, T, B, IDS, num):
    v, i = o.top_k(X, 2)
    carry, ys = o.scan(lambda c, x: (c + x, c * x), o.zeros((5,)), X)
    return {
        "top_k": [num(v), num(i)],
        "segment_sum": num(o.segment_sum(X, np.array(IDS), num_segments=4)),
        "bce": num(o.binary_crossentropy(B, P / P.max())),
        "bce_logits": num(o.binary_crossentropy(B, X, from_logits=True)),
        "cce": num(o.categorical_crossentropy(T, P)),
        "cce_logits": num(o.categorical_crossentropy(T, X, from_logits=True)),
        "scce": num(o.sparse_categorical_crossentropy(np.array([1, 4, 0]), P)),
        "scan": [num(carry), num(ys)],
        "while": num(o.while_loop(lambda a, b: a < 10, lambda a, b: (a + 3, b * 2), (0, 1))),
        "fori": num(o.fori_loop(1, 5, lambda i, v: v * i, 1)),
        "vmap": num(o.vectorized_map(lambda r: o.sum(r * r), o.convert_to_tensor(X))),
        "cond": num(o.cond(True, lambda: 1, lambda: 2)),
        "stop": num(o.stop_gradient(o.convert_to_tensor(X))),
    }
"""


def _num(value):
    if isinstance(value, (tuple, list)):
        return [_num(v) for v in value]
    return np.asarray(ember.ops.convert_to_numpy(value) if hasattr(value, "shape") else value).tolist()


@pytest.fixture(scope="module")
def keras_values():
    code = _CASES + f"X = np.array({X.tolist()}, 'float32'); P = np.array({P.tolist()}, 'float32')\n"
    code += f"T = np.array({T.tolist()}, 'float32'); B = np.array({B.tolist()}, 'float32')\n"
    code += "num = lambda v: [num(x) for x in v] if isinstance(v, (tuple, list)) else "
    code += "np.asarray(keras.ops.convert_to_numpy(v)).tolist()\n"
    code += f"result = cases(keras.ops, X, P, T, B, {IDS}, num)\n"
    return run_keras(code)


def test_ops_match_keras_3(keras_values):
    namespace = {"np": np}
    exec(_CASES, namespace)
    mine = namespace["cases"](ops, X, P, T, B, IDS, _num)
    assert sorted(mine) == sorted(keras_values)
    for key, expected in keras_values.items():
        pairs = zip(mine[key], expected, strict=True) if key in ("top_k", "scan", "while") else [(mine[key], expected)]
        for got, want in pairs:
            np.testing.assert_allclose(np.asarray(got, dtype="float64"), np.asarray(want, dtype="float64"),
                                       rtol=1e-5, atol=1e-6, err_msg=key)


def test_gradients_of_top_k_segment_sum_and_cross_entropies():
    x = RNG.normal(size=(3, 4))
    p = RNG.uniform(0.1, 0.9, size=(3, 4))
    t = np.eye(4)[[0, 3, 1]]
    assert gradcheck(lambda a: ops.top_k(a, 2)[0], [x])
    assert gradcheck(lambda a: ops.segment_sum(a, [1, 0, 1], num_segments=3), [x])
    assert gradcheck(lambda a: ops.binary_crossentropy(t, a), [p])
    assert gradcheck(lambda a: ops.categorical_crossentropy(t, a), [p])
    assert gradcheck(lambda a: ops.scan(lambda c, r: (c * r, c), ops.ones((4,), dtype="float64"), a)[0], [x])


def test_stop_gradient_blocks_the_gradient_and_bad_input_is_named():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    (x * 2 + ops.stop_gradient(x) * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    with pytest.raises(ValueError, match="top_k"):
        ops.top_k(x, 3)
    with pytest.raises(ValueError, match="segment_sum"):
        ops.segment_sum(x, [0, 5], num_segments=2)
    with pytest.raises(NotImplementedError, match="sparse"):
        ops.convert_to_tensor([1.0], sparse=True)


def test_image_resize_matches_torch_interpolate_and_has_gradients():
    import torch

    x = RNG.normal(size=(2, 5, 7, 3)).astype("float32")
    for size in [(3, 4), (8, 11)]:
        for mode in ("bilinear", "nearest"):
            got = ops.image.resize(x, size, mode).numpy()
            kwargs = {"align_corners": False} if mode == "bilinear" else {}
            ref = torch.nn.functional.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=size,
                                                  mode=mode if mode == "bilinear" else "nearest-exact", **kwargs)
            np.testing.assert_allclose(got, ref.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-6)
    assert gradcheck(lambda a: ops.image.resize(a, (3, 5)), [RNG.normal(size=(1, 4, 3, 2))])
