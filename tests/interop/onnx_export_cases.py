"""One small model per exportable layer type (and option that changes the ONNX graph), for the parity tests and
for tools/onnx_export_table.py. Each case: ``name -> () -> (model, input specs)``; a spec is
``(shape without batch, dtype, int upper bound)``."""

from __future__ import annotations

import ember
from ember import layers

F = "float32"


def chain(shape, *stack, dtype=F, high=None, padded=False):
    x = ember.Input(shape=shape, dtype=dtype)
    y = x
    for layer in stack:
        y = layer(y)
    return ember.Model(x, y), [(shape, dtype, high) + (("padded",) if padded else ())]


def merge(layer, shapes=((4,), (4,)), n=2):
    xs = [ember.Input(shape=s) for s in shapes[:n]]
    return ember.Model(xs, layer(xs)), [(s, F, None) for s in shapes[:n]]


def _activations():
    names = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu", "elu", "selu", "gelu", "silu",
             "swish", "softplus", "softsign", "hard_sigmoid", "relu6", "mish", "exponential", "linear"]  # fmt: skip
    return {f"Activation[{n}]": (lambda n=n: chain((6,), layers.Activation(n))) for n in names}


def _mha(causal=False, cross=False, mask=False):
    q = ember.Input(shape=(5, 8))
    specs = [((5, 8), F, None)]
    v = q
    if cross:
        v = ember.Input(shape=(7, 6))
        specs.append(((7, 6), F, None))
    y = layers.MultiHeadAttention(2, 4)(q, v, use_causal_mask=causal)
    return ember.Model([q, v] if cross else q, y), specs


def _masked(rnn, masking=False):
    if masking:
        return chain((6, 3), layers.Masking(0.0), rnn, padded=True)
    return chain((6,), layers.Embedding(10, 4, mask_zero=True), rnn, dtype="int32", high=10, padded=True)


def _dense_attention(layer, mask=False):
    if mask:
        q, v = ember.Input(shape=(5,), dtype="int32"), ember.Input(shape=(6,), dtype="int32")
        eq, ev = layers.Embedding(10, 4, mask_zero=True)(q), layers.Embedding(10, 4, mask_zero=True)(v)
        y = layers.GlobalMaxPooling1D()(layer([eq, ev]))
        return ember.Model([q, v], y), [((5,), "int32", 10, "padded"), ((6,), "int32", 10, "padded")]
    q, v, k = ember.Input(shape=(5, 4)), ember.Input(shape=(6, 4)), ember.Input(shape=(6, 4))
    return ember.Model([q, v, k], layer([q, v, k])), [((5, 4), F, None), ((6, 4), F, None), ((6, 4), F, None)]


def _decoder(cross):
    x = ember.Input(shape=(5, 8))
    if not cross:
        return ember.Model(x, layers.TransformerDecoder(16, 2)(x)), [((5, 8), F, None)]
    e = ember.Input(shape=(6, 8))
    return ember.Model([x, e], layers.TransformerDecoder(16, 2)(x, e)), [((5, 8), F, None), ((6, 8), F, None)]


