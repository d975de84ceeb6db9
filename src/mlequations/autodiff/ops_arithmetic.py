r"""Arithmetic on tensors: ``+ - * / ** @`` and negation, each beside its derivative.

Every function takes tensors, Python numbers or arrays (which become constants)
and broadcasts as NumPy does; the gradients returned have the result's shape
and the engine sums them back to each input's shape.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from mlequations._array import ShapeError
from mlequations.autodiff.tensor import Tensor, lift, record

__all__ = ["add", "divide", "linear", "matmul", "multiply", "negative", "power", "subtract"]


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors; a plain number takes the dtype of the tensor beside it."""
    if isinstance(a, Tensor):
        return a, lift(b, a.dtype)
    return lift(a, b.dtype), b


def add(a: Any, b: Any) -> Tensor:
    """:math:`a + b`; both partial derivatives are 1."""
    a, b = _pair(a, b)
    return record("add", a.data + b.data, (a, b), lambda g: (g, g))


def subtract(a: Any, b: Any) -> Tensor:
    """:math:`a - b`; the partial derivatives are 1 and -1."""
    a, b = _pair(a, b)
    return record(
        "subtract", a.data - b.data, (a, b), lambda g: (g, -g if b.requires_grad else None)
    )


def multiply(a: Any, b: Any) -> Tensor:
    r""":math:`a b`; :math:`\partial/\partial a = b`, :math:`\partial/\partial b = a`."""
    a, b = _pair(a, b)

    def backward(g: np.ndarray) -> tuple[Any, Any]:
        return (g * b.data if a.requires_grad else None, g * a.data if b.requires_grad else None)

    return record("multiply", a.data * b.data, (a, b), backward)


def divide(a: Any, b: Any) -> Tensor:
    r""":math:`a / b`; :math:`\partial/\partial a = 1/b`, :math:`\partial/\partial b = -a/b^2`."""
    a, b = _pair(a, b)
    out = a.data / b.data

    def backward(g: np.ndarray) -> tuple[Any, Any]:
        ga = g / b.data if a.requires_grad else None
        gb = -g * out / b.data if b.requires_grad else None
        return ga, gb

    return record("divide", out, (a, b), backward)


def negative(a: Tensor) -> Tensor:
    """:math:`-a`."""
    return record("negative", -a.data, (a,), lambda g: (-g,))


def _power_derivative(x: np.ndarray, c: float) -> np.ndarray:
    """:math:`c x^{c-1}`; 0 for :math:`c = 0` even at :math:`x = 0` (as PyTorch)."""
    if c == 0:
        return np.zeros_like(x)
    return 2 * x if c == 2 else c * x ** (c - 1)


def power(base: Any, exponent: Any) -> Tensor:
    r"""The power :math:`a^b`.

    .. math::

        \frac{\partial a^b}{\partial a} = b a^{b-1}, \qquad
        \frac{\partial a^b}{\partial b} = a^b \ln a

    A constant Python exponent (``x ** 2``) records only the base. Where
    ``a = 0`` and ``b >= 0`` the derivative in ``b`` is taken as 0, as in
    PyTorch (the limit of :math:`a^b \ln a` as :math:`a \to 0^+`).
    """
    if (
        isinstance(base, Tensor)
        and isinstance(exponent, numbers.Real)
        and not isinstance(exponent, np.ndarray)
    ):
        c = float(exponent)
        x = base.data
        op = f"{{}} ** {c:g}"  # the graph shows the constant exponent: "v2 ** 2"
        return record(op, x**c, (base,), lambda g: (g * _power_derivative(x, c),))
    a, b = _pair(base, exponent)
    out = a.data**b.data

    def backward(g: np.ndarray) -> tuple[Any, Any]:
        ga = g * b.data * a.data ** (b.data - 1) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where((a.data == 0) & (b.data >= 0), 0, out * np.log(a.data))
        return ga, gb

    return record("power", out, (a, b), backward)


def _matrix_operands(a: np.ndarray, b: np.ndarray, g: np.ndarray) -> tuple[Any, Any, Any]:
    """Treat a 1-D left operand as a row and a 1-D right operand as a column (as matmul does)."""
    if a.ndim == 1:
        a, g = a[None, :], g[..., None, :]
    if b.ndim == 1:
        b, g = b[:, None], g[..., None]
    return a, b, g


def matmul(a: Any, b: Any) -> Tensor:
    r"""The (batched) matrix product :math:`C = AB` with NumPy's ``@`` rules.

    .. math::

        \bar{A} = \bar{C} B^\top, \qquad \bar{B} = A^\top \bar{C}

    Leading (batch) axes broadcast; a 1-D operand is a vector. When a stack of
    matrices meets one weight matrix (``(B, T, n) @ (n, m)``) the weight's
    gradient is one product over the flattened batch rather than a sum of many.
    """
    a, b = _pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(
            f"matmul needs operands with at least 1 dimension, got {a.shape} and {b.shape}"
        )
    x, w = a.data, b.data

    def backward(g: np.ndarray) -> tuple[Any, Any]:
        if x.ndim == 1 and w.ndim == 1:
            return (g * w if a.requires_grad else None, g * x if b.requires_grad else None)
        x2, w2, g2 = _matrix_operands(x, w, g)
        ga = gb = None
        if a.requires_grad:
            ga = g2 @ np.swapaxes(w2, -1, -2)
            ga = ga.reshape(ga.shape[:-2] + x.shape[-1:]) if x.ndim == 1 else ga
        if b.requires_grad:
            if w2.ndim == 2 and x2.ndim > 2:
                gb = x2.reshape(-1, x2.shape[-1]).T @ g2.reshape(-1, g2.shape[-1])
            else:
                gb = np.swapaxes(x2, -1, -2) @ g2
            gb = gb.reshape(gb.shape[:-2] + w.shape[:1]) if w.ndim == 1 else gb
        return ga, gb

    return record("matmul", x @ w, (a, b), backward)


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""The affine map of a layer, :math:`y = x W^\top + b`, as one node.

    ``weight`` has shape ``(out_features, in_features)`` as in PyTorch. Fusing
    the product, the transpose and the bias saves two graph nodes and a
    temporary per layer:

    .. math::

        \bar{x} = \bar{y} W, \qquad \bar{W} = \bar{y}^\top x, \qquad
        \bar{b} = \textstyle\sum_n \bar{y}_n
    """
    if not isinstance(x, Tensor):
        x = Tensor(x, dtype=weight.dtype)  # plain data joins the layer in its precision
    if weight.ndim != 2:
        raise ShapeError(f"weight must be a matrix (out_features, in_features), got {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"input must end in in_features={weight.shape[1]} (weight {weight.shape}), got "
            f"shape {x.shape}"
        )
    xd, wd = x.data, weight.data
    out = xd @ wd.T
    if bias is not None:
        out += bias.data
    flat_x = xd.reshape(-1, xd.shape[-1])

    def backward(g: np.ndarray) -> tuple[Any, ...]:
        flat_g = g.reshape(-1, g.shape[-1])
        gx = g @ wd if x.requires_grad else None
        gw = flat_g.T @ flat_x if weight.requires_grad else None
        if bias is None:
            return gx, gw
        return gx, gw, flat_g.sum(axis=0) if bias.requires_grad else None

    parents = (x, weight) if bias is None else (x, weight, bias)
    return record("linear", out, parents, backward)
