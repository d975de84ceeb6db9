r"""Layer 1: the derivatives of the activation functions, the local gradients of backpropagation.

Every function takes the *input* ``x`` of the activation (the pre-activation,
not its output) and returns :math:`f'(x)` element-wise, or the full Jacobian
matrix for the softmax and the log-softmax. Like the activations they are array-API generic, keep
float32, propagate NaN and give the limits at ``±inf``.

Where a function has a kink (ReLU and leaky ReLU at 0) the value there follows
PyTorch's autograd: the derivative of the left piece.
"""

from __future__ import annotations

import math
from typing import Any

from array_api_compat import device

from mlequations._array import as_arrays, erf, native
from mlequations.activations import (
    GELU_TANH_CLIP,
    GELU_TANH_CUBIC,
    GELU_TANH_SCALE,
    _check_parameter,
    _gelu_approximate,
    _saturated,
    _with_limits,
    sigmoid,
    softmax,
)

__all__ = [
    "gelu_derivative",
    "leaky_relu_derivative",
    "log_softmax_jacobian",
    "relu_derivative",
    "sigmoid_derivative",
    "silu_derivative",
    "softmax_jacobian",
    "swish_derivative",
    "tanh_derivative",
]

#: For |x| >= 400 the derivative of tanh, 4 e^{-2|x|}, is 0 in float64 (and in float32).
TANH_DERIVATIVE_CLIP = 400.0
#: For |x| >= 40 the Gaussian density term x·φ(x) of the GELU derivative is 0 in float64.
GELU_DENSITY_CLIP = 40.0


def _bell(xp: Any, exponent: Any) -> Any:
    """:math:`e / (1 + e)^2` with :math:`e = e^{-|t|}`: sigma'(t), overflow-free in both tails."""
    decay = xp.exp(xp.where(exponent >= 0, -exponent, exponent))
    return decay / (1 + decay) ** 2


def sigmoid_derivative(x: Any) -> Any:
    r"""The derivative of the sigmoid, :math:`\sigma'(x) = \sigma(x)(1 - \sigma(x))`.

    .. math::

        \sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr) = \frac{e^{-|x|}}{(1 + e^{-|x|})^{2}}

    The right-hand form keeps full relative accuracy in the tails (where
    :math:`1 - \sigma(x)` would round to 0) and never overflows. The maximum is
    1/4 at 0; the derivative vanishes for large :math:`|x|`, the root of the
    vanishing-gradient problem.

    Parameters
    ----------
    x : array_like

    Returns
    -------
    array, same shape and dtype as ``x``

    Examples
    --------
    >>> sigmoid_derivative([0.0, 2.0, -1000.0]).round(4)
    array([0.25 , 0.105, 0.   ])
    """
    xp, x = as_arrays(x, names=("x",))
    return native(xp, _bell(xp, x))


def tanh_derivative(x: Any) -> Any:
    r"""The derivative of tanh, :math:`1 - \tanh^2(x) = \operatorname{sech}^2(x)`.

    .. math::

        \tanh'(x) = 1 - \tanh^{2}(x) = \frac{4 e^{-2|x|}}{(1 + e^{-2|x|})^{2}}

    The exponential form is exact in the tails and never overflows (``x`` is
    clipped to ±400 first, where the value is already 0, so ``2x`` cannot
    overflow either). The maximum is 1 at 0.

    Parameters
    ----------
    x : array_like

    Returns
    -------
    array, same shape and dtype as ``x``

    Examples
    --------
    >>> tanh_derivative([0.0, 1.0, 1000.0]).round(4)
    array([1.   , 0.42, 0.   ])
    """
    xp, x = as_arrays(x, names=("x",))
    # Beyond |x| = TANH_DERIVATIVE_CLIP the value 4 e^{-2|x|} is 0 in every dtype; clipping
    # first keeps 2x from overflowing for |x| near the largest float.
    clipped = xp.clip(x, -TANH_DERIVATIVE_CLIP, TANH_DERIVATIVE_CLIP)
    return native(xp, 4 * _bell(xp, 2 * clipped))


