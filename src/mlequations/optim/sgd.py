r"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.optim.optimizer import Optimizer, check_fraction, check_nonnegative_number

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, with PyTorch's update rule.

    At step :math:`t`, with gradient :math:`\nabla L(\theta_{t-1})`, learning
    rate :math:`\gamma`, weight decay :math:`\lambda`, momentum :math:`\mu` and
    dampening :math:`\tau`:

    .. math::

        g_t &= \nabla L(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        b_t &= \begin{cases} g_1 & t = 1 \\
               \mu\, b_{t-1} + (1 - \tau)\, g_t & t > 1 \end{cases} \\
        d_t &= \begin{cases} g_t + \mu\, b_t & \text{Nesterov} \\
               b_t & \text{otherwise} \end{cases}
               \qquad (d_t = g_t \text{ when } \mu = 0) \\
        \theta_t &= \theta_{t-1} - \gamma\, d_t

    The momentum buffer :math:`b` starts as the first gradient (not zero), so
    the first step is a plain gradient step whatever :math:`\mu` and :math:`\tau`.

    Parameters
    ----------
    params : iterable of parameters or of dicts
        Tensors with ``requires_grad=True`` (anything with ``.data`` and
        ``.grad``), or parameter groups with their own options.
    lr : float
        :math:`\gamma \ge 0`.
    momentum : float, default 0
        :math:`\mu \in [0, 1)`.
    dampening : float, default 0
        :math:`\tau \in [0, 1)`.
    weight_decay : float, default 0
        :math:`\lambda \ge 0`, an L2 penalty :math:`\tfrac{\lambda}{2}\|\theta\|^2`.
    nesterov : bool, default False
        Nesterov momentum; needs :math:`\mu > 0` and :math:`\tau = 0`.

    Examples
    --------
    Minimise :math:`\theta^2` from :math:`\theta = 1` with :math:`\gamma = 0.1`:
    each step multiplies :math:`\theta` by :math:`1 - 2\gamma = 0.8`.

    >>> from mlequations.autodiff import Tensor
    >>> theta = Tensor([1.0], requires_grad=True)
    >>> optimizer = SGD([theta], lr=0.1)
    >>> for _ in range(3):
    ...     optimizer.zero_grad()
    ...     (theta**2).sum().backward()
    ...     optimizer.step()
    >>> theta.data.round(6)
    array([0.512])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        nesterov = options["nesterov"]
        if not isinstance(nesterov, bool | np.bool_):
            raise ArrayTypeError(f"nesterov must be True or False, got {nesterov!r}")
        checked = {
            "lr": check_nonnegative_number(options["lr"], "lr"),
            "momentum": check_fraction(options["momentum"], "momentum"),
            "dampening": check_fraction(options["dampening"], "dampening"),
            "weight_decay": check_nonnegative_number(options["weight_decay"], "weight_decay"),
            "nesterov": bool(nesterov),
        }
        if checked["nesterov"] and (checked["momentum"] <= 0 or checked["dampening"] != 0):
            raise ValidationError(
                "nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={checked['momentum']} and dampening={checked['dampening']}"
            )
        return checked

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        for p in group["params"]:
            grad = self._gradient(p)
            if grad is None:
                continue
            if weight_decay != 0:  # g = grad + λθ, in the scratch array
                work = self._work(p)
                np.multiply(p.data, weight_decay, out=work)
                work += grad
                grad = work
            if momentum != 0:
                grad = self._momentum(p, grad, momentum, dampening, nesterov)
            work = self._work(p)  # θ -= γ d, the product in the scratch array
            if grad is not work:
                np.multiply(grad, lr, out=work)
            else:
                work *= lr
            p.data -= work

    def _momentum(
        self,
        p: Any,
        grad: np.ndarray,
        momentum: float,
        dampening: float,
        nesterov: bool,
    ) -> np.ndarray:
        """Update the buffer b and return the direction d (possibly the scratch array)."""
        state = self.state.setdefault(p, {})
        buffer = state.get("momentum_buffer")
        if buffer is None:
            buffer = state["momentum_buffer"] = np.array(grad, dtype=p.data.dtype, copy=True)
        else:
            buffer *= momentum
            if dampening == 0:
                buffer += grad
            else:  # no Nesterov here, so a scratch g may be overwritten
                work = self._work(p)
                if grad is not work:
                    grad = np.multiply(grad, 1.0 - dampening, out=work)
                else:
                    work *= 1.0 - dampening
                buffer += grad
        if not nesterov:
            return buffer
        work = self._work(p)  # d = g + μ b
        if grad is work:
            work += momentum * buffer
        else:
            np.multiply(buffer, momentum, out=work)
            work += grad
        return work
