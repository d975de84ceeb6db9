r"""Layer 1: divergences — how far one distribution is from another.

Cross-entropy, the Kullback–Leibler divergence and its closed form for two
normal distributions. Every function works on NumPy, PyTorch and any other
array-API array and returns the caller's kind. Results are in nats unless
``base`` is given (``base=2`` gives bits), with the conventions of
:mod:`mlequations.information`: :math:`0 \log 0 = 0`, and quantities that are
non-negative in exact arithmetic are clipped at 0 (never ``-1e-17`` or
``-0.0``). A divergence is ``+inf`` where ``q = 0 < p``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from mlequations._array import ShapeError, as_arrays, xlogy
from mlequations._checks import (
    check_finite,
    check_nonempty,
    check_positive,
    check_same_shape,
    normalize_axis,
)
from mlequations.information import _check_distribution, _finish, _log_of_base, _log_ratio

__all__ = [
    "cross_entropy",
    "gaussian_kl_divergence",
    "kl_divergence",
]


def _check_pair(p: Any, q: Any, xp: Any, axis: int) -> None:
    check_same_shape(p, q, "p", "q")
    _check_distribution(p, "p", xp, axis)
    _check_distribution(q, "q", xp, axis)


def cross_entropy(p: Any, q: Any, base: float | None = None, axis: int = -1) -> Any:
    r"""Cross-entropy of ``q`` relative to ``p``: the cost of coding ``P`` with ``Q``'s code.

    .. math::

        H(P, Q) = -\sum_x P(x) \log Q(x) = H(P) + D_{KL}(P \,\|\, Q)

    Parameters
    ----------
    p, q : array_like
        Distributions of the same shape, each summing to 1 along ``axis``.
        ``p`` is the true distribution (e.g. one-hot labels), ``q`` the model's.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.
    axis : int, default -1
        Axis holding the outcomes; the others are a batch.

    Returns
    -------
    array
        :math:`\ge H(P)`; ``+inf`` where some :math:`Q(x) = 0 < P(x)`.

    Raises
    ------
    ProbabilityError, ShapeError, EmptyInputError
        If either is not a distribution, or the shapes differ.

    Examples
    --------
    >>> round(float(cross_entropy([0.0, 1.0, 0.0], [0.2, 0.7, 0.1])), 4)  # -ln 0.7
    0.3567
    >>> float(cross_entropy([0.5, 0.5], [1.0, 0.0]))
    inf
    """
    scale = _log_of_base(base)
    xp, p, q = as_arrays(p, q, names=("p", "q"))
    _check_pair(p, q, xp, axis)
    return _finish(-xp.sum(xlogy(p, q, xp), axis=axis), scale, xp)


def kl_divergence(p: Any, q: Any, base: float | None = None, axis: int = -1) -> Any:
    r"""Kullback–Leibler divergence (relative entropy) of ``P`` from ``Q``.

    .. math::

        D_{KL}(P \,\|\, Q) = \sum_x P(x) \log \frac{P(x)}{Q(x)}

    Terms with :math:`P(x) = 0` are 0 (whatever :math:`Q(x)` is); a term with
    :math:`Q(x) = 0 < P(x)` is ``+inf``. Each term is computed as
    :math:`P \log(P/Q)`, so nearly equal distributions keep full relative accuracy.

    Parameters
    ----------
    p, q : array_like
        Distributions of the same shape, each summing to 1 along ``axis``.
    base : float, optional
        Logarithm base; ``None`` gives nats, ``2`` gives bits.
    axis : int, default -1
        Axis holding the outcomes; the others are a batch.

    Returns
    -------
    array
        :math:`\ge 0`, exactly 0 when ``p`` equals ``q``. Not symmetric.

    Raises
    ------
    ProbabilityError, ShapeError, EmptyInputError
        If either is not a distribution, or the shapes differ.

    Examples
    --------
    >>> round(float(kl_divergence([0.7, 0.3], [0.5, 0.5])), 4)
    0.0823
    >>> float(kl_divergence([0.5, 0.5], [1.0, 0.0]))
    inf
    """
    scale = _log_of_base(base)
    xp, p, q = as_arrays(p, q, names=("p", "q"))
    _check_pair(p, q, xp, axis)
    terms = p * _log_ratio(p, q, xp)
    terms = xp.where((p > 0) & (q == 0), xp.full_like(terms, math.inf), terms)
    return _finish(xp.sum(terms, axis=axis), scale, xp)


def gaussian_kl_divergence(
    mu_p: Any, var_p: Any, mu_q: Any, var_q: Any, axis: int | tuple[int, ...] | None = None
) -> Any:
    r"""KL divergence between two normal distributions in closed form (nats).

    .. math::

        D_{KL}\big(\mathcal N(\mu_p, \sigma_p^2) \,\|\, \mathcal N(\mu_q, \sigma_q^2)\big)
        = \frac12 \left( \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}{\sigma_q^2}
          - 1 - \log \frac{\sigma_p^2}{\sigma_q^2} \right)

    This is the regulariser of a VAE's ELBO with :math:`\mu_q = 0, \sigma_q^2 = 1`.
    The arguments broadcast together; each element is one independent coordinate
    of a diagonal Gaussian, and summing over coordinates gives the full KL.

    Parameters
    ----------
    mu_p, var_p, mu_q, var_q : array_like
        Means (finite) and variances (finite, positive), broadcastable together.
    axis : int or tuple of int, optional
        Axes to sum over (e.g. the latent dimension). ``None`` (default) returns the
        elementwise divergences without summing.

    Returns
    -------
    array
        :math:`\ge 0`, exactly 0 where both Gaussians agree; ``+inf`` (without a
        warning) where the divergence exceeds the largest float of the dtype.

    Raises
    ------
    EmptyInputError
        If an argument is empty.
    NonFiniteError, ValidationError
        If an argument is NaN/infinite or a variance is not positive.
    ShapeError
        If the shapes do not broadcast, or ``axis`` is out of range or repeats an axis.

    Examples
    --------
    >>> round(float(gaussian_kl_divergence(1.0, 0.5, 0.0, 1.0)), 4)
    0.5966
    >>> round(float(gaussian_kl_divergence([1.0, 0.0], [0.5, 1.0], 0.0, 1.0, axis=-1)), 4)
    0.5966
    """
    names = ("mu_p", "var_p", "mu_q", "var_q")
    xp, mu_p, var_p, mu_q, var_q = as_arrays(mu_p, var_p, mu_q, var_q, names=names)
    arrays = (mu_p, var_p, mu_q, var_q)
    for name, array in zip(names, arrays, strict=True):
        check_nonempty(array, name)
        check_finite(array, name, xp)
        if name.startswith("var"):
            check_positive(array, name, xp)
    shapes = [tuple(int(d) for d in a.shape) for a in arrays]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError as error:
        raise ShapeError(
            f"mu_p, var_p, mu_q and var_q must broadcast together, got shapes {shapes}"
        ) from error
    axes = None if axis is None else _summed_axes(axis, len(shape))
    # Only a divergence beyond the largest float overflows; it is +inf, without a warning.
    with np.errstate(over="ignore"):
        divergence = _half_variance_term(var_p, var_q, xp)
        # (d / sigma_q)^2 / 2 as (x / 2) * x: no intermediate overflows unless the result does.
        scaled_gap = (mu_p - mu_q) / xp.sqrt(var_q)
        divergence = divergence + (0.5 * scaled_gap) * scaled_gap
        if axes is not None:
            divergence = xp.sum(divergence, axis=axes)
    return _finish(divergence, 1.0, xp)


def _half_variance_term(var_p: Any, var_q: Any, xp: Any) -> Any:
    """``(r - 1 - log r) / 2`` for ``r = var_p / var_q``, accurate near ``r = 1``."""
    # Near r = 1 the terms cancel; log1p of the relative change does not. Each branch
    # gets harmless inputs where ``where`` discards it, so neither it nor its
    # gradient can overflow there (a discarded inf still makes a nan gradient).
    near = xp.abs(var_p - var_q) < 0.5 * var_q
    zero, one = xp.zeros_like(near, dtype=var_q.dtype), xp.ones_like(near, dtype=var_q.dtype)
    change = xp.where(near, var_p - var_q, zero) / xp.where(near, var_q, one)
    close = 0.5 * (change - xp.log1p(change))
    # Halving var_p before dividing keeps r / 2 finite whenever it is representable.
    far = (0.5 * var_p) / var_q - 0.5 - 0.5 * (xp.log(var_p) - xp.log(var_q))
    return xp.where(near, close, far)


def _summed_axes(axis: int | tuple[int, ...], ndim: int) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    axes = tuple(normalize_axis(a, ndim) for a in axes)
    if len(set(axes)) != len(axes):
        raise ShapeError(f"axis must not repeat an axis, got {axis!r}")
    return axes
