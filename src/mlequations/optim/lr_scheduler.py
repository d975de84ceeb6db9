r"""Learning-rate schedulers: change each parameter group's ``lr`` as training goes on.

A scheduler counts its calls of :meth:`LRScheduler.step` in ``last_epoch``
(0 after construction) and sets every group's learning rate to a function of
that count, as :mod:`torch.optim.lr_scheduler` does:

* :class:`LambdaLR`: :math:`\gamma_e = \gamma_0 \, f(e)`;
* :class:`StepLR`: :math:`\gamma_e = \gamma_0 \, q^{\lfloor e / s \rfloor}`;
* :class:`ScheduleLR`: :math:`\gamma = \text{schedule}(i)` for the :math:`i`-th
  update, with the schedules of :mod:`mlequations.schedules`;
* :class:`PolynomialDecayLR`: :math:`\gamma_i = \gamma_0 / (1 + \beta i)^\alpha`,
  the decay that satisfies the Robbins–Monro conditions for :math:`0.5 < \alpha \le 1`.

Call ``scheduler.step()`` after ``optimizer.step()``: per epoch for the
epoch-based ones, per update for :class:`ScheduleLR` and
:class:`PolynomialDecayLR`, whose step counts are SGD iterations.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.optim.optimizer import Optimizer
from mlequations.schedules import PolynomialDecaySchedule, polynomial_decay

__all__ = ["LRScheduler", "LambdaLR", "PolynomialDecayLR", "ScheduleLR", "StepLR"]


class LRScheduler:
    """Base class of the schedulers: counts steps and writes each group's ``lr``.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``param_groups`` get their ``"lr"`` set. Each group gets an
        ``"initial_lr"`` entry, the :math:`\\gamma_0` of the schedule (kept if
        already there).
    last_epoch : int, default -1
        The index of the last step taken; -1 starts afresh. A value >= 0
        resumes and needs ``"initial_lr"`` in every group.

    Notes
    -----
    A subclass defines :meth:`get_lr`, the learning rates at ``last_epoch``,
    and may add its numeric settings to :meth:`_hyperparameters` so that
    :meth:`load_state_dict` refuses the state of a differently set scheduler.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ArrayTypeError(
                f"optimizer must be an mlequations.optim.Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        last_epoch = check_integer(last_epoch, "last_epoch", -1)
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise ValidationError(
                    f"param_groups[{i}] has no 'initial_lr', needed to resume a scheduler at "
                    f"last_epoch={last_epoch}; load the optimizer's state first or use -1"
                )
        self.base_lrs: list[float] = [float(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = [float(g["lr"]) for g in optimizer.param_groups]
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rate of every group at step ``last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr")

    def step(self) -> None:
        """Advance ``last_epoch`` by one and set every group's learning rate."""
        self.last_epoch += 1
        rates = [float(rate) for rate in self.get_lr()]
        for i, rate in enumerate(rates):
            if not (math.isfinite(rate) and rate >= 0):
                raise ValidationError(
                    f"{type(self).__name__} gave param_groups[{i}] the learning rate {rate} at "
                    f"step {self.last_epoch}; a learning rate must be a non-negative finite number"
                )
        for group, rate in zip(self.optimizer.param_groups, rates, strict=True):
            group["lr"] = rate
        self._last_lr = rates

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last :meth:`step` (a copy)."""
        return list(self._last_lr)

    def _hyperparameters(self) -> dict[str, float | int]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        """``last_epoch``, the base and last learning rates and the numeric settings.

        Functions (a ``lr_lambda``, a schedule) are not saved: rebuild the
        scheduler with them, then load the state.
        """
        return {
            "last_epoch": self.last_epoch,
            "base_lrs": list(self.base_lrs),
            "last_lr": list(self._last_lr),
            **self._hyperparameters(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` after checking it fits this scheduler."""
        settings = self._hyperparameters()
        expected = {"last_epoch", "base_lrs", "last_lr", *settings}
        if not isinstance(state_dict, dict) or set(state_dict) != expected:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValidationError(
                f"{type(self).__name__} state_dict must have the keys {sorted(expected)}, got {got}"
            )
        for name, value in settings.items():
            if state_dict[name] != value:
                raise ValidationError(
                    f"the saved scheduler has {name}={state_dict[name]!r}, this one has {value!r}"
                )
        groups = len(self.optimizer.param_groups)
        rates = {}
        for name in ("base_lrs", "last_lr"):
            values = state_dict[name]
            if not isinstance(values, Sequence) or len(values) != groups:
                raise ValidationError(f"state_dict[{name!r}] must hold {groups} learning rate(s)")
            rates[name] = [check_real_number(v, f"state_dict[{name!r}]") for v in values]
        self.last_epoch = check_integer(state_dict["last_epoch"], "state_dict['last_epoch']", 0)
        self.base_lrs, self._last_lr = rates["base_lrs"], rates["last_lr"]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"


def _per_group(value: Any, groups: int, name: str) -> list[Any]:
    """One callable per parameter group: ``value`` repeated, or a list of one per group."""
    values = list(value) if isinstance(value, list | tuple) else [value] * groups
    if len(values) != groups:
        raise ValidationError(f"{name} must be one callable or {groups}, got {len(values)}")
    for item in values:
        if not callable(item):
            raise ArrayTypeError(f"{name} must be callable, got {type(item).__name__}")
    return values


class LambdaLR(LRScheduler):
    r"""Multiply the initial learning rate by a function of the step count.

    .. math::

        \gamma_e = \gamma_0\, f(e), \qquad e = \texttt{last\_epoch} = 0, 1, \dots

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables
        :math:`f(e)`, one for all groups or one per group.
    last_epoch : int, default -1

    Examples
    --------
    >>> from mlequations.autodiff import Tensor
    >>> from mlequations.optim import SGD
    >>> optimizer = SGD([Tensor([0.0], requires_grad=True)], lr=0.5)
    >>> scheduler = LambdaLR(optimizer, lambda e: 0.5**e)
    >>> scheduler.step(); scheduler.step()
    >>> scheduler.get_last_lr(), optimizer.param_groups[0]["lr"]
    ([0.125], 0.125)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.lr_lambdas = _per_group(lr_lambda, len(optimizer.param_groups), "lr_lambda")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            base * f(self.last_epoch)
            for base, f in zip(self.base_lrs, self.lr_lambdas, strict=True)
        ]


class StepLR(LRScheduler):
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` steps.

    .. math::

        \gamma_e = \gamma_0\, q^{\lfloor e / s \rfloor}

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int
        :math:`s \ge 1`.
    gamma : float, default 0.1
        :math:`q \ge 0`, the factor.
    last_epoch : int, default -1

    Examples
    --------
    >>> from mlequations.autodiff import Tensor
    >>> from mlequations.optim import SGD
    >>> optimizer = SGD([Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    >>> rates = []
    >>> for _ in range(5):
    ...     rates.append(scheduler.get_last_lr()[0])
    ...     scheduler.step()
    >>> rates
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = check_integer(step_size, "step_size", 1)
        self.gamma = check_real_number(gamma, "gamma")
        if not (math.isfinite(self.gamma) and self.gamma >= 0):
            raise ValidationError(f"gamma must be a non-negative finite number, got {gamma}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = self.gamma ** (self.last_epoch // self.step_size)
        return [base * factor for base in self.base_lrs]

    def _hyperparameters(self) -> dict[str, float | int]:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ScheduleLR(LRScheduler):
    r"""Set the learning rate from a schedule :math:`\gamma^{(i)}` of :mod:`mlequations.schedules`.

    The :math:`i`-th update (:math:`i = 1, 2, \dots`, as those schedules count)
    uses :math:`\gamma^{(i)}`: right after construction ``lr`` is
    ``schedule(1)``, and after ``k`` calls of :meth:`step` it is
    ``schedule(k + 1)``. The schedule gives the learning rate itself, not a
    factor, so the optimizer's own ``lr`` is replaced. Call :meth:`step` after
    every ``optimizer.step()``.

    Parameters
    ----------
    optimizer : Optimizer
    schedule : callable or list of callables
        ``schedule(i) -> float`` for :math:`i \ge 1`, such as
        :func:`~mlequations.schedules.inverse_power`, one for all groups or
        one per group.
    last_epoch : int, default -1

    Examples
    --------
    >>> from mlequations.autodiff import Tensor
    >>> from mlequations.optim import SGD
    >>> from mlequations.schedules import inverse_power
    >>> optimizer = SGD([Tensor([0.0], requires_grad=True)], lr=1.0)
    >>> scheduler = ScheduleLR(optimizer, inverse_power(1.0))
    >>> scheduler.get_last_lr()
    [1.0]
    >>> scheduler.step(); scheduler.step()
    >>> scheduler.get_last_lr(), scheduler.satisfies_robbins_monro
    ([0.3333333333333333], True)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedule: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.schedules = _per_group(schedule, len(optimizer.param_groups), "schedule")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [schedule(self.last_epoch + 1) for schedule in self.schedules]

    @property
    def satisfies_robbins_monro(self) -> bool:
        """True when every group's schedule satisfies the Robbins–Monro conditions."""
        verdicts = [getattr(s, "satisfies_robbins_monro", None) for s in self.schedules]
        if None in verdicts:
            raise ArrayTypeError(
                "satisfies_robbins_monro needs schedules from mlequations.schedules, which know "
                "their verdict; a plain function does not"
            )
        return all(verdicts)


class PolynomialDecayLR(ScheduleLR):
    r"""The polynomial decay :math:`\gamma_i = \gamma_0 / (1 + \beta i)^{\alpha}` per update.

    :math:`\gamma_0` is each group's initial learning rate and :math:`i = 1, 2,
    \dots` counts the updates (:class:`ScheduleLR` with
    :func:`~mlequations.schedules.polynomial_decay`). SGD with noisy gradients
    converges to a stationary point when the rates satisfy the Robbins–Monro
    conditions

    .. math::

        \sum_{i=1}^{\infty} \gamma_i = \infty
        \qquad\text{and}\qquad
        \sum_{i=1}^{\infty} \gamma_i^2 < \infty,

    which for this decay hold exactly when :math:`0.5 < \alpha \le 1`
    (:attr:`satisfies_robbins_monro`): the steps stay long enough to reach any
    point while the noise they carry dies out.

    Parameters
    ----------
    optimizer : Optimizer
        Every group's ``lr`` (its ``initial_lr``) must be > 0.
    beta : float
        :math:`\beta > 0`.
    alpha : float
        :math:`\alpha \ge 0`.
    last_epoch : int, default -1

    Examples
    --------
    >>> from mlequations.autodiff import Tensor
    >>> from mlequations.optim import SGD
    >>> optimizer = SGD([Tensor([0.0], requires_grad=True)], lr=0.1)
    >>> scheduler = PolynomialDecayLR(optimizer, beta=0.5, alpha=1.0)
    >>> round(scheduler.get_last_lr()[0], 6)  # 0.1 / (1 + 0.5 * 1)
    0.066667
    >>> scheduler.satisfies_robbins_monro
    True
    """

    def __init__(
        self, optimizer: Optimizer, beta: float, alpha: float, last_epoch: int = -1
    ) -> None:
        schedules: list[PolynomialDecaySchedule] = []
        for i, group in enumerate(optimizer.param_groups):
            gamma0 = group.get("initial_lr", group["lr"])  # the base class's base_lrs
            if not (isinstance(gamma0, numbers.Real) and gamma0 > 0):
                raise ValidationError(
                    f"PolynomialDecayLR needs a positive initial learning rate gamma0 in every "
                    f"group, param_groups[{i}] has {gamma0}"
                )
            schedules.append(polynomial_decay(gamma0, beta, alpha))
        self.beta, self.alpha = schedules[0].beta, schedules[0].alpha
        super().__init__(optimizer, schedules, last_epoch)

    @property
    def robbins_monro_reason(self) -> str:
        """Why the Robbins–Monro conditions hold or fail for this :math:`\\alpha`."""
        return self.schedules[0].robbins_monro_reason

    def _hyperparameters(self) -> dict[str, float | int]:
        return {"beta": self.beta, "alpha": self.alpha}
