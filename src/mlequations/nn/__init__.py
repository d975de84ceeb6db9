"""Layer 3: neural-network layers on the autodiff engine, named as in ``torch.nn``.

A network is a :class:`Module` of :class:`Parameter` objects and sub-modules;
the layers keep PyTorch's parameter names, shapes and default initialisation,
so a state dict copies between the two one to one.

>>> import numpy as np
>>> from mlequations import nn
>>> from mlequations.nn import functional as F
>>> _ = nn.manual_seed(0)
>>> model = nn.MLP([4, 16, 3])
>>> x, y = np.ones((8, 4), dtype=np.float32), np.zeros(8, dtype=int)
>>> loss = F.cross_entropy(model(x), y)
>>> loss.backward()
>>> model[0].weight.grad.shape, loss.dtype
((16, 4), dtype('float32'))
"""

from mlequations.nn import functional, init
from mlequations.nn.activation import (
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from mlequations.nn.attention import MultiheadAttention
from mlequations.nn.char_transformer import CharTransformer
from mlequations.nn.char_vocabulary import CharVocabulary
from mlequations.nn.containers import MLP, Sequential
from mlequations.nn.convolution import Conv2d
from mlequations.nn.dropout import Dropout
from mlequations.nn.embedding import Embedding
from mlequations.nn.flatten import Flatten
from mlequations.nn.linear import Linear
from mlequations.nn.module import IncompatibleKeys, Module
from mlequations.nn.normalization import LayerNorm
from mlequations.nn.parameter import Parameter
from mlequations.nn.pooling import MaxPool2d
from mlequations.nn.random import default_generator, get_rng_state, manual_seed, set_rng_state
from mlequations.nn.serialization import load_state, save
from mlequations.nn.transformer import TransformerEncoderLayer

__all__ = [
    "GELU",
    "MLP",
    "CharTransformer",
    "CharVocabulary",
    "Conv2d",
    "Dropout",
    "Embedding",
    "Flatten",
    "IncompatibleKeys",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MaxPool2d",
    "Module",
    "MultiheadAttention",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "TransformerEncoderLayer",
    "default_generator",
    "functional",
    "get_rng_state",
    "init",
    "load_state",
    "manual_seed",
    "save",
    "set_rng_state",
]