def relu_derivative(x: Any) -> Any:
    r"""The derivative of ReLU: 1 for positive inputs, 0 otherwise.

    .. math::

        \operatorname{ReLU}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    ReLU has no derivative at 0; like PyTorch we use 0 there. NaN propagates.

    Parameters
    ----------
    x : array_like

    Returns
    -------
    array, same shape and dtype as ``x``

    Examples
    --------
    >>> relu_derivative([-2.0, 0.0, 3.0]).tolist()
    [0.0, 0.0, 1.0]
    """
    xp, x = as_arrays(x, names=("x",))
    below = xp.where(x <= 0, xp.zeros_like(x), x)  # NaN stays NaN
    return native(xp, xp.where(x > 0, xp.ones_like(x), below))


def leaky_relu_derivative(x: Any, alpha: float = 0.01) -> Any:
    r"""The derivative of the leaky ReLU: 1 for positive inputs, :math:`\alpha` otherwise.

    .. math::

        \operatorname{LeakyReLU}'(x) = \begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}

    At 0 the value is :math:`\alpha` (PyTorch's convention). NaN propagates.

    Parameters
    ----------
    x : array_like
    alpha : float, default 0.01
        The slope for negative inputs, in [0, 1].

    Returns
    -------
    array, same shape and dtype as ``x``

    Raises
    ------
    ValidationError
        If ``alpha`` is not a finite number in [0, 1].

    Examples
    --------
    >>> leaky_relu_derivative([-2.0, 0.0, 3.0], alpha=0.1).tolist()
    [0.1, 0.1, 1.0]
    """
    xp, x = as_arrays(x, names=("x",))
    alpha = _check_parameter(alpha, "alpha", 0.0, 1.0)
    below = xp.where(x <= 0, xp.full_like(x, alpha), x)
    return native(xp, xp.where(x > 0, xp.ones_like(x), below))


def swish_derivative(x: Any, beta: float = 1.0) -> Any:
    r"""The derivative of swish :math:`x\,\sigma(\beta x)`.

    .. math::

        \frac{d}{dx}\, x\,\sigma(\beta x) = \sigma(\beta x) + \beta x\, \sigma(\beta x)\,
        \sigma(-\beta x) = \sigma(\beta x)\,\bigl(1 + \beta x\, \sigma(-\beta x)\bigr)

    Limits: 1 at ``+inf`` and 0 at ``-inf`` (for :math:`\beta > 0`). Unlike
    ReLU's it dips slightly below 0 for negative inputs.

    Parameters
    ----------
    x : array_like
    beta : float, default 1.0
        The sharpness of the gate, >= 0.

    Returns
    -------
    array, same shape and dtype as ``x``

    Raises
    ------
    ValidationError
        If ``beta`` is negative or not finite.

    Examples
    --------
    >>> swish_derivative([0.0, 1.0]).round(4)
    array([0.5   , 0.9277])
    """
    xp, x = as_arrays(x, names=("x",))
    beta = _check_parameter(beta, "beta", 0.0)
    limits = (1.0, 0.0) if beta > 0 else (0.5, 0.5)

    def compute(z: Any) -> Any:
        t = beta * _saturated(xp, z, beta)
        return sigmoid(t) * (1 + t * sigmoid(-t))

    return native(xp, _with_limits(xp, x, compute, *limits))


silu_derivative = swish_derivative


def gelu_derivative(x: Any, approximate: bool | str = False) -> Any:
    r"""The derivative of GELU, :math:`\Phi(x) + x\,\varphi(x)`, or of its tanh approximation.

    .. math::

        \operatorname{GELU}'(x) = \Phi(x) + x\,\varphi(x), \qquad
        \varphi(x) = \frac{e^{-x^{2}/2}}{\sqrt{2\pi}}

    For the approximation with :math:`u = \sqrt{2/\pi}\,(x + 0.044715\,x^{3})`
    and :math:`t = \tanh u`:

    .. math::

        \frac{1}{2}(1 + t) + \frac{x}{2}\,(1 - t^{2})\,\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715\,x^{2})

    The polynomial terms use ``x`` clipped where they no longer change the
    result (±40 for the density, ±100 for the tanh), so nothing overflows;
    the derivative is 1 at ``+inf`` and 0 at ``-inf``.

    Parameters
    ----------
    x : array_like
    approximate : bool or {"none", "tanh"}, default False
        Differentiate the exact GELU (False) or its tanh approximation (True).

    Returns
    -------
    array, same shape and dtype as ``x``

    Examples
    --------
    >>> gelu_derivative([0.0, 1.0]).round(4)
    array([0.5   , 1.0833])
    """
    xp, x = as_arrays(x, names=("x",))
    if _gelu_approximate(approximate):
        clipped = xp.clip(x, -GELU_TANH_CLIP, GELU_TANH_CLIP)
        t = xp.tanh(GELU_TANH_SCALE * (clipped + GELU_TANH_CUBIC * clipped**3))
        slope = GELU_TANH_SCALE * (1 + 3 * GELU_TANH_CUBIC * clipped**2)
        return native(xp, 0.5 * (1 + t) + 0.5 * clipped * (1 - t * t) * slope)
    cdf = 0.5 * (1 + erf(x / math.sqrt(2.0), xp))
    clipped = xp.clip(x, -GELU_DENSITY_CLIP, GELU_DENSITY_CLIP)
    density = xp.exp(-0.5 * clipped * clipped) / math.sqrt(2.0 * math.pi)
    return native(xp, cdf + clipped * density)


