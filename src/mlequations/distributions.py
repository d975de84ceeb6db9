r"""Layer 1: distributions — Gaussian, Bernoulli and categorical, and one-hot codes.

The density (and log density) of the normal distribution, the probability mass
of Bernoulli and categorical variables, and the one-hot encoding of class labels.

Every function accepts NumPy arrays or any array-API array (PyTorch,
array-api-strict, ...) and returns the caller's kind; Python lists and scalars
become float64 NumPy arrays.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import array_api_compat

from mlequations._array import ShapeError, ValidationError, as_arrays, native
from mlequations._checks import (
    broadcast_together,
    check_class_labels,
    check_finite,
    check_in_range,
    check_integer,
    check_nonempty,
    check_positive,
    check_probability,
    first_where,
)

__all__ = [
    "bernoulli_pmf",
    "categorical_pmf",
    "gaussian_log_pdf",
    "gaussian_pdf",
    "one_hot",
]

_LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- helpers


def _parameter_and_outcomes(parameter: Any, name: str, outcomes: Any) -> tuple[Any, Any, Any]:
    """Convert a pmf's parameter and its outcomes to one namespace and dtype.

    When the parameter is a floating array its dtype wins, so integer outcomes
    (labels) do not upcast a float32 parameter to float64.
    """
    xp, converted, labels = as_arrays(parameter, outcomes, names=(name, "x"))
    dtype = getattr(parameter, "dtype", None)
    if dtype is not None and xp.isdtype(dtype, "real floating") and converted.dtype != dtype:
        converted, labels = xp.astype(converted, dtype), xp.astype(labels, dtype)
    return xp, converted, labels


def _indicator(xp: Any, labels: Any, num_classes: int) -> Any:
    classes = xp.arange(num_classes, dtype=labels.dtype, device=array_api_compat.device(labels))
    return xp.astype(xp.expand_dims(labels, axis=-1) == classes, labels.dtype)


# --------------------------------------------------------------------------- Gaussian


def gaussian_log_pdf(x: Any, mean: Any = 0.0, var: Any = 1.0) -> Any:
    r"""Log density of the normal distribution :math:`N(\mu, \sigma^2)`.

    .. math::

        \log N(x \mid \mu, \sigma^2) = -\tfrac12 \log(2\pi\sigma^2) - \frac{(x-\mu)^2}{2\sigma^2}

    Finite wherever the value fits in the dtype (no underflow, unlike the
    density itself); :math:`-\infty`, without a warning, where
    :math:`(x-\mu)^2 / 2\sigma^2` exceeds the largest float (e.g.
    ``gaussian_log_pdf(1e200)`` in float64).

    Parameters
    ----------
    x, mean : array_like
        Points and means, finite; broadcast together with ``var``.
    var : array_like
        The variance :math:`\sigma^2 > 0` (not the standard deviation).

    Returns
    -------
    array
        The log density, in the broadcast shape.

    Raises
    ------
    ValidationError
        If ``var`` is not positive, or a value is NaN or infinite.

    Examples
    --------
    >>> round(float(gaussian_log_pdf(0.0)), 6)
    -0.918939
    """
    xp, x, mean, var = as_arrays(x, mean, var, names=("x", "mean", "var"))
    for array, name in ((x, "x"), (mean, "mean"), (var, "var")):
        check_nonempty(array, name)
        check_finite(array, name, xp)
    check_positive(var, "var", xp)
    x, mean, var = broadcast_together((x, mean, var), ("x", "mean", "var"), xp)
    info = xp.finfo(x.dtype)
    # Halving is exact (but for subnormals, where the error is far below sigma), so
    # x - mean cannot overflow; z = |x - mean| / sigma is only formed where z^2 / 2
    # fits in the dtype, and the log density is -inf beyond.
    half_gap = xp.abs(0.5 * x - 0.5 * mean)
    half_sigma = 0.5 * xp.sqrt(var)
    limit = math.sqrt(2.0) * math.sqrt(float(info.max)) * (1.0 - 8.0 * float(info.eps))
    beyond = half_gap / limit > half_sigma
    z = xp.where(beyond, xp.zeros_like(half_gap), half_gap) / half_sigma
    log_density = -0.5 * (_LOG_2PI + xp.log(var)) - (0.5 * z) * z
    return native(xp, xp.where(beyond, xp.full_like(log_density, -math.inf), log_density))


def gaussian_pdf(x: Any, mean: Any = 0.0, var: Any = 1.0) -> Any:
    r"""Density of the normal distribution :math:`N(\mu, \sigma^2)`, via its logarithm.

    .. math::

        N(x \mid \mu, \sigma^2) = \frac{1}{\sqrt{2\pi\sigma^2}}
        \exp\!\left(-\frac{(x-\mu)^2}{2\sigma^2}\right)

    Computed as ``exp(gaussian_log_pdf(...))``: far tails underflow cleanly to
    0, and a tiny variance gives a large finite peak, never inf/inf.

    Parameters
    ----------
    x, mean : array_like
        Points and means, finite; broadcast together with ``var``.
    var : array_like
        The variance :math:`\sigma^2 > 0` (not the standard deviation).

    Returns
    -------
    array
        The density, in the broadcast shape.

    Raises
    ------
    ValidationError
        If ``var`` is not positive, or a value is NaN or infinite.

    Examples
    --------
    >>> round(float(gaussian_pdf(1.0, mean=1.0, var=4.0)), 6)
    0.199471
    """
    log_density = gaussian_log_pdf(x, mean, var)
    xp = array_api_compat.array_namespace(log_density)
    return native(xp, xp.exp(log_density))


# --------------------------------------------------------------------------- discrete distributions


def bernoulli_pmf(x: Any, p: Any) -> Any:
    r"""Probability mass of a Bernoulli variable.

    .. math::

        \mathrm{Bern}(x \mid p) = p^x (1 - p)^{1 - x}, \qquad x \in \{0, 1\}

    Computed exactly as :math:`p` where :math:`x = 1` and :math:`1 - p` where
    :math:`x = 0` (no :math:`0^0`).

    Parameters
    ----------
    x : array_like
        Outcomes, each 0 or 1.
    p : array_like
        :math:`P(x = 1)` in [0, 1]; broadcasts against ``x``.

    Returns
    -------
    array
        The probabilities, in the broadcast shape and the dtype of ``p``.

    Raises
    ------
    ValidationError
        If an outcome is not 0 or 1, or ``p`` lies outside [0, 1].

    Examples
    --------
    >>> bernoulli_pmf([0, 1], 0.45)
    array([0.55, 0.45])
    """
    xp, p, x = _parameter_and_outcomes(p, "p", x)
    check_nonempty(x, "x")
    check_finite(x, "x", xp)
    not_binary = (x != 0) & (x != 1)
    if bool(xp.any(not_binary)):
        raise ValidationError(f"x must be 0 or 1, got {first_where(x, not_binary, xp):.6g}")
    check_nonempty(p, "p")
    check_finite(p, "p", xp)
    check_in_range(p, "p", 0.0, 1.0, xp)
    x, p = broadcast_together((x, p), ("x", "p"), xp)
    return native(xp, xp.where(x == 1, p, 1.0 - p))


def categorical_pmf(x: Any, q: Any, encoding: Literal["index", "one_hot"] = "index") -> Any:
    r"""Probability mass of a categorical (multinoulli) variable.

    .. math::

        \mathrm{Cat}(x \mid q) = q_x = \prod_{k=0}^{C-1} q_k^{\mathbb{1}(x = k)}

    Parameters
    ----------
    x : array_like
        Categories: integer labels in [0, C-1] (``encoding="index"``) or one-hot
        vectors along the last axis (``encoding="one_hot"``).
    q : array_like, shape (..., C)
        Class probabilities summing to 1 along the last axis; broadcasts against x.
    encoding : {"index", "one_hot"}
        How ``x`` is written (explicit, since ``[0, 1]`` could be either).

    Returns
    -------
    array
        :math:`q_x` for each outcome, in the dtype of ``q``.

    Raises
    ------
    ValidationError
        For a label that is not an integer in [0, C-1], or a vector that is not one-hot.

    Examples
    --------
    >>> categorical_pmf([2, 0], [0.1, 0.2, 0.7])
    array([0.7, 0.1])
    >>> float(categorical_pmf([0, 0, 1], [0.1, 0.2, 0.7], encoding="one_hot"))
    0.7
    """
    xp, q, x = _parameter_and_outcomes(q, "q", x)
    if q.ndim == 0:
        raise ShapeError("q must have a last axis over the C classes, got a scalar")
    check_probability(q, "q", xp, axis=-1)
    num_classes = int(q.shape[-1])
    if encoding == "index":
        check_nonempty(x, "x")
        check_class_labels(x, "x", num_classes, xp)
        # Report a mismatch in the shapes the caller wrote, not in the one-hot shape.
        broadcast_together((x, q[..., 0]), ("x", "q without its class axis"), xp)
        indicator = _indicator(xp, x, num_classes)
    elif encoding == "one_hot":
        check_nonempty(x, "x")
        if x.ndim == 0 or x.shape[-1] != num_classes:
            raise ShapeError(
                f"x must be one-hot vectors of length {num_classes} along its last axis, "
                f"got shape {tuple(x.shape)}"
            )
        check_finite(x, "x", xp)
        if bool(xp.any((x != 0) & (x != 1))) or bool(xp.any(xp.sum(x, axis=-1) != 1)):
            raise ValidationError("x must be one-hot: 0/1 entries with exactly one 1 per vector")
        indicator = x
    else:
        raise ValidationError(f"encoding must be 'index' or 'one_hot', got {encoding!r}")
    indicator, q = broadcast_together((indicator, q), ("x", "q"), xp)
    return native(xp, xp.sum(indicator * q, axis=-1))


def one_hot(labels: Any, num_classes: int) -> Any:
    r"""One-hot encoding of integer class labels, as a float array.

    .. math::

        \mathrm{onehot}(t)_k = \mathbb{1}(t = k), \qquad k = 0, \dots, C-1

    Parameters
    ----------
    labels : array_like of int
        Class labels in [0, ``num_classes`` - 1]; integer-valued floats are accepted.
    num_classes : int
        The number of classes :math:`C \geq 1`.

    Returns
    -------
    array, shape ``labels.shape + (num_classes,)``
        float64 for integer labels, else the labels' floating dtype.

    Raises
    ------
    ValidationError
        For a non-integer label or a label outside [0, C-1].

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    num_classes = check_integer(num_classes, "num_classes", 1)
    xp, labels = as_arrays(labels, names=("labels",))
    check_nonempty(labels, "labels")
    check_class_labels(labels, "labels", num_classes, xp)
    return native(xp, _indicator(xp, labels, num_classes))
