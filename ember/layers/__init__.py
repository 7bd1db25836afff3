"""Keras-compatible layers. Each module holds one family; this file lists the public API by hand."""

from ember.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from ember.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from ember.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from ember.layers.convolutional import Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose
from ember.layers.core import Activation, Dense, Dropout, Identity, Lambda, Masking
from ember.layers.depthwise import DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D
from ember.layers.einsum_dense import EinsumDense
from ember.layers.embedding import Embedding
from ember.layers.generative import Sampling, kl_divergence_normal
from ember.layers.input_layer import Input, InputLayer, KerasTensor
from ember.layers.input_spec import InputSpec
from ember.layers.layer import Layer
from ember.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from ember.layers.merging_functions import add, average, concatenate, dot, maximum, minimum, multiply, subtract
from ember.layers.normalization import BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization
from ember.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from ember.layers.preprocessing import Normalization, Rescaling
from ember.layers.preprocessing_affine import RandomRotation, RandomTranslation, RandomZoom
from ember.layers.preprocessing_categorical import CategoryEncoding, Discretization, IntegerLookup
from ember.layers.preprocessing_hashing import Hashing
from ember.layers.preprocessing_image import CenterCrop, RandomContrast, RandomCrop, RandomFlip, Resizing
from ember.layers.preprocessing_text import StringLookup, TextVectorization
from ember.layers.rbf import RBFLayer
from ember.layers.rbm import DBN, RBM
from ember.layers.recurrent import GRU, LSTM, RNN, SimpleRNN
from ember.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from ember.layers.regularization import (
    ActivityRegularization,
    AlphaDropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
)
from ember.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from ember.layers.spatial_reshaping import (
    Cropping1D,
    Cropping2D,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from ember.layers.transformer import (
    PositionEmbedding,
    SinePositionEncoding,
    TokenAndPositionEmbedding,
    TransformerDecoder,
    TransformerEncoder,
)
from ember.layers.volumetric import (
    AveragePooling3D,
    Conv3D,
    Conv3DTranspose,
    GlobalAveragePooling3D,
    GlobalMaxPooling3D,
    MaxPooling3D,
)
from ember.layers.wrappers import Bidirectional, TimeDistributed

__all__ = [  # fmt: skip
    "Layer", "InputSpec", "Input", "InputLayer", "KerasTensor", "Dense", "Activation", "Dropout",
    # core
    "EinsumDense", "Embedding", "Identity", "Lambda", "Masking",
    "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "ActivityRegularization",
    "Flatten", "Reshape", "Permute", "RepeatVector",
    # activations
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    # convolution and pooling
    "Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
    "DepthwiseConv1D", "SeparableConv1D",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D", "GlobalAveragePooling3D",
    "AlphaDropout",
    "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
    # normalization, merging, preprocessing
    "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    "Rescaling", "Normalization",
    "CategoryEncoding", "Discretization", "IntegerLookup", "CenterCrop", "RandomFlip", "RandomContrast",
    "Resizing", "RandomCrop", "StringLookup", "TextVectorization", "Hashing",
    "RandomRotation", "RandomZoom", "RandomTranslation",
    # recurrent (issue 5)
    "RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells",
    "Bidirectional", "TimeDistributed",
    "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
    "MultiHeadAttention", "Attention", "AdditiveAttention",
    "TransformerEncoder", "TransformerDecoder",
    "PositionEmbedding", "TokenAndPositionEmbedding", "SinePositionEncoding",
    "RBFLayer", "RBM", "DBN", "Sampling", "kl_divergence_normal",
]

# Keras's keras.layers.serialize / deserialize (issue 16)
from ember.layers.keras_serialize import deserialize, serialize  # noqa: E402

__all__ += ["serialize", "deserialize"]


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
