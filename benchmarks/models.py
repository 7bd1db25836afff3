"""ember's side of the benchmark models (W1-W7 of ../shared/BENCHMARKS.md), built with the public API.

Every model is an ``ember.models.Model`` made of ``ember.layers``. Where a Keras layer a
workload needs is not in ``ember.layers`` yet, a stand-in written here with the public
``Layer`` contract and ``ember.ops`` is used instead (same math, same weight shapes as the
Keras layer) and the JSON line says so: ``impl`` lists each stand-in. Initialisers are
Keras's defaults (Glorot-uniform kernels, orthogonal LSTM recurrent kernel, zero biases).
"""

from __future__ import annotations

from benchmarks import harness as H
from ember import layers, ops
from ember.models import Model, Sequential

USE_STAND_INS = False  # set by build() when a model made of ember.layers fails to build or run


def _layer(name: str):
    """``ember.layers.<name>`` if it exists (and stand-ins are not forced), else ``None``."""
    return None if USE_STAND_INS else getattr(layers, name, None)


# ---------------------------------------------------------------- stand-ins (used only while ember lacks the layer)
class OpsConv(layers.Layer):
    """Conv1D/Conv2D stand-in: ``activation(conv(pad(x), kernel) + bias)``, kernel ``(*k, in, out)``."""

    def __init__(self, filters, kernel_size, rank, strides=1, pad=0, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.rank = filters, kernel_size, rank
        self.strides, self.pad, self.activation = strides, pad, activation

    def build(self, input_shape):
        shape = (self.kernel_size,) * self.rank + (input_shape[-1], self.filters)
        self.kernel = self.add_weight(shape, "glorot_uniform", name="kernel")
        self.bias = self.add_weight((self.filters,), "zeros", name="bias")
        self.built = True

    def call(self, x):
        if self.pad:
            x = ops.pad(x, [(0, 0)] + [(self.pad, self.pad)] * self.rank + [(0, 0)])
        y = ops.conv(x, self.kernel, strides=self.strides) + self.bias
        return ops.relu(y) if self.activation == "relu" else y


class OpsMaxPool2D(layers.Layer):
    """MaxPooling2D stand-in (stride = pool size, 'valid')."""

    def __init__(self, pool_size=2, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = pool_size

    def call(self, x):
        return ops.max_pool(x, self.pool_size)


class OpsFlatten(layers.Layer):
    """Flatten stand-in: ``(batch, ...) -> (batch, prod(...))``."""

    def call(self, x):
        return ops.reshape(x, (x.shape[0], -1))


class OpsLSTM(layers.Layer):
    """LSTM stand-in (Keras gate order i, f, c, o; one bias), returning the last hidden state.

    The input projection of all timesteps is one GEMM; each step adds ``h @ recurrent_kernel``.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        u = self.units
        self.kernel = self.add_weight((input_shape[-1], 4 * u), "glorot_uniform", name="kernel")
        self.recurrent_kernel = self.add_weight((u, 4 * u), "orthogonal", name="recurrent_kernel")
        self.bias = self.add_weight((4 * u,), "zeros", name="bias")
        self.built = True

    def call(self, x):
        batch, steps = x.shape[0], x.shape[1]
        xw = ops.matmul(x, self.kernel) + self.bias
        h = c = ops.zeros((batch, self.units), dtype=x.dtype)
        for t in range(steps):
            z = xw[:, t] + ops.matmul(h, self.recurrent_kernel)
            i, f, g, o = ops.split(z, 4, axis=-1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
            h = ops.sigmoid(o) * ops.tanh(c)
        return h


class OpsLayerNorm(layers.Layer):
    """LayerNormalization stand-in over the last axis (gamma ones, beta zeros)."""

    def __init__(self, epsilon, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def build(self, input_shape):
        self.gamma = self.add_weight((input_shape[-1],), "ones", name="gamma")
        self.beta = self.add_weight((input_shape[-1],), "zeros", name="beta")
        self.built = True

    def call(self, x):
        return ops.layer_normalization(x, self.gamma, self.beta, axis=-1, epsilon=self.epsilon)


class OpsAttention(layers.Layer):
    """MultiHeadAttention stand-in (self-attention): q/k/v/o projections with bias, softmax(q k^T / sqrt(d)) v."""

    def __init__(self, num_heads, key_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = num_heads, key_dim
        inner = num_heads * key_dim
        self.q, self.k, self.v = layers.Dense(inner), layers.Dense(inner), layers.Dense(inner)
        self.out = None

    def call(self, x):
        if self.out is None:
            self.out = layers.Dense(x.shape[-1])
        b, t = x.shape[0], x.shape[1]
        split = (b, t, self.num_heads, self.key_dim)
        q, k, v = (ops.reshape(p(x), split) for p in (self.q, self.k, self.v))
        att = ops.dot_product_attention(q, k, v)
        return self.out(ops.reshape(att, (b, t, self.num_heads * self.key_dim)))


# ---------------------------------------------------------------- workload models
def _pick(name: str, fallback, impl: list, *args, **kwargs):
    cls = _layer(name)
    if cls is None:
        impl.append(f"{name}: stand-in ({fallback.__name__}, ember.ops)")
        return fallback(*args, **kwargs)
    return cls(*args, **kwargs)


def xor_model():
    """W1: Dense(2->2) sigmoid, Dense(2->1) sigmoid."""
    return Sequential([layers.Dense(2, activation="sigmoid", input_dim=2), layers.Dense(1, activation="sigmoid")]), []


def mlp_model():
    """W2/W6 MLP: 784 -> 256 ReLU -> 128 ReLU -> 10 logits (235,146 parameters)."""
    return Sequential([layers.Dense(256, activation="relu", input_dim=784), layers.Dense(128, activation="relu"),
                       layers.Dense(10)]), []  # fmt: skip


def cnn_model():
    """W3/W6 CNN: Conv 32 3x3 ReLU, pool 2, Conv 64 3x3 ReLU, pool 2, flatten 1600, 128 ReLU, 10 (225,034)."""
    impl: list = []
    conv = _layer("Conv2D")
    if conv is None:
        impl.append("Conv2D: stand-in (OpsConv, ember.ops.conv)")
        c1, c2 = OpsConv(32, 3, 2, activation="relu"), OpsConv(64, 3, 2, activation="relu")
    else:
        c1, c2 = conv(32, 3, activation="relu"), conv(64, 3, activation="relu")
    p1, p2 = _pick("MaxPooling2D", OpsMaxPool2D, impl, 2), _pick("MaxPooling2D", OpsMaxPool2D, impl, 2)
    flat = _pick("Flatten", OpsFlatten, impl)
    model = Sequential([layers.Input((28, 28, 1)), c1, p1, c2, p2, flat, layers.Dense(128, activation="relu"),
                        layers.Dense(10)])  # fmt: skip
    return model, sorted(set(impl))


class LSTMNet(Model):
    """W4: LSTM(128) over (40, 1) inputs, last hidden state -> Dense(10)."""

    def __init__(self, impl):
        super().__init__()
        self.lstm = _pick("LSTM", OpsLSTM, impl, H.W4_HIDDEN)
        self.fc = layers.Dense(10)

    def call(self, x, training=None):
        return self.fc(self.lstm(x))


def lstm_model():
    impl: list = []
    return LSTMNet(impl), impl


class EncoderBlock(Model):
    """Post-LN Transformer encoder layer: ``x = LN(x + MHA(x)); x = LN(x + W2 relu(W1 x))``."""

    def __init__(self, impl):
        super().__init__()
        mha = _layer("MultiHeadAttention")
        if mha is None:
            impl.append("MultiHeadAttention: stand-in (OpsAttention, ember.ops.dot_product_attention)")
            self.attention = OpsAttention(H.W5_HEADS, H.W5_D // H.W5_HEADS)
        else:
            self.attention = mha(num_heads=H.W5_HEADS, key_dim=H.W5_D // H.W5_HEADS)
        self.ln1 = _pick("LayerNormalization", OpsLayerNorm, impl, epsilon=H.LN_EPS)
        self.ln2 = _pick("LayerNormalization", OpsLayerNorm, impl, epsilon=H.LN_EPS)
        self.ff1, self.ff2 = layers.Dense(H.W5_FF, activation="relu"), layers.Dense(H.W5_D)
        self._keras_mha = mha is not None

    def call(self, x, training=None):
        a = self.attention(x, x) if self._keras_mha else self.attention(x)
        x = self.ln1(x + a)
        return self.ln2(x + self.ff2(self.ff1(x)))


class Encoder(Model):
    """W5: two post-LN encoder blocks (d 128, 4 heads, FFN 512), mean over the sequence -> Dense(10)."""

    def __init__(self, impl):
        super().__init__()
        self.block1, self.block2 = EncoderBlock(impl), EncoderBlock(impl)
        self.fc = layers.Dense(10)

    def call(self, x, training=None):
        return self.fc(ops.mean(self.block2(self.block1(x)), axis=1))


def encoder_model():
    impl: list = []
    model = Encoder(impl)
    return model, sorted(set(impl))


def mlp1d_model():
    """W7 MLP: 40 -> 100 ReLU -> 100 ReLU -> 10."""
    return Sequential([layers.Dense(100, activation="relu", input_dim=40), layers.Dense(100, activation="relu"),
                       layers.Dense(10)]), []  # fmt: skip


def cnn1d_model():
    """W7 CNN (MNIST-1D ConvBase): Conv1D 25 k5 s2 pad 1, 2 x Conv1D 25 k3 s2 pad 1, ReLU, flatten 125 -> 10."""
    impl: list = []
    conv, zpad = _layer("Conv1D"), _layer("ZeroPadding1D")
    body: list = [layers.Input((40, 1))]
    if conv is None or zpad is None:
        impl.append("Conv1D/ZeroPadding1D: stand-in (OpsConv, ember.ops.pad + conv)")
        body += [OpsConv(25, 5, 1, strides=2, pad=1, activation="relu"),
                 OpsConv(25, 3, 1, strides=2, pad=1, activation="relu"),
                 OpsConv(25, 3, 1, strides=2, pad=1, activation="relu")]  # fmt: skip
    else:
        for k in (5, 3, 3):
            body += [zpad(1), conv(25, k, strides=2, activation="relu")]
    body += [_pick("Flatten", OpsFlatten, impl), layers.Dense(10)]
    return Sequential(body), sorted(set(impl))


def build(key: str, probe):
    """``(model, impl)`` for a workload key; ``probe(model)`` runs one step to check it works.

    If the model made of ``ember.layers`` fails (a layer still in progress), it is rebuilt with
    the stand-ins and ``impl`` records the failure, so the run measures something and says what.
    """
    global USE_STAND_INS
    try:
        model, impl = BUILDERS[key]()
        probe(model)
        return model, impl
    except Exception as e:  # noqa: BLE001 - the reason goes into the JSON line
        if USE_STAND_INS:
            raise
        USE_STAND_INS = True
        try:
            model, impl = BUILDERS[key]()
        finally:
            USE_STAND_INS = False
        return model, impl + [f"ember.layers model failed ({repr(e)[:160]}): stand-ins used"]


BUILDERS = {"W1": xor_model, "W2": mlp_model, "W3": cnn_model, "W4": lstm_model, "W5": encoder_model,
            "mlp": mlp_model, "cnn": cnn_model, "W7_mlp": mlp1d_model, "W7_cnn": cnn1d_model}  # fmt: skip
