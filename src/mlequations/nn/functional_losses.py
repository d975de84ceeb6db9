r"""Loss functions on tensors, each one fused node with its closed-form gradient.

A loss built from separate operations (a softmax, a logarithm, an index, a
mean) would record four nodes and keep their temporaries; fused, the forward
is one stable formula and the backward one short expression. For the cross
entropy of logits :math:`z` and class :math:`y`,

.. math::

    \ell = -\log \operatorname{softmax}(z)_y, \qquad
    \frac{\partial \ell}{\partial z} = \operatorname{softmax}(z) - e_y,

which never overflows and never takes the logarithm of zero.
Every loss takes ``reduction``: ``"mean"`` (the default), ``"sum"`` or
``"none"`` (one loss per sample).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlequations import activations
from mlequations._array import ArrayTypeError, EmptyInputError, ShapeError, ValidationError
from mlequations.autodiff import Tensor, record

__all__ = ["binary_cross_entropy_with_logits", "cross_entropy", "mse_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def _as_tensor(x: Any, name: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except TypeError as error:
        raise ArrayTypeError(
            f"{name} must be a Tensor or an array of real numbers: {error}"
        ) from None


def _check_reduction(reduction: Any) -> str:
    if reduction not in _REDUCTIONS:
        raise ValidationError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(losses: np.ndarray, reduction: str, count: int) -> np.ndarray:
    if reduction == "none":
        return losses
    total = np.sum(losses)
    return np.asarray(total / count if reduction == "mean" else total)


def _upstream(g: np.ndarray, reduction: str, count: int) -> np.ndarray:
    """The gradient reaching each per-sample loss: ``g``, ``g`` everywhere, or ``g / count``."""
    return g / count if reduction == "mean" else g


def _class_indices(target: Any, n_samples: int, n_classes: int) -> np.ndarray:
    """Integer class labels of shape (N,) in [0, C), or a clear error."""
    labels = np.asarray(target)
    if labels.dtype.kind not in "iu":
        raise ArrayTypeError(
            f"target must be integer class indices of shape (N,) (or class probabilities of "
            f"shape (N, C)), got dtype {labels.dtype}; convert labels with .astype(int)"
        )
    if labels.shape != (n_samples,):
        raise ShapeError(
            f"target must have shape ({n_samples},), one class index per row of input, "
            f"got {labels.shape}"
        )
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        raise ValidationError(
            f"target must hold class indices in [0, {n_classes - 1}], got {labels[outside][0]}"
        )
    return labels


def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    r"""The cross entropy between the softmax of ``input`` (logits) and ``target``.

    .. math::

        \ell_n = -\sum_c t_{nc} \log \operatorname{softmax}(z_n)_c, \qquad
        \frac{\partial \ell_n}{\partial z_n} = \operatorname{softmax}(z_n) \textstyle\sum_c t_{nc}
        - t_n

    with :math:`t_n` the one-hot vector of the class index, or given class
    probabilities. One fused node: the forward is the stable log-softmax of
    :func:`mlequations.activations.log_softmax`, the backward
    :math:`(\operatorname{softmax} - t)/N` for ``"mean"``; exact at logits of
    :math:`\pm 10^4`.

    Parameters
    ----------
    input : Tensor of shape (N, C)
        Unnormalised scores (logits), float32 or float64.
    target : int array of shape (N,), or float array of shape (N, C)
        Class indices in ``[0, C)``, or class probabilities per row.
    reduction : {"mean", "sum", "none"}, default "mean"

    Returns
    -------
    Tensor
        A scalar, or shape (N,) with ``reduction="none"``; ``input``'s dtype.

    Examples
    --------
    >>> logits = Tensor([[2.0, 0.0], [0.0, 1e4]], requires_grad=True)
    >>> loss = cross_entropy(logits, np.array([0, 1]))
    >>> round(loss.item(), 6)
    0.063464
    >>> loss.backward()
    >>> logits.grad.round(4)
    array([[-0.0596,  0.0596],
           [ 0.    ,  0.    ]])
    """
    reduction = _check_reduction(reduction)
    logits = _as_tensor(input, "input")
    if logits.ndim != 2:
        raise ShapeError(f"input must be logits of shape (N, C), got shape {logits.shape}")
    n_samples, n_classes = logits.shape
    if n_samples == 0 or n_classes == 0:
        raise EmptyInputError(
            f"input must hold at least one sample and one class, got {logits.shape}"
        )
    if np.ndim(target) == 2 and (
        isinstance(target, Tensor) or np.asarray(target).dtype.kind == "f"
    ):
        return _soft_cross_entropy(logits, _target_like(target, logits), reduction)
    labels = _class_indices(target, n_samples, n_classes)
    log_p = activations.log_softmax(logits.data, axis=1)
    rows = np.arange(n_samples)
    out = _reduce(-log_p[rows, labels], reduction, n_samples)

    def backward(g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.exp(log_p)
        grad[rows, labels] -= 1
        scale = _upstream(g, reduction, n_samples)
        grad *= scale[:, None] if reduction == "none" else scale
        return (grad,)

    return record("cross_entropy", out, (logits,), backward)


def _soft_cross_entropy(logits: Tensor, target: Tensor, reduction: str) -> Tensor:
    """Cross entropy with class-probability targets (``0 log 0 = 0``)."""
    if target.shape != logits.shape:
        raise ShapeError(
            f"target class probabilities must have input's shape {logits.shape}, got {target.shape}"
        )
    n_samples = logits.shape[0]
    log_p = activations.log_softmax(logits.data, axis=1)
    weighted = np.multiply(target.data, log_p, out=np.zeros_like(log_p), where=target.data != 0)
    out = _reduce(-weighted.sum(axis=1), reduction, n_samples)

    def backward(g: np.ndarray) -> tuple[Any, Any]:
        scale = _upstream(g, reduction, n_samples)
        scale = scale[:, None] if reduction == "none" else scale
        grad_logits = grad_target = None
        if logits.requires_grad:
            mass = target.data.sum(axis=1, keepdims=True)
            grad_logits = (np.exp(log_p) * mass - target.data) * scale
        if target.requires_grad:
            grad_target = -log_p * scale
        return grad_logits, grad_target

    return record("cross_entropy", out, (logits, target), backward)


def _target_like(target: Any, x: Tensor) -> Tensor:
    """``target`` as a tensor of ``x``'s dtype (an array is converted; a tensor must match)."""
    if not isinstance(target, Tensor):
        try:
            return Tensor(target, dtype=x.dtype)
        except TypeError as error:
            raise ArrayTypeError(
                f"target must be a Tensor or an array of numbers: {error}"
            ) from None
    if target.dtype != x.dtype:
        raise ArrayTypeError(f"target must have input's dtype {x.dtype}, got {target.dtype}")
    return target


