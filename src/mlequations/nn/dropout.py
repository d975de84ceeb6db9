r"""The :class:`Dropout` layer: random zeroing during training, the identity at evaluation.

Each entry is kept with probability :math:`1 - p` and scaled by
:math:`1/(1-p)` (inverted dropout, :func:`mlequations.nn.functional.dropout`),
so the expected output equals the input and evaluation needs no rescaling.
"""

from __future__ import annotations

from typing import Any

from mlequations._array import ValidationError
from mlequations._checks import check_real_number
from mlequations.autodiff import Tensor
from mlequations.nn import functional
from mlequations.nn.module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each entry with probability ``p`` while ``training``; identity after ``eval()``.

    The masks come from the default generator of :mod:`mlequations.nn.random`
    (seed it with :func:`mlequations.nn.manual_seed`).

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dropout(0.25).eval()
    >>> layer(np.ones(3)).data
    array([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        p = check_real_number(p, "p")
        if not 0.0 <= p <= 1.0:
            raise ValidationError(f"p must be a probability in [0, 1], got {p}")
        self.p = p

    def forward(self, input: Any) -> Tensor:
        return functional.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
