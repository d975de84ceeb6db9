r"""Adam: adaptive moment estimation, with optional AMSGrad and L2 weight decay."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.optim.optimizer import Optimizer, check_fraction, check_nonnegative_number

__all__ = ["Adam"]


def _check_betas(betas: Any) -> tuple[float, float]:
    if isinstance(betas, str) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise ValidationError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return check_fraction(betas[0], "betas[0]"), check_fraction(betas[1], "betas[1]")


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), with PyTorch's update rule.

    At step :math:`t = 1, 2, \dots`, with learning rate :math:`\gamma`, decay
    rates :math:`\beta_1, \beta_2`, weight decay :math:`\lambda` and
    :math:`m_0 = v_0 = 0`:

    .. math::

        g_t &= \nabla L(\theta_{t-1}) + \lambda\,\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ with AMSGrad, else } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\,
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    The divisions by :math:`1 - \beta^t` undo the bias of averages started at
    zero; :math:`\epsilon` sits outside the corrected square root, as in
    PyTorch. The weight decay is an L2 penalty added to the gradient (for the
    decoupled form, AdamW, the decay would act on :math:`\theta` directly).

    Parameters
    ----------
    params : iterable of parameters or of dicts
        Tensors with ``requires_grad=True`` (anything with ``.data`` and
        ``.grad``), or parameter groups with their own options.
    lr : float, default 1e-3
        :math:`\gamma \ge 0`.
    betas : (float, float), default (0.9, 0.999)
        :math:`\beta_1, \beta_2 \in [0, 1)`.
    eps : float, default 1e-8
        :math:`\epsilon \ge 0`.
    weight_decay : float, default 0
        :math:`\lambda \ge 0`.
    amsgrad : bool, default False
        Divide by the running maximum of :math:`v_t` (Reddi et al., 2018).

    Examples
    --------
    The first step moves every coordinate by about :math:`\gamma`, whatever
    the size of its gradient (:math:`m_1 / \sqrt{v_1} = \operatorname{sign} g_1`
    after bias correction):

    >>> from mlequations.autodiff import Tensor
    >>> theta = Tensor([1.0, -3.0], requires_grad=True)
    >>> optimizer = Adam([theta], lr=0.1)
    >>> (100 * theta**2).sum().backward()
    >>> optimizer.step()
    >>> theta.data.round(6)
    array([ 0.9, -2.9])
    """

    _count_names = ("step",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        amsgrad = options["amsgrad"]
        if not isinstance(amsgrad, bool | np.bool_):
            raise ArrayTypeError(f"amsgrad must be True or False, got {amsgrad!r}")
        return {
            "lr": check_nonnegative_number(options["lr"], "lr"),
            "betas": _check_betas(options["betas"]),
            "eps": check_nonnegative_number(options["eps"], "eps"),
            "weight_decay": check_nonnegative_number(options["weight_decay"], "weight_decay"),
            "amsgrad": bool(amsgrad),
        }

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        names = ("step", "exp_avg", "exp_avg_sq")
        return (*names, "max_exp_avg_sq") if group["amsgrad"] else names

    def _new_state(self, p: Any, amsgrad: bool) -> dict[str, Any]:
        state: dict[str, Any] = {
            "step": 0,
            "exp_avg": np.zeros_like(p.data),
            "exp_avg_sq": np.zeros_like(p.data),
        }
        if amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        return state

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
        for p in group["params"]:
            grad = self._gradient(p)
            if grad is None:
                continue
            state = self.state.get(p) or self.state.setdefault(p, self._new_state(p, amsgrad))
            state["step"] += 1
            step = state["step"]
            if weight_decay != 0:
                grad = grad + weight_decay * p.data
            m, v, work = state["exp_avg"], state["exp_avg_sq"], self._work(p)
            np.subtract(grad, m, out=work)  # m += (1 - β1)(g - m), PyTorch's lerp
            work *= 1.0 - beta1
            m += work
            v *= beta2  # v = β2 v + (1 - β2) g²
            np.multiply(grad, grad, out=work)
            work *= 1.0 - beta2
            v += work
            if amsgrad:
                v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            step_size = lr / (1.0 - beta1**step)
            np.sqrt(v, out=work)  # the denominator sqrt(v̂) / sqrt(1 - β2^t) + ε
            work /= math.sqrt(1.0 - beta2**step)
            work += eps
            np.divide(m, work, out=work)
            work *= step_size
            p.data -= work