def _same_shape_pair(input: Any, target: Any) -> tuple[Tensor, Tensor]:
    x = _as_tensor(input, "input")
    t = _target_like(target, x)
    if x.shape != t.shape:
        raise ShapeError(f"input and target must have the same shape, got {x.shape} and {t.shape}")
    if x.size == 0:
        raise EmptyInputError(f"input must not be empty, got shape {x.shape}")
    return x, t


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    r"""The squared error :math:`\ell_i = (x_i - t_i)^2`, averaged by default.

    .. math::

        \frac{\partial \ell}{\partial x_i} = \frac{2 (x_i - t_i)}{n}

    Examples
    --------
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> loss = mse_loss(x, [0.0, 4.0])
    >>> loss.item()
    2.5
    >>> loss.backward()
    >>> x.grad
    array([ 1., -2.])
    """
    reduction = _check_reduction(reduction)
    x, t = _same_shape_pair(input, target)
    difference = x.data - t.data
    out = _reduce(difference * difference, reduction, x.size)

    def backward(g: np.ndarray) -> tuple[Any, Any]:
        grad = 2 * difference * _upstream(g, reduction, x.size)
        return grad if x.requires_grad else None, -grad if t.requires_grad else None

    return record("mse_loss", out, (x, t), backward)


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    reduction: str = "mean",
) -> Tensor:
    r"""Binary cross entropy of :math:`\sigma(x)` against ``target``, computed from the logit.

    .. math::

        \ell = -t \log \sigma(x) - (1 - t) \log(1 - \sigma(x))
        = \max(x, 0) - x t + \log(1 + e^{-|x|}), \qquad
        \frac{\partial \ell}{\partial x} = \sigma(x) - t

    The right-hand form never overflows and never takes the logarithm of 0.

    Examples
    --------
    >>> x = Tensor([0.0, 100.0], requires_grad=True)
    >>> loss = binary_cross_entropy_with_logits(x, [1.0, 0.0], reduction="none")
    >>> loss.data.round(4)
    array([  0.6931, 100.    ])
    """
    reduction = _check_reduction(reduction)
    x, t = _same_shape_pair(input, target)
    z = x.data
    losses = np.maximum(z, 0) - z * t.data + np.log1p(np.exp(-np.abs(z)))
    out = _reduce(losses, reduction, x.size)

    def backward(g: np.ndarray) -> tuple[Any, Any]:
        scale = _upstream(g, reduction, x.size)
        grad_x = (activations.sigmoid(z) - t.data) * scale if x.requires_grad else None
        return grad_x, -z * scale if t.requires_grad else None

    return record("binary_cross_entropy_with_logits", out, (x, t), backward)
