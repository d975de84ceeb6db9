r"""Embedding lookup: :func:`embedding` (one fused node) and the :class:`Embedding` layer.

An embedding is a table :math:`W` of shape ``(num_embeddings, embedding_dim)``
whose row :math:`i` is the learned vector of token :math:`i`. Looking up is
indexing, and the gradient of a row is the sum of the upstream gradients of
every position that used it:

.. math::

    y_{\ldots} = W_{i_{\ldots}}, \qquad
    \bar{W}_k = \sum_{\ldots : i_{\ldots} = k} \bar{y}_{\ldots}

(a scatter-add, :func:`numpy.add.at`, so a repeated index counts every time).
The lookup is the same as multiplying one-hot rows by :math:`W`, without
building them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_integer
from mlequations.autodiff import Tensor, record
from mlequations.nn import init
from mlequations.nn.module import Module
from mlequations.nn.parameter import Parameter, resolve_dtype

__all__ = ["Embedding", "embedding"]


def _indices(input: Any, num_embeddings: int) -> np.ndarray:
    if isinstance(input, Tensor):
        raise ArrayTypeError(
            "input must be an integer array of indices, got a Tensor (float); pass the "
            "index array itself, e.g. np.array([0, 2])"
        )
    indices = np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise ArrayTypeError(
            f"input must be an integer array of indices, got dtype {indices.dtype}"
        )
    outside = (indices < 0) | (indices >= num_embeddings)
    if outside.any():
        raise ValidationError(
            f"input must hold indices in [0, {num_embeddings - 1}], got {indices[outside][0]}"
        )
    return indices


def embedding(input: Any, weight: Tensor) -> Tensor:
    """The rows of ``weight`` at the integer ``input``: shape ``input.shape + (embedding_dim,)``.

    Examples
    --------
    >>> table = Tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], requires_grad=True)
    >>> out = embedding(np.array([2, 0, 2]), table)
    >>> out.data.tolist()
    [[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]]
    >>> out.sum().backward()
    >>> table.grad.tolist()
    [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = weight.shape if isinstance(weight, Tensor) else type(weight).__name__
        raise ShapeError(
            f"weight must be a 2-D Tensor (num_embeddings, embedding_dim), got {shape}"
        )
    indices = _indices(input, weight.shape[0])

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.zeros_like(weight.data)
        np.add.at(grad, indices.reshape(-1), g.reshape(-1, weight.shape[1]))
        return (grad,)

    return record("embedding", np.take(weight.data, indices, axis=0), (weight,), backward)


class Embedding(Module):
    """A lookup table of ``num_embeddings`` learned vectors of size ``embedding_dim``.

    The ``weight`` starts as draws from :math:`\\mathcal{N}(0, 1)`, as in
    ``torch.nn.Embedding``; the input is an integer array of indices.

    Parameters
    ----------
    num_embeddings : int
        The number of rows (the vocabulary size).
    embedding_dim : int
        The length of each vector.
    dtype : {"float32", "float64"}, default "float32"

    Examples
    --------
    >>> layer = Embedding(10, 3)
    >>> layer
    Embedding(10, 3)
    >>> layer(np.array([[1, 2], [3, 4]])).shape
    (2, 2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype: Any = "float32") -> None:
        super().__init__()
        self.num_embeddings = check_integer(num_embeddings, "num_embeddings", 1)
        self.embedding_dim = check_integer(embedding_dim, "embedding_dim", 1)
        shape = (self.num_embeddings, self.embedding_dim)
        self.weight = Parameter(np.empty(shape, dtype=resolve_dtype(dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the table again from :math:`\\mathcal{N}(0, 1)` (the default generator)."""
        init.normal_(self.weight)

    def forward(self, input: Any) -> Tensor:
        return embedding(input, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