def softmax_jacobian(x: Any, axis: int = -1) -> Any:
    r"""The Jacobian of the softmax, :math:`\partial s_i / \partial x_j = s_i(\delta_{ij} - s_j)`.

    .. math::

        J = \frac{\partial \operatorname{softmax}(x)}{\partial x}
        = \operatorname{diag}(s) - s\,s^{\top}, \qquad s = \operatorname{softmax}(x)

    Every row and column of :math:`J` sums to 0 (the probabilities keep summing
    to 1), and :math:`J` is symmetric and positive semi-definite.

    Parameters
    ----------
    x : array_like
        Scores; the same rules as :func:`~mlequations.activations.softmax`.
    axis : int, default -1
        The axis of the scores. It is moved to the end: a batch of shape
        ``(..., n)`` gives Jacobians of shape ``(..., n, n)``.

    Returns
    -------
    array, shape (..., n, n)
        ``J[..., i, j]`` is the derivative of output i with respect to input j.

    Raises
    ------
    EmptyInputError, NonFiniteError
        As for the softmax.

    Examples
    --------
    >>> softmax_jacobian([0.0, 0.0]).tolist()
    [[0.25, -0.25], [-0.25, 0.25]]
    """
    xp, x = as_arrays(x, names=("x",))
    s = softmax(x, axis=axis)
    s = xp.moveaxis(s, axis, -1)
    identity = xp.eye(s.shape[-1], dtype=s.dtype, device=device(s))
    column = s[..., :, None]
    return column * identity - column * s[..., None, :]


def log_softmax_jacobian(x: Any, axis: int = -1) -> Any:
    r"""The Jacobian of the log-softmax, :math:`\delta_{ij} - \operatorname{softmax}(x)_j`.

    .. math::

        J = \frac{\partial \log \operatorname{softmax}(x)}{\partial x}
        = I - \mathbf{1}\, s^{\top}, \qquad s = \operatorname{softmax}(x)

    Raising score :math:`j` raises :math:`\log s_j` by :math:`1 - s_j` and lowers
    every other log-probability by :math:`s_j`. Every row of :math:`J` sums to
    0 and :math:`s^{\top} J = 0`. Unlike the softmax Jacobian it is not
    symmetric; it is that Jacobian with row :math:`i` divided by :math:`s_i`,
    but computed without the division, so it stays exact where :math:`s_i`
    underflows to 0.

    Parameters
    ----------
    x : array_like
        Scores; the same rules as :func:`~mlequations.activations.softmax`.
    axis : int, default -1
        The axis of the scores. It is moved to the end: a batch of shape
        ``(..., n)`` gives Jacobians of shape ``(..., n, n)``.

    Returns
    -------
    array, shape (..., n, n)
        ``J[..., i, j]`` is the derivative of output i with respect to input j.
        A masked score (``-inf``) has ``s_j = 0``, so its column is that of the
        identity.

    Raises
    ------
    EmptyInputError, NonFiniteError
        As for the softmax.

    Examples
    --------
    >>> log_softmax_jacobian([0.0, 0.0]).tolist()
    [[0.5, -0.5], [-0.5, 0.5]]
    >>> log_softmax_jacobian([0.0, math.log(3.0)]).round(4).tolist()
    [[0.75, -0.75], [-0.25, 0.25]]
    """
    xp, x = as_arrays(x, names=("x",))
    s = xp.moveaxis(softmax(x, axis=axis), axis, -1)
    identity = xp.eye(s.shape[-1], dtype=s.dtype, device=device(s))
    return identity - s[..., None, :]
