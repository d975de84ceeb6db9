r"""Layer 1: the neuron and its activation functions.

A neuron forms a weighted sum of its inputs plus a bias and passes it through a
non-linear activation; without that non-linearity any stack of layers would
collapse into a single linear map. Every function here is array-API generic
(NumPy, PyTorch with autograd, array-api-strict, ...), keeps float32 as float32
and is numerically stable at the edges. Their derivatives live in
:mod:`mlequations.activation_derivatives`.

Edge values, common to the element-wise activations
---------------------------------------------------
* NaN propagates (NaN in, NaN out, as in NumPy and PyTorch).
* ``±inf`` gives the limit of the function (``sigmoid(-inf) = 0``,
  ``swish(-inf) = 0``, ``relu(inf) = inf``), without warnings.
* An empty array gives an empty array; a reduction (softmax) raises
  :class:`~mlequations.EmptyInputError` instead.
* Strings, complex numbers and other non-numeric input raise
  :class:`~mlequations.ArrayTypeError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from mlequations._array import (
    ArrayTypeError,
    ShapeError,
    ValidationError,
    as_arrays,
    erf,
    native,
)
from mlequations._checks import check_nonempty, check_real_number
from mlequations.softmax import log_softmax, softmax

__all__ = [
    "ACTIVATIONS",
    "gelu",
    "leaky_relu",
    "log_softmax",
    "neuron",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "swish",
    "tanh",
]

#: sqrt(2 / pi), the constant of the tanh approximation of GELU.
GELU_TANH_SCALE = math.sqrt(2.0 / math.pi)
#: The cubic coefficient of the tanh approximation of GELU.
GELU_TANH_CUBIC = 0.044715
#: Beyond |x| = 100 the tanh in the GELU approximation is exactly ±1 in float32 and float64.
GELU_TANH_CLIP = 100.0


# --------------------------------------------------------------------------- shared helpers


def _check_parameter(value: Any, name: str, low: float, high: float = math.inf) -> float:
    """A finite real Python number in [low, high], returned as a float (so float32 stays)."""
    value = check_real_number(value, name)
    if not (math.isfinite(value) and low <= value <= high):
        raise ValidationError(f"{name} must be a finite number in [{low}, {high}], got {value}")
    return value


def _with_limits(
    xp: Any, x: Any, compute: Callable[[Any], Any], at_inf: float, at_minus_inf: float
) -> Any:
    """Evaluate ``compute`` on the finite entries and put the known limits at ``±inf``.

    Products such as ``x * sigmoid(x)`` are ``inf * 0`` at ``x = -inf``; evaluating
    them on a copy with the infinities replaced by 0 keeps the computation free of
    warnings and NaN, and autograd sees only finite values.
    """
    infinite = xp.isinf(x)
    value = compute(xp.where(infinite, xp.zeros_like(x), x))
    value = xp.where(x == math.inf, xp.full_like(value, at_inf), value)
    return xp.where(x == -math.inf, xp.full_like(value, at_minus_inf), value)


def _saturated(xp: Any, z: Any, beta: float) -> Any:
    """``z`` clipped where ``beta * z`` would overflow; the sigmoid is already 0 or 1 there."""
    if beta <= 1.0:
        return z
    bound = 0.5 * float(xp.finfo(z.dtype).max) / beta
    return xp.clip(z, -bound, bound)


# --------------------------------------------------------------------------- activations


def sigmoid(x: Any) -> Any:
    r"""The logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`, squashing into (0, 1).

    .. math::

        \sigma(x) = \frac{1}{1 + e^{-x}} =
        \begin{cases} \dfrac{1}{1 + e^{-|x|}} & x \ge 0 \\[1ex]
        \dfrac{e^{-|x|}}{1 + e^{-|x|}} & x < 0 \end{cases}

    Only :math:`e^{-|x|} \in (0, 1]` is ever computed, so nothing overflows:
    ``sigmoid(1000) = 1`` and ``sigmoid(-1000) = 0`` exactly, without warnings.

    Parameters
    ----------
    x : array_like

    Returns
    -------
    array, same shape and dtype as ``x``
        Values in [0, 1] (0 and 1 only where the true value rounds to them).

    Examples
    --------
    >>> sigmoid([0.0, 2.0, 1000.0, -1000.0]).round(4)
    array([0.5   , 0.8808, 1.    , 0.    ])
    """
    xp, x = as_arrays(x, names=("x",))
    positive = x >= 0
    decay = xp.exp(xp.where(positive, -x, x))  # e^{-|x|}, with the right gradient at 0
    # σ(x) = 1 / (1 + e^{-x}) for x ≥ 0 and e^{x} / (1 + e^{x}) below: never overflows.
    return native(xp, xp.where(positive, xp.ones_like(decay), decay) / (1 + decay))


def tanh(x: Any) -> Any:
    r"""The hyperbolic tangent, a zero-centred squashing into (-1, 1).

    .. math::

        \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\sigma(2x) - 1

    Computed by the namespace's own ``tanh``, which never overflows
    (``tanh(±1000) = ±1``).

    Parameters
    ----------
    x : array_like

    Returns
    -------
    array, same shape and dtype as ``x``

    Examples
    --------
    >>> tanh([0.0, 1.0, -1000.0]).round(4)
    array([ 0.    ,  0.7616, -1.    ])
    """
    xp, x = as_arrays(x, names=("x",))
    return native(xp, xp.tanh(x))


def relu(x: Any) -> Any:
    r"""The rectified linear unit :math:`\max(0, x)`.

    .. math::

        \operatorname{ReLU}(x) = \max(0, x)

    NaN propagates (``relu(nan) = nan``, as in PyTorch).

    Parameters
    ----------
    x : array_like

    Returns
    -------
    array, same shape and dtype as ``x``

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0]).tolist()
    [0.0, 0.0, 3.0]
    """
    xp, x = as_arrays(x, names=("x",))
    return native(xp, xp.clip(x, min=0.0))  # one pass, NaN kept; far faster than a where


def leaky_relu(x: Any, alpha: float = 0.01) -> Any:
    r"""The leaky ReLU :math:`\max(\alpha x, x)`: a small slope instead of 0 for negatives.

    .. math::

        \operatorname{LeakyReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0
        \end{cases} = \max(\alpha x, x), \qquad 0 \le \alpha \le 1

    Parameters
    ----------
    x : array_like
    alpha : float, default 0.01
        The slope for negative inputs, in [0, 1] (0 gives the plain ReLU).

    Raises
    ------
    ValidationError
        If ``alpha`` is not a finite number in [0, 1].

    Examples
    --------
    >>> leaky_relu([-2.0, 0.0, 3.0], alpha=0.1).tolist()
    [-0.2, 0.0, 3.0]
    """
    xp, x = as_arrays(x, names=("x",))
    alpha = _check_parameter(alpha, "alpha", 0.0, 1.0)
    at_minus_inf = -math.inf if alpha > 0 else 0.0
    value = _with_limits(xp, x, lambda z: xp.where(z > 0, z, alpha * z), math.inf, at_minus_inf)
    return native(xp, value)


def swish(x: Any, beta: float = 1.0) -> Any:
    r"""Swish, :math:`x \, \sigma(\beta x)`: the input gated by its own sigmoid.

    .. math::

        \operatorname{swish}_\beta(x) = x \, \sigma(\beta x) = \frac{x}{1 + e^{-\beta x}}

    With :math:`\beta = 1` this is the SiLU (:func:`silu` is the same function).
    Limits: ``swish(inf) = inf``; ``swish(-inf) = 0`` for :math:`\beta > 0`.
    For :math:`\beta > 1` the gate's argument is taken of ``x`` clipped where
    :math:`\beta x` would overflow (the gate is exactly 0 or 1 there).

    Parameters
    ----------
    x : array_like
    beta : float, default 1.0
        The sharpness of the gate, >= 0 (0 gives ``x / 2``; large values approach ReLU).

    Raises
    ------
    ValidationError
        If ``beta`` is negative or not finite.

    Examples
    --------
    >>> swish([-1.0, 0.0, 1.0]).round(4)
    array([-0.2689,  0.    ,  0.7311])
    """
    xp, x = as_arrays(x, names=("x",))
    beta = _check_parameter(beta, "beta", 0.0)
    at_minus_inf = 0.0 if beta > 0 else -math.inf
    value = _with_limits(
        xp, x, lambda z: z * sigmoid(beta * _saturated(xp, z, beta)), math.inf, at_minus_inf
    )
    return native(xp, value)


silu = swish


def _gelu_approximate(approximate: Any) -> bool:
    if isinstance(approximate, bool):
        return approximate
    if approximate in ("none", "tanh"):  # PyTorch's spelling
        return approximate == "tanh"
    raise ValidationError(f"approximate must be True, False, 'none' or 'tanh', got {approximate!r}")


def gelu(x: Any, approximate: bool | str = False) -> Any:
    r"""The Gaussian error linear unit :math:`x \, \Phi(x)`, exact or by its tanh approximation.

    .. math::

        \operatorname{GELU}(x) = x \, \Phi(x)
        = \frac{x}{2} \left(1 + \operatorname{erf}\!\left(\frac{x}{\sqrt{2}}\right)\right)
        \approx \frac{x}{2} \left(1 + \tanh\!\left(\sqrt{2/\pi}\,
        \left(x + 0.044715\,x^{3}\right)\right)\right)

    :math:`\Phi` is the standard normal CDF: the input is kept with the
    probability that a standard normal variable lies below it.

    Parameters
    ----------
    x : array_like
    approximate : bool or {"none", "tanh"}, default False
        False (``"none"``) uses the exact erf form; True (``"tanh"``) the tanh
        approximation of BERT and GPT-2. The cube is taken on ``x`` clipped to
        ±100, where the tanh is already exactly ±1, so it never overflows.

    Returns
    -------
    array, same shape and dtype as ``x``
        ``gelu(inf) = inf``, ``gelu(-inf) = 0``. In the left tail ``1 + erf``
        cancels, so below about x = -5 the exact form is accurate to ~1e-16 in
        absolute rather than relative terms (as in PyTorch).

    Examples
    --------
    >>> gelu([-1.0, 0.0, 1.0]).round(4)
    array([-0.1587,  0.    ,  0.8413])
    >>> gelu([1.0], approximate=True).round(4)
    array([0.8412])
    """
    xp, x = as_arrays(x, names=("x",))
    if _gelu_approximate(approximate):

        def compute(z: Any) -> Any:
            clipped = xp.clip(z, -GELU_TANH_CLIP, GELU_TANH_CLIP)
            inner = GELU_TANH_SCALE * (clipped + GELU_TANH_CUBIC * clipped**3)
            return 0.5 * z * (1 + xp.tanh(inner))

    else:

        def compute(z: Any) -> Any:
            return 0.5 * z * (1 + erf(z / math.sqrt(2.0), xp))

    return native(xp, _with_limits(xp, x, compute, math.inf, 0.0))


# --------------------------------------------------------------------------- the neuron

#: The activations :func:`neuron` accepts by name.
ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "swish": swish,
    "silu": silu,
    "gelu": gelu,
    "identity": lambda z: z,
}


def neuron(x: Any, w: Any, b: Any, activation: str | Callable[[Any], Any] = "sigmoid") -> Any:
    r"""The output of one neuron: an activation of the weighted sum of its inputs plus a bias.

    .. math::

        a = f\left(b + \sum_{i=1}^{n} w_i x_i\right)

    Parameters
    ----------
    x : array_like, shape (n,) or (..., n)
        One input vector, or a batch whose last axis holds the n inputs.
    w : array_like, shape (n,)
        The weights.
    b : float or 0-d array
        The bias (:math:`w_0` in some texts).
    activation : str or callable, default "sigmoid"
        A name from :data:`ACTIVATIONS` (``"sigmoid"``, ``"tanh"``, ``"relu"``,
        ``"leaky_relu"``, ``"swish"``, ``"silu"``, ``"gelu"``, ``"identity"``)
        or any function of one array.

    Returns
    -------
    array, shape () or (...)

    Raises
    ------
    ShapeError
        If ``w`` is not 1-D, ``x``'s last axis does not match it, or ``b`` is not a scalar.
    EmptyInputError
        If there are no inputs.
    ValidationError
        If ``activation`` is an unknown name.

    Examples
    --------
    >>> round(float(neuron([1.0, 2.0], [0.5, 1.0], -0.5)), 4)
    0.8808
    >>> neuron([[1.0, 2.0], [-1.0, 0.0]], [0.5, 1.0], -0.5, activation="relu").tolist()
    [2.0, 0.0]
    """
    xp, x, w, b = as_arrays(x, w, b, names=("x", "w", "b"))
    if w.ndim != 1:
        raise ShapeError(f"w must be a vector of weights, got shape {tuple(w.shape)}")
    check_nonempty(w, "w")
    if x.ndim == 0 or x.shape[-1] != w.shape[0]:
        raise ShapeError(
            f"x must have {w.shape[0]} entries along its last axis (one per weight), "
            f"got shape {tuple(x.shape)}"
        )
    if b.ndim != 0:
        raise ShapeError(f"b must be a single number, got shape {tuple(b.shape)}")
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValidationError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        activation = ACTIVATIONS[activation]
    elif not callable(activation):
        raise ArrayTypeError(
            f"activation must be a name or a callable, got {type(activation).__name__}"
        )
    return native(xp, activation(b + xp.vecdot(x, w)))
