r"""Learning-rate schedules :math:`\gamma^{(i)}` for (stochastic) gradient descent.

A schedule is a small frozen dataclass: call it with the step number
``i = 1, 2, ...`` to get :math:`\gamma^{(i)}`. Each schedule also says whether
it meets the Robbins–Monro conditions, under which SGD converges to a
stationary point despite its noisy gradients:

.. math::

    \sum_{i=1}^{\infty} \gamma^{(i)} = \infty
    \qquad\text{and}\qquad
    \sum_{i=1}^{\infty} \left(\gamma^{(i)}\right)^2 < \infty

The first sum keeps the steps long enough to reach any point; the second makes
the noise they carry die out. The schedules are plain Python and re-exported
by :mod:`mlequations.optimize`. The formula of :func:`polynomial_decay` on
arrays (any array-API library), :func:`~mlequations.updates.polynomial_decay_rate`,
lives in :mod:`mlequations.updates` and is re-exported here.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.updates import polynomial_decay_rate

__all__ = [
    "ConstantSchedule",
    "InversePowerSchedule",
    "PolynomialDecaySchedule",
    "constant",
    "inverse_power",
    "polynomial_decay",
    "polynomial_decay_rate",  # re-exported from mlequations.updates
]


def _check_step(step: Any) -> int:
    return check_integer(step, "step", 1, hint=" (steps are counted from 1)")


def _positive(value: Any, name: str) -> float:
    """A finite ``value > 0`` as a float."""
    number = check_real_number(value, name)
    if not (math.isfinite(number) and number > 0):
        raise ValidationError(f"{name} must be positive and finite, got {value}")
    return number


def _alpha(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArrayTypeError(f"alpha must be a real number, got {type(value).__name__}")
    if not (math.isfinite(value) and value >= 0):
        raise ValidationError(f"alpha must be non-negative and finite, got {value}")
    return float(value)


def _power_reason(alpha: float) -> str:
    if alpha <= 0.5:
        return f"fails: sum of gamma_i^2 diverges because 2*alpha = {2 * alpha:g} <= 1"
    if alpha > 1:
        return f"fails: sum of gamma_i converges because alpha = {alpha:g} > 1"
    return "holds: sum of gamma_i diverges (alpha <= 1), sum of gamma_i^2 converges (alpha > 0.5)"


class _Schedule:
    """Shared text helpers; subclasses define __call__ and robbins_monro_reason."""

    @property
    def robbins_monro_reason(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def satisfies_robbins_monro(self) -> bool:
        """True when sum(gamma_i) diverges and sum(gamma_i^2) converges."""
        return self.robbins_monro_reason.startswith("holds")

    def formula(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def describe(self) -> str:
        """One line: the formula and the Robbins–Monro verdict with its reason."""
        return f"{self.formula()}; Robbins-Monro {self.robbins_monro_reason}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class ConstantSchedule(_Schedule):
    r"""The same rate every step, :math:`\gamma^{(i)} = \gamma`."""

    gamma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", _positive(self.gamma, "gamma"))

    def __call__(self, step: int) -> float:
        _check_step(step)
        return self.gamma

    def formula(self) -> str:
        return f"gamma_i = {self.gamma:g}"

    @property
    def robbins_monro_reason(self) -> str:
        return "fails: sum of gamma_i^2 = n * gamma^2 diverges, so SGD noise never dies out"


@dataclass(frozen=True)
class PolynomialDecaySchedule(_Schedule):
    r"""Polynomial decay :math:`\gamma^{(i)} = \gamma^{(0)} / (1 + \beta i)^{\alpha}`.

    Robbins–Monro holds iff :math:`0.5 < \alpha \le 1`.
    """

    gamma0: float
    beta: float
    alpha: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma0", _positive(self.gamma0, "gamma0"))
        object.__setattr__(self, "beta", _positive(self.beta, "beta"))
        object.__setattr__(self, "alpha", _alpha(self.alpha))

    def __call__(self, step: int) -> float:
        return self.gamma0 / (1.0 + self.beta * _check_step(step)) ** self.alpha

    def formula(self) -> str:
        return f"gamma_i = {self.gamma0:g} / (1 + {self.beta:g} i)^{self.alpha:g}"

    @property
    def robbins_monro_reason(self) -> str:
        return _power_reason(self.alpha)


@dataclass(frozen=True)
class InversePowerSchedule(_Schedule):
    r""":math:`\gamma^{(i)} = 1 / i^{\alpha}`; Robbins–Monro iff 0.5 < α ≤ 1."""

    alpha: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", _alpha(self.alpha))

    def __call__(self, step: int) -> float:
        return 1.0 / _check_step(step) ** self.alpha

    def formula(self) -> str:
        return f"gamma_i = 1 / i^{self.alpha:g}"

    @property
    def robbins_monro_reason(self) -> str:
        return _power_reason(self.alpha)


def constant(gamma: float) -> ConstantSchedule:
    r"""A constant learning rate :math:`\gamma^{(i)} = \gamma`.

    It does not satisfy Robbins–Monro: :math:`\sum_i \gamma^2` diverges, so SGD
    keeps jittering around a minimum instead of settling (plain gradient
    descent, whose gradients carry no noise, is fine with it).

    Examples
    --------
    >>> schedule = constant(0.1)
    >>> schedule(1), schedule(1000), schedule.satisfies_robbins_monro
    (0.1, 0.1, False)
    """
    return ConstantSchedule(gamma)


def polynomial_decay(gamma0: float, beta: float, alpha: float) -> PolynomialDecaySchedule:
    r"""The polynomial decay :math:`\gamma^{(i)} = \gamma^{(0)} / (1 + \beta i)^{\alpha}`.

    Parameters
    ----------
    gamma0 : float
        :math:`\gamma^{(0)} > 0`.
    beta : float
        :math:`\beta > 0`.
    alpha : float
        :math:`\alpha \ge 0`; Robbins–Monro holds iff :math:`0.5 < \alpha \le 1`.

    Raises
    ------
    ValidationError
        Non-positive ``gamma0`` or ``beta``, negative ``alpha``.

    Examples
    --------
    >>> schedule = polynomial_decay(0.1, beta=0.5, alpha=1.0)
    >>> round(schedule(4), 6), schedule.satisfies_robbins_monro
    (0.033333, True)
    >>> print(schedule)
    gamma_i = 0.1 / (1 + 0.5 i)^1; Robbins-Monro holds: sum of gamma_i diverges (alpha <= 1),
    sum of gamma_i^2 converges (alpha > 0.5)
    """
    return PolynomialDecaySchedule(gamma0, beta, alpha)


def inverse_power(alpha: float) -> InversePowerSchedule:
    r"""The guide's schedule :math:`\gamma^{(i)} = 1 / i^{\alpha}`.

    Robbins–Monro holds iff :math:`0.5 < \alpha \le 1`: :math:`\sum 1/i^{\alpha}`
    diverges for :math:`\alpha \le 1` and :math:`\sum 1/i^{2\alpha}` converges
    for :math:`2\alpha > 1`.

    Examples
    --------
    >>> inverse_power(0.75).satisfies_robbins_monro, inverse_power(0.5).satisfies_robbins_monro
    (True, False)
    >>> inverse_power(2.0).robbins_monro_reason
    'fails: sum of gamma_i converges because alpha = 2 > 1'
    """
    return InversePowerSchedule(alpha)
