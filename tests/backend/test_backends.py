"""Backend selection, device transfer, dtype policy and ember.random (CuPy cases skip on machines without a GPU)."""

import numpy as np
import pytest

import ember
from ember import backend, ops

try:
    backend.set_backend("cupy")
    backend.set_backend("numpy")
    cupy_available = True
except ImportError:
    cupy_available = False

needs_gpu = pytest.mark.skipif(not cupy_available, reason="CuPy/GPU not available on this machine")


def test_numpy_is_the_default_backend():
    assert backend.get_backend() == "numpy" and backend.xp() is np
    assert ember.tensor([1.0]).device == "cpu"


def test_unknown_backend_and_device_are_rejected():
    with pytest.raises(ValueError, match="set_backend: unknown backend"):
        backend.set_backend("jax")
    with pytest.raises(ValueError, match="unknown device"):
        ops.to_device(ember.tensor([1.0]), "tpu")


def test_asking_for_cupy_without_it_raises_import_error_saying_what_is_missing():
    if cupy_available:  # a GPU machine: the switch must work and come back
        backend.set_backend("cupy")
        backend.set_backend("numpy")
        return
    with pytest.raises(ImportError, match="cupy"):
        backend.set_backend("cupy")
    with pytest.raises(ImportError, match="cupy"):
        ember.tensor([1.0]).to("gpu")
    assert backend.get_backend() == "numpy"


def test_cpu_to_cpu_is_the_same_tensor():
    x = ember.tensor([1.0])
    assert x.cpu() is x and x.to("cpu") is x


@needs_gpu
def test_gpu_round_trip_keeps_values_and_gradient_flows_back():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("gpu")
    assert y.device == "gpu"
    (ops.sin(y) * 2.0).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_array_equal(y.cpu().numpy(), x.numpy())


@needs_gpu
def test_cupy_backend_runs_conv_and_pool_like_numpy():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 6, 6, 3)), rng.standard_normal((3, 3, 3, 4))
    ref = ops.max_pool(ops.conv(x, w, padding="same"), 2).numpy()
    backend.set_backend("cupy")
    try:
        got = ops.max_pool(ops.conv(ember.tensor(x), ember.tensor(w), padding="same"), 2)
        assert got.device == "gpu"
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10)
    finally:
        backend.set_backend("numpy")


def test_floatx_policy():
    assert ember.config.floatx() == "float32"
    for value in ("float16", "float64", "float32"):
        ember.config.set_floatx(value)
        assert ember.tensor([0.5]).dtype == np.dtype(value) and ops.zeros(2).dtype == np.dtype(value)
    with pytest.raises(ValueError, match="set_floatx: expected one of"):
        ember.config.set_floatx("int8")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_ops_keep_every_float_dtype_forward_and_backward(dtype):
    x = ember.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=dtype, requires_grad=True)
    y = ops.softmax(ops.matmul(ops.tanh(x), ops.transpose(x)) + ops.exp(x).sum())
    y.sum().backward()
    assert y.dtype == np.dtype(dtype) and x.grad.dtype == np.dtype(dtype)


def test_random_functions_are_seeded_like_keras():
    import ember.random as R

    for fn, kwargs in [(R.normal, {}), (R.uniform, {"minval": -1.0}), (R.truncated_normal, {"stddev": 2.0})]:
        a, b = fn((50,), seed=7, **kwargs), fn((50,), seed=7, **kwargs)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype == np.float32 and not np.array_equal(a.numpy(), fn((50,), seed=8, **kwargs).numpy())
    assert np.abs(R.truncated_normal((1000,), stddev=2.0, seed=0).numpy()).max() <= 4.0
    u = R.uniform((1000,), -1.0, 3.0, seed=1).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0
    r = R.randint((1000,), 2, 5, seed=0)
    assert r.dtype == np.int32 and set(np.unique(r.numpy()).tolist()) == {2, 3, 4}
    with pytest.raises(ValueError, match="randint: expected minval < maxval"):
        R.randint((2,), 3, 3)
    with pytest.raises(TypeError, match="float dtype"):
        R.normal((2,), dtype="int32")


def test_global_generator_repeats_after_reseeding():
    import ember.random as R

    backend.random.seed(123)
    a = R.normal((5,)).numpy()
    backend.random.seed(123)
    np.testing.assert_array_equal(R.normal((5,)).numpy(), a)


def test_shuffle_permutes_and_categorical_follows_probabilities():
    import ember.random as R

    x = ember.tensor(np.arange(10.0), requires_grad=True)
    y = R.shuffle(x, seed=0)
    assert sorted(y.tolist()) == list(range(10)) and y.tolist() != list(range(10))
    (y * ember.tensor(np.arange(10.0))).sum().backward()
    assert sorted(x.grad.tolist()) == list(range(10))
    draws = R.categorical(np.log([[0.1, 0.9]]), 2000, seed=0).numpy()
    assert draws.shape == (1, 2000) and 0.85 < draws.mean() < 0.95
    d = R.dropout(ops.ones((100,)), 0.5, seed=1)
    np.testing.assert_array_equal(d.numpy(), ops.dropout(ops.ones((100,)), 0.5, seed=1).numpy())
