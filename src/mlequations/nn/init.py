r"""Weight initialisation, in place, with ``torch.nn.init``'s names and formulas.

A layer whose weights start too large or too small passes signals (and
gradients) that grow or vanish layer after layer. The schemes below choose the
spread so that the variance is kept: for a weight matrix with ``fan_in``
inputs and ``fan_out`` outputs,

.. math::

    \text{Xavier (Glorot):}\ \operatorname{Var}(w) = g^2 \frac{2}{\text{fan\_in} +
    \text{fan\_out}}, \qquad
    \text{Kaiming (He):}\ \operatorname{Var}(w) = \frac{g^2}{\text{fan}},

where the gain :math:`g` (:func:`calculate_gain`) makes up for what the
activation does to the variance (:math:`\sqrt{2}` for ReLU, which zeroes half of
its inputs). A uniform distribution on :math:`[-a, a]` has variance
:math:`a^2/3`, so its bound is :math:`a = \sqrt{3}\,\sigma`.

Every function fills ``tensor.data`` in place (keeping its dtype), returns the
tensor, and draws from ``generator`` or the default generator of
:mod:`mlequations.nn.random`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_real_number
from mlequations.autodiff import Tensor
from mlequations.nn.random import resolve_generator

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_UNIT_GAIN = {
    "linear",
    "identity",
    "sigmoid",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The recommended gain :math:`g` for an activation, as ``torch.nn.init.calculate_gain``.

    =============================== =====================================
    nonlinearity                    gain
    =============================== =====================================
    linear, identity, conv, sigmoid :math:`1`
    tanh                            :math:`5/3`
    relu                            :math:`\sqrt{2}`
    leaky_relu                      :math:`\sqrt{2 / (1 + \alpha^2)}`
    selu                            :math:`3/4`
    =============================== =====================================

    For ``leaky_relu``, ``param`` is the negative slope :math:`\alpha` (default 0.01).

    Examples
    --------
    >>> round(calculate_gain("relu"), 6), round(calculate_gain("tanh"), 6)
    (1.414214, 1.666667)
    """
    if nonlinearity in _UNIT_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, numbers.Real):
            raise ArrayTypeError(f"param must be a number (the negative slope), got {param!r}")
        else:
            slope = float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    known = sorted(_UNIT_GAIN | {"tanh", "relu", "selu", "leaky_relu"})
    raise ValidationError(f"nonlinearity must be one of {known}, got {nonlinearity!r}")


def _values(tensor: Any) -> np.ndarray:
    """The array to fill in place: a tensor's ``.data`` or a float NumPy array itself."""
    data = tensor.data if isinstance(tensor, Tensor) else tensor
    if not isinstance(data, np.ndarray) or data.dtype.kind != "f":
        raise ArrayTypeError(
            f"tensor must be a Tensor or a float NumPy array, got {type(tensor).__name__}"
        )
    return data


def _fill(tensor: Any, values: Any) -> Any:
    _values(tensor)[...] = values
    return tensor


def _fans(tensor: Any) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``."""
    shape = _values(tensor).shape
    if len(shape) < 2:
        raise ShapeError(
            f"tensor must have at least 2 dimensions (out_features, in_features) to have a fan-in "
            f"and fan-out, got shape {shape}"
        )
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor: Any, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValidationError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ShapeError(f"{mode} is 0 for a tensor of shape {_values(tensor).shape}")
    return fan


def uniform_(
    tensor: Any, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    """Fill with draws from :math:`U(a, b)`.

    Examples
    --------
    >>> from mlequations import nn
    >>> w = uniform_(nn.Parameter(np.zeros(1000)), -2.0, 2.0, generator=np.random.default_rng(0))
    >>> bool(w.data.min() >= -2.0 and w.data.max() <= 2.0)
    True
    """
    a, b = check_real_number(a, "a"), check_real_number(b, "b")
    if not a <= b:
        raise ValidationError(f"a must be <= b, got a={a} and b={b}")
    shape = _values(tensor).shape
    return _fill(tensor, resolve_generator(generator).uniform(a, b, size=shape))


def normal_(
    tensor: Any, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    r"""Fill with draws from :math:`\mathcal{N}(\text{mean}, \text{std}^2)`."""
    mean, std = check_real_number(mean, "mean"), check_real_number(std, "std")
    if not std >= 0:
        raise ValidationError(f"std must be >= 0, got {std}")
    shape = _values(tensor).shape
    return _fill(tensor, resolve_generator(generator).normal(mean, std, size=shape))


def constant_(tensor: Any, val: float) -> Any:
    """Fill with the value ``val``."""
    return _fill(tensor, check_real_number(val, "val"))


def zeros_(tensor: Any) -> Any:
    """Fill with zeros (a bias, usually)."""
    return _fill(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Fill with ones (the scale of a normalisation layer, usually)."""
    return _fill(tensor, 1.0)


def _positive_gain(gain: Any) -> float:
    gain = check_real_number(gain, "gain")
    if not gain >= 0:
        raise ValidationError(f"gain must be >= 0, got {gain}")
    return gain


def xavier_uniform_(
    tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    r"""Glorot uniform: :math:`U(-a, a)` with :math:`a = g\sqrt{6 / (n_\text{in} + n_\text{out})}`.

    Examples
    --------
    >>> from mlequations import nn
    >>> w = xavier_uniform_(nn.Parameter(np.zeros((30, 20))), generator=np.random.default_rng(0))
    >>> bool(np.abs(w.data).max() <= np.sqrt(6 / 50))
    True
    """
    fan_in, fan_out = _fans(tensor)
    bound = _positive_gain(gain) * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(
    tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    r"""Glorot normal: draws from :math:`\mathcal{N}(0, \sigma^2)`, with

    .. math::

        \sigma = g \sqrt{\frac{2}{n_\text{in} + n_\text{out}}}

    where :math:`n_\text{in}` and :math:`n_\text{out}` are the fan-in and fan-out.
    """
    fan_in, fan_out = _fans(tensor)
    std = _positive_gain(gain) * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Any:
    r"""He uniform: :math:`U(-b, b)` with :math:`b = g\sqrt{3/\text{fan}}`.

    The gain is :math:`g` = ``calculate_gain(nonlinearity, a)``, where ``a``
    is the negative slope of the leaky ReLU that follows; ``mode``
    chooses ``fan_in`` (keeps the forward variance) or ``fan_out`` (the
    backward one). With ``a = sqrt(5)`` this is the default initialisation of
    ``torch.nn.Linear``: :math:`b = 1/\sqrt{\text{fan\_in}}`.
    """
    fan = _fan(tensor, mode)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Any:
    r"""He normal: :math:`\mathcal{N}(0, \sigma^2)`, :math:`\sigma = g/\sqrt{\text{fan}}`."""
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)
