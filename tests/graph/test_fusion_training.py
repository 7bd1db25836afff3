"""A model whose graph has unfused matmul + bias + activation and elementwise chains trains in graph mode
(with the fusion passes) to exactly eager mode's weights."""

import numpy as np

import ember
from ember import layers, models, ops

STEPS, BATCH = 20, 8


class MatMulLayer(layers.Layer):
    """A custom layer written with ops: ``tanh(x @ w + b)`` (three recorded ops, fused by bias_act_fusion)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, x):
        return ops.tanh(ops.matmul(x, self.w) + self.b)


class Swish(layers.Layer):
    """``(x * 1.5) * sigmoid(x * 1.5)``: an elementwise chain (fused by elementwise_fusion)."""

    def call(self, x):
        h = x * 1.5
        return h * ops.sigmoid(h)


def _train(jit):
    ember.utils.set_random_seed(0)
    model = models.Sequential([layers.Input((6,)), MatMulLayer(8), Swish(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", jit_compile=jit)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEPS * BATCH, 6)).astype("float32")
    y = rng.standard_normal((STEPS * BATCH, 1)).astype("float32")
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    return model


def test_fused_graph_trains_to_eager_weights_bit_for_bit():
    eager, jit = _train(False), _train(True)
    concrete = next(iter(jit._jit.train._cache.values()))
    names = [n.name for n in concrete.graph.nodes if n.kind == "op"]
    assert "MatMulBiasAct" in names and "ElementwiseChain" in names and "Sigmoid" not in names
    assert concrete.pass_stats["bias_act_fusion"] == 1 and concrete.pass_stats["elementwise_fusion"] >= 1
    assert jit._jit.train.trace_count == 1
    for a, b in zip(eager.get_weights(), jit.get_weights(), strict=True):
        np.testing.assert_array_equal(b, a)
