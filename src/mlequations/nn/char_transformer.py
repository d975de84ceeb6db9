r"""A causal character-level transformer language model, :class:`CharTransformer`.

The model reads characters :math:`c_1, \dots, c_T` (tokens of a
:class:`~mlequations.nn.CharVocabulary`) and gives, at every position
:math:`t`, the logits of the next character :math:`c_{t+1}`:

.. math::

    h^{(0)}_t = E_{c_t} + P_t, \qquad
    h^{(\ell)} = \operatorname{Block}_\ell\big(h^{(\ell-1)}\big), \qquad
    z_t = W\,\operatorname{LN}\big(h^{(L)}_t\big) + b,

with a token table :math:`E`, a learned position table :math:`P`, a stack of
:class:`~mlequations.nn.TransformerEncoderLayer` blocks whose self-attention
is causal (position :math:`t` sees positions :math:`\le t` only), a final
layer norm for pre-norm blocks, and an output layer that may share its weight
with the token table (tying, :math:`W = E`). Training minimises the mean
cross entropy :math:`-\frac{1}{T}\sum_t \log \operatorname{softmax}(z_t)_{c_{t+1}}`,
in nats per character; :meth:`CharTransformer.generate` samples text one
character at a time from :math:`\operatorname{softmax}(z_T / \tau)`, optionally
restricted to the :math:`k` most likely characters.

The sum of the two embeddings is one fused node, :func:`token_position_embedding`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlequations import activations
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.autodiff import Tensor, no_grad, record
from mlequations.nn import functional, init
from mlequations.nn.char_vocabulary import CharVocabulary
from mlequations.nn.containers import Sequential
from mlequations.nn.dropout import Dropout
from mlequations.nn.embedding import Embedding
from mlequations.nn.linear import Linear
from mlequations.nn.module import Module
from mlequations.nn.normalization import LayerNorm
from mlequations.nn.random import resolve_generator
from mlequations.nn.transformer import TransformerEncoderLayer

__all__ = ["CharTransformer", "next_token_probabilities", "token_position_embedding"]


def _scatter_rows(indices: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
    """``out[k] = sum of rows[i] where indices[i] == k``, by sorting (faster than ``add.at``)."""
    order = np.argsort(indices, kind="stable")
    sorted_indices = indices[order]
    starts = np.flatnonzero(np.r_[True, sorted_indices[1:] != sorted_indices[:-1]])
    out = np.zeros((n_rows, rows.shape[1]), dtype=rows.dtype)
    out[sorted_indices[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


def token_position_embedding(tokens: Any, token_weight: Tensor, position_weight: Tensor) -> Tensor:
    r"""The token plus the position embedding, :math:`h_{nt} = E_{c_{nt}} + P_t`, as one node.

    .. math::

        \bar{E}_k = \sum_{n,t:\,c_{nt}=k} \bar{h}_{nt}, \qquad
        \bar{P}_t = \sum_n \bar{h}_{nt}

    Parameters
    ----------
    tokens : int array of shape (N, T)
        Token indices in ``[0, num_tokens)``; ``T`` at most the number of positions.
    token_weight : Tensor of shape (num_tokens, d)
    position_weight : Tensor of shape (num_positions, d)

    Returns
    -------
    Tensor of shape (N, T, d)

    Examples
    --------
    >>> E = Tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    >>> P = Tensor([[10.0, 10.0], [20.0, 20.0], [30.0, 30.0]], requires_grad=True)
    >>> h = token_position_embedding(np.array([[1, 1]]), E, P)
    >>> h.data.tolist()
    [[[10.0, 11.0], [20.0, 21.0]]]
    >>> h.sum().backward()
    >>> E.grad.tolist(), P.grad.tolist()
    ([[0.0, 0.0], [2.0, 2.0]], [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    """
    indices = np.asarray(tokens)
    if indices.dtype.kind not in "iu" or indices.ndim != 2:
        raise ArrayTypeError(
            f"tokens must be a 2-D integer array (batch, time), got dtype {indices.dtype} and "
            f"shape {indices.shape}"
        )
    n_tokens, length = token_weight.shape[0], indices.shape[1]
    if length > position_weight.shape[0]:
        raise ShapeError(
            f"tokens must hold at most {position_weight.shape[0]} positions (the context "
            f"length), got {length}"
        )
    if indices.size and (indices.min() < 0 or indices.max() >= n_tokens):
        bad = indices[(indices < 0) | (indices >= n_tokens)][0]
        raise ValidationError(f"tokens must lie in [0, {n_tokens - 1}], got {bad}")
    out = np.take(token_weight.data, indices, axis=0)
    out += position_weight.data[:length]

    def backward(g: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        d = g.shape[-1]
        g_token = g_position = None
        if token_weight.requires_grad:
            g_token = _scatter_rows(indices.reshape(-1), g.reshape(-1, d), n_tokens)
        if position_weight.requires_grad:
            g_position = np.zeros_like(position_weight.data)
            g_position[:length] = g.sum(axis=0)
        return g_token, g_position

    return record("token_position_embedding", out, (token_weight, position_weight), backward)


def next_token_probabilities(
    logits: Any, temperature: float = 1.0, top_k: int | None = None
) -> np.ndarray:
    r"""The sampling distribution :math:`\operatorname{softmax}(z/\tau)` over the top-``k`` logits.

    .. math::

        p_i = \frac{e^{z_i/\tau}\,[i \in K]}{\sum_{j \in K} e^{z_j/\tau}}

    where :math:`K` holds the ``top_k`` largest logits (ties go to the lower
    index) or all of them. :math:`\tau < 1` sharpens the distribution,
    :math:`\tau > 1` flattens it, and ``top_k=1`` is greedy decoding (the
    arg-max, whatever :math:`\tau`).

    Examples
    --------
    >>> next_token_probabilities([2.0, 1.0, 0.0], top_k=2).round(4)
    array([0.7311, 0.2689, 0.    ])
    >>> next_token_probabilities([2.0, 1.0, 0.0], temperature=100.0).round(2)
    array([0.34, 0.33, 0.33])
    """
    z = np.asarray(logits.data if isinstance(logits, Tensor) else logits, dtype=np.float64)
    if z.ndim != 1 or z.size == 0:
        raise ShapeError(f"logits must be a non-empty 1-D vector, got shape {z.shape}")
    temperature = check_real_number(temperature, "temperature")
    if not (temperature > 0 and math.isfinite(temperature)):
        raise ValidationError(f"temperature must be a positive finite number, got {temperature}")
    scaled = z / temperature
    if top_k is not None:
        top_k = check_integer(top_k, "top_k", 1, z.size)
        dropped = np.argsort(-z, kind="stable")[top_k:]
        scaled[dropped] = -np.inf
    return activations.softmax(scaled)


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ArrayTypeError(f"{name} must be True or False, got {value!r}")
    return value


class CharTransformer(Module):
    """A causal transformer language model over the characters of a vocabulary.

    Parameters
    ----------
    vocabulary : CharVocabulary
        The characters the model reads and writes (``V = len(vocabulary)``).
    context_length : int, default 128
        The most characters the model sees at once (the rows of the position table).
    d_model : int, default 128
        The width of every character's vector.
    nhead : int, default 4
        Attention heads per block (divides ``d_model``).
    num_layers : int, default 4
        The number of transformer blocks.
    dim_feedforward : int, optional
        The hidden width of each block's feed-forward network (``4 * d_model``).
    dropout : float, default 0.0
        Dropout on the embeddings and inside the blocks during training.
    activation : {"gelu", "relu"}, default "gelu"
    norm_first : bool, default True
        Pre-norm blocks, followed by a final :class:`LayerNorm` (``norm``);
        post-norm blocks (False) end normalised and have no final norm.
    tie_weights : bool, default True
        The output layer ``head`` shares its weight with ``token_embedding``.
    dtype : {"float32", "float64"}, default "float32"

    Notes
    -----
    Parameter names: ``token_embedding.weight``, ``position_embedding.weight``,
    ``layers.<i>.*`` (those of ``torch.nn.TransformerEncoderLayer``),
    ``norm.*`` and ``head.weight`` / ``head.bias``. The embeddings and the
    untied output weight start as :math:`\\mathcal{N}(0, 0.02^2)` (GPT-2's
    choice, so the first predictions are nearly uniform), the output bias at
    zero, the blocks as PyTorch initialises them.

    Examples
    --------
    >>> from mlequations import nn
    >>> _ = nn.manual_seed(0)
    >>> vocabulary = nn.CharVocabulary.from_text("abcd")
    >>> model = nn.CharTransformer(vocabulary, context_length=8, d_model=16, nhead=2,
    ...                            num_layers=1)
    >>> model(vocabulary.encode("abca")[None]).shape
    (1, 4, 4)
    >>> model.head.weight is model.token_embedding.weight
    True
    >>> len(model.generate("ab", 5, random_state=0))
    5
    """

    def __init__(
        self,
        vocabulary: CharVocabulary,
        context_length: int = 128,
        d_model: int = 128,
        nhead: int = 4,
        num_layers: int = 4,
        dim_feedforward: int | None = None,
        dropout: float = 0.0,
        activation: str = "gelu",
        norm_first: bool = True,
        tie_weights: bool = True,
        dtype: Any = "float32",
    ) -> None:
        super().__init__()
        if not isinstance(vocabulary, CharVocabulary):
            raise ArrayTypeError(
                f"vocabulary must be a CharVocabulary, got {type(vocabulary).__name__}"
            )
        self.vocabulary = vocabulary
        self.context_length = check_integer(context_length, "context_length", 1)
        d_model = check_integer(d_model, "d_model", 1)
        num_layers = check_integer(num_layers, "num_layers", 1)
        if dim_feedforward is None:
            dim_feedforward = 4 * d_model
        self.norm_first = _check_flag(norm_first, "norm_first")
        self.tie_weights = _check_flag(tie_weights, "tie_weights")
        self.token_embedding = Embedding(len(vocabulary), d_model, dtype=dtype)
        self.position_embedding = Embedding(self.context_length, d_model, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.layers = Sequential()
        for _ in range(num_layers):
            self.layers.append(
                TransformerEncoderLayer(
                    d_model,
                    nhead,
                    dim_feedforward,
                    dropout,
                    activation,
                    norm_first=norm_first,
                    dtype=dtype,
                )
            )
        self.add_module("norm", LayerNorm(d_model, dtype=dtype) if norm_first else None)
        self.head = Linear(d_model, len(vocabulary), dtype=dtype)
        if tie_weights:
            self.head.weight = self.token_embedding.weight
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the embeddings (and an untied output weight) from N(0, 0.02²); zero the bias."""
        init.normal_(self.token_embedding.weight, std=0.02)
        init.normal_(self.position_embedding.weight, std=0.02)
        if not self.tie_weights:
            init.normal_(self.head.weight, std=0.02)
        init.zeros_(self.head.bias)

    @property
    def dtype(self) -> np.dtype:
        """The precision of the parameters."""
        return self.head.bias.dtype

    def forward(self, tokens: Any) -> Tensor:
        """The next-character logits at every position: shape ``tokens.shape + (V,)``.

        Parameters
        ----------
        tokens : int array of shape (N, T) or (T,)
            Token indices, ``T <= context_length``.
        """
        indices = np.asarray(tokens)
        single = indices.ndim == 1
        h = token_position_embedding(
            indices[None] if single else indices,
            self.token_embedding.weight,
            self.position_embedding.weight,
        )
        h = self.dropout(h)
        for block in self.layers:
            h = block(h, is_causal=True)
        if self.norm is not None:
            h = self.norm(h)
        logits = self.head(h)
        return logits[0] if single else logits

    def loss(self, inputs: Any, targets: Any) -> Tensor:
        r"""The mean cross entropy of the next characters, in nats per character.

        ``targets`` are the ``inputs`` shifted by one character (same shape).
        """
        target = np.asarray(targets)
        logits = self(inputs)
        if target.shape != logits.shape[:-1]:
            raise ShapeError(
                f"targets must have the inputs' shape {logits.shape[:-1]}, got {target.shape}"
            )
        flat = logits.reshape(-1, logits.shape[-1])
        return functional.cross_entropy(flat, target.reshape(-1))

    def generate(
        self,
        prompt: str,
        n: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        random_state: int | np.random.Generator | None = None,
    ) -> str:
        """The ``n`` characters sampled one after another to follow ``prompt``.

        Each character is drawn from :func:`next_token_probabilities` of the
        logits at the last position, given the last ``context_length``
        characters; the model is in evaluation mode (no dropout) meanwhile.

        Parameters
        ----------
        prompt : str
            At least one character, all in the vocabulary.
        n : int
            How many characters to generate (>= 0).
        temperature : float, default 1.0
            :math:`\tau > 0`.
        top_k : int, optional
            Sample only among the ``top_k`` most likely characters (1 is greedy).
        random_state : int, numpy.random.Generator or None
            Seeds the sampling; None draws from :mod:`mlequations.nn`'s default
            generator (seeded by :func:`~mlequations.nn.manual_seed`).

        Returns
        -------
        str
            The continuation alone, without the prompt.
        """
        tokens = list(self.vocabulary.encode(prompt))
        if not tokens:
            raise ValidationError("prompt must hold at least one character, got ''")
        n = check_integer(n, "n", 0)
        next_token_probabilities([0.0], temperature, None)  # checks the temperature early
        if top_k is not None:
            check_integer(top_k, "top_k", 1, len(self.vocabulary))
        if isinstance(random_state, np.random.Generator) or random_state is None:
            rng = resolve_generator(random_state)
        else:
            rng = np.random.default_rng(check_integer(random_state, "random_state", 0))
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for _ in range(n):
                    context = np.asarray(tokens[-self.context_length :])
                    logits = self(context).data[-1]
                    p = next_token_probabilities(logits, temperature, top_k)
                    tokens.append(int(rng.choice(len(p), p=p)))
        finally:
            self.train(was_training)
        return self.vocabulary.decode(np.asarray(tokens[len(tokens) - n :], dtype=np.int64))

    def extra_repr(self) -> str:
        return (
            f"vocabulary={len(self.vocabulary)}, context_length={self.context_length}, "
            f"tie_weights={self.tie_weights}"
        )