CASES = {
    "Dense": lambda: chain((6,), layers.Dense(4)),
    "Dense[relu,3d]": lambda: chain((3, 6), layers.Dense(4, activation="relu")),
    "EinsumDense[ab,bc->ac]": lambda: chain((6,), layers.EinsumDense("ab,bc->ac", 4, bias_axes="c")),
    "EinsumDense[abc,cde->abde]": lambda: chain((3, 6), layers.EinsumDense("abc,cde->abde", (3, 2, 4),
                                                                            bias_axes="de")),
    **_activations(),
    "ReLU": lambda: chain((6,), layers.ReLU()),
    "ReLU[max_value=0.5]": lambda: chain((6,), layers.ReLU(max_value=0.5)),
    "ReLU[threshold,negative_slope,max_value]": lambda: chain((6,), layers.ReLU(1.0, 0.1, 0.3)),
    "LeakyReLU": lambda: chain((6,), layers.LeakyReLU(0.3)),
    "PReLU[shared_axes]": lambda: chain((4, 4, 3), layers.PReLU(shared_axes=[1, 2])),
    "ELU": lambda: chain((6,), layers.ELU(0.7)),
    "Softmax[axis=1]": lambda: chain((3, 5), layers.Softmax(axis=1)),
    "Dropout": lambda: chain((6,), layers.Dropout(0.5), layers.Dense(2)),
    "SpatialDropout1D": lambda: chain((4, 3), layers.SpatialDropout1D(0.5)),
    "SpatialDropout2D": lambda: chain((3, 3, 2), layers.SpatialDropout2D(0.5)),
    "GaussianNoise": lambda: chain((6,), layers.GaussianNoise(1.0)),
    "GaussianDropout": lambda: chain((6,), layers.GaussianDropout(0.3)),
    "ActivityRegularization": lambda: chain((6,), layers.ActivityRegularization(0.1, 0.1)),
    "Identity": lambda: chain((6,), layers.Identity()),
    "Embedding": lambda: chain((5,), layers.Embedding(10, 4), dtype="int32", high=10),
    "Rescaling": lambda: chain((4, 4, 1), layers.Rescaling(1 / 255.0, offset=-0.5)),
    "Normalization": lambda: chain((3,), layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[1.0, 4.0, 0.25])),
    "Flatten": lambda: chain((2, 3, 4), layers.Flatten()),
    "Reshape": lambda: chain((12,), layers.Reshape((3, -1))),
    "Permute": lambda: chain((2, 3, 4), layers.Permute((3, 1, 2))),
    "RepeatVector": lambda: chain((4,), layers.RepeatVector(3)),
    "Add": lambda: merge(layers.Add(), n=3, shapes=((4,), (4,), (4,))),
    "Subtract": lambda: merge(layers.Subtract()),
    "Multiply": lambda: merge(layers.Multiply()),
    "Average": lambda: merge(layers.Average()),
    "Maximum": lambda: merge(layers.Maximum()),
    "Minimum": lambda: merge(layers.Minimum()),
    "Concatenate": lambda: merge(layers.Concatenate(axis=1), shapes=((2, 3), (4, 3))),
    "Dot[2d,normalize]": lambda: merge(layers.Dot(axes=1, normalize=True)),
    "Dot[3d,axes=(2,2)]": lambda: merge(layers.Dot(axes=(2, 2)), shapes=((3, 4), (5, 4))),
    "Conv1D[valid]": lambda: chain((9, 3), layers.Conv1D(4, 3, activation="relu")),
    "Conv1D[same,strides=2]": lambda: chain((9, 3), layers.Conv1D(4, 4, strides=2, padding="same")),
    "Conv1D[causal,dilation=2]": lambda: chain((9, 3), layers.Conv1D(4, 3, padding="causal", dilation_rate=2)),
    "Conv2D[valid]": lambda: chain((7, 7, 3), layers.Conv2D(4, 3)),
    "Conv2D[same,strides=2,asymmetric]": lambda: chain((8, 8, 3), layers.Conv2D(4, 3, strides=2, padding="same")),
    "Conv2D[dilation=2,same]": lambda: chain((8, 8, 3), layers.Conv2D(4, 3, dilation_rate=2, padding="same")),
    "Conv2D[groups=2]": lambda: chain((6, 6, 4), layers.Conv2D(6, 3, groups=2)),
    "Conv2D[channels_first]": lambda: chain((3, 6, 6), layers.Conv2D(4, 3, data_format="channels_first")),
    "Conv1DTranspose[valid,strides=2]": lambda: chain((5, 3), layers.Conv1DTranspose(4, 3, strides=2)),
    "Conv2DTranspose[same,strides=2]": lambda: chain((4, 4, 3), layers.Conv2DTranspose(4, 3, strides=2,
                                                                                         padding="same")),
    "Conv2DTranspose[valid,output_padding]": lambda: chain((4, 4, 3), layers.Conv2DTranspose(
        2, 3, strides=2, output_padding=1)),
    "DepthwiseConv2D[multiplier=2,same,strides=2]": lambda: chain((7, 7, 3), layers.DepthwiseConv2D(
        3, strides=2, padding="same", depth_multiplier=2)),
    "SeparableConv2D": lambda: chain((7, 7, 3), layers.SeparableConv2D(5, 3, padding="same", activation="relu")),
    "MaxPooling1D": lambda: chain((8, 3), layers.MaxPooling1D(2)),
    "MaxPooling2D[same,strides=2]": lambda: chain((7, 7, 3), layers.MaxPooling2D(3, strides=2, padding="same")),
    "AveragePooling1D[same]": lambda: chain((7, 3), layers.AveragePooling1D(2, padding="same")),
    "AveragePooling2D[same]": lambda: chain((7, 7, 3), layers.AveragePooling2D(2, padding="same")),
    "GlobalAveragePooling1D": lambda: chain((5, 3), layers.GlobalAveragePooling1D()),
    "GlobalAveragePooling2D[keepdims]": lambda: chain((4, 4, 3), layers.GlobalAveragePooling2D(keepdims=True)),
    "GlobalMaxPooling1D": lambda: chain((5, 3), layers.GlobalMaxPooling1D()),
    "GlobalMaxPooling2D": lambda: chain((4, 4, 3), layers.GlobalMaxPooling2D()),
    "UpSampling1D": lambda: chain((4, 3), layers.UpSampling1D(3)),
    "UpSampling2D": lambda: chain((3, 4, 2), layers.UpSampling2D((2, 3))),
    "ZeroPadding1D": lambda: chain((4, 3), layers.ZeroPadding1D((1, 2))),
    "ZeroPadding2D": lambda: chain((3, 4, 2), layers.ZeroPadding2D(((1, 0), (2, 1)))),
    "Cropping1D": lambda: chain((6, 3), layers.Cropping1D((1, 2))),
    "Cropping2D": lambda: chain((6, 6, 2), layers.Cropping2D(((1, 2), (0, 1)))),
    "BatchNormalization": lambda: chain((6,), layers.BatchNormalization()),
    "BatchNormalization[4d]": lambda: chain((4, 4, 3), layers.BatchNormalization()),
    "LayerNormalization": lambda: chain((3, 6), layers.LayerNormalization()),
    "LayerNormalization[axis=(1,2)]": lambda: chain((3, 6), layers.LayerNormalization(axis=[1, 2])),
    "LayerNormalization[rms_scaling]": lambda: chain((3, 6), layers.LayerNormalization(rms_scaling=True)),
    "GroupNormalization": lambda: chain((4, 4, 6), layers.GroupNormalization(groups=3)),
    "UnitNormalization": lambda: chain((6,), layers.UnitNormalization()),
    "SimpleRNN": lambda: chain((6, 3), layers.SimpleRNN(4)),
    "SimpleRNN[return_sequences,relu]": lambda: chain((6, 3), layers.SimpleRNN(4, activation="relu",
                                                                              return_sequences=True)),
    "LSTM": lambda: chain((6, 3), layers.LSTM(4)),
    "LSTM[return_sequences,go_backwards]": lambda: chain((6, 3), layers.LSTM(4, return_sequences=True,
                                                                            go_backwards=True)),
    "GRU": lambda: chain((6, 3), layers.GRU(4)),
    "RNN[LSTMCell]": lambda: chain((6, 3), layers.RNN(layers.LSTMCell(4), return_sequences=True)),
    "GRU[reset_after=False,return_sequences]": lambda: chain((6, 3), layers.GRU(4, reset_after=False,
                                                                                return_sequences=True)),
    "GRU[go_backwards]": lambda: chain((6, 3), layers.GRU(4, go_backwards=True)),
    "Bidirectional[LSTM,concat]": lambda: chain((6, 3), layers.Bidirectional(layers.LSTM(4, return_sequences=True))),
    "Bidirectional[GRU,sum]": lambda: chain((6, 3), layers.Bidirectional(layers.GRU(4), merge_mode="sum")),
    "LSTM[mask_zero]": lambda: _masked(layers.LSTM(4)),
    "GRU[mask_zero,return_sequences]": lambda: _masked(layers.GRU(4, return_sequences=True)),
    "SimpleRNN[Masking,go_backwards]": lambda: _masked(layers.SimpleRNN(4, go_backwards=True), masking=True),
    "Bidirectional[LSTM,mask_zero]": lambda: _masked(layers.Bidirectional(layers.LSTM(4))),
    "GlobalAveragePooling1D[mask_zero]": lambda: _masked(layers.GlobalAveragePooling1D()),
    "TimeDistributed[Dense]": lambda: chain((4, 5), layers.TimeDistributed(layers.Dense(3))),
    "TimeDistributed[Conv2D]": lambda: chain((3, 6, 6, 2), layers.TimeDistributed(layers.Conv2D(4, 3))),
    "MultiHeadAttention[self]": lambda: _mha(),
    "MultiHeadAttention[causal]": lambda: _mha(causal=True),
    "MultiHeadAttention[cross]": lambda: _mha(cross=True),
    "Attention[dot,use_scale]": lambda: _dense_attention(layers.Attention(use_scale=True)),
    "Attention[concat]": lambda: _dense_attention(layers.Attention(score_mode="concat")),
    "Attention[mask_zero]": lambda: _dense_attention(layers.Attention(), mask=True),
    "AdditiveAttention": lambda: _dense_attention(layers.AdditiveAttention()),
    "RBFLayer": lambda: chain((4,), layers.RBFLayer(5)),
    "RBM": lambda: chain((6,), layers.RBM(4)),
    "TransformerEncoder": lambda: chain((5, 8), layers.TransformerEncoder(16, 2)),
    "TransformerEncoder[normalize_first,mask_zero]": lambda: chain(
        (5,), layers.Embedding(10, 8, mask_zero=True), layers.TransformerEncoder(16, 2, normalize_first=True),
        dtype="int32", high=10, padded=True),
    "TransformerDecoder": lambda: _decoder(cross=False),
    "TransformerDecoder[cross]": lambda: _decoder(cross=True),
    "PositionEmbedding": lambda: chain((5, 4), layers.PositionEmbedding(8)),
    "SinePositionEncoding": lambda: chain((5, 4), layers.SinePositionEncoding()),
    "TokenAndPositionEmbedding": lambda: chain((5,), layers.TokenAndPositionEmbedding(10, 8, 4), dtype="int32",
                                               high=10),
    "Sequential[nested]": lambda: chain((6,), ember.Sequential([layers.Dense(5, activation="tanh"),
                                                                layers.Dense(2)])),
}
