r"""Gradients as functions (:func:`grad`) and the check of a backward pass (:func:`gradcheck`).

:func:`gradcheck` compares the Jacobian the engine computes, one backward pass
per output entry, with central differences in float64,

.. math::

    \frac{\partial f_j}{\partial x_i} \approx
    \frac{f_j(x + \varepsilon e_i) - f_j(x - \varepsilon e_i)}{2\varepsilon},

whose error is :math:`O(\varepsilon^2)`: with :math:`\varepsilon = 10^{-6}`
they agree to about :math:`10^{-8}` on smooth functions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_real_number
from mlequations.autodiff.engine import backpropagate
from mlequations.autodiff.mode import enable_grad
from mlequations.autodiff.tensor import Tensor

__all__ = ["GradcheckError", "grad", "gradcheck"]


class GradcheckError(AssertionError):
    """The engine's gradient and the finite differences disagree."""


def _argnums(argnums: int | Sequence[int], count: int) -> tuple[int, ...]:
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for number in numbers:
        if not isinstance(number, int) or not -count <= number < count:
            raise ValidationError(
                f"argnums must name positional arguments 0..{count - 1}, got {argnums!r}"
            )
    return tuple(n % count for n in numbers)


def grad(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The gradient of a scalar function of tensors, as a function of arrays.

    Parameters
    ----------
    f : callable
        Takes tensors (positional arguments) and returns a one-element tensor.
    argnums : int or sequence of int, default 0
        Which arguments to differentiate with respect to. With a sequence the
        gradient function returns a tuple.

    Returns
    -------
    callable
        Takes the same arguments as ``f`` (arrays, lists or numbers) and returns
        ``∂f/∂x`` as a NumPy array of the argument's shape (or a tuple of them).

    Examples
    --------
    >>> g = grad(lambda t: (t[0] ** 2 + 2 * t[1] ** 2 - t[2] ** 2))
    >>> g([1.0, -1.0, 1.0])
    array([ 2., -4., -2.])
    """
    if not callable(f):
        raise ArrayTypeError(f"f must be callable, got {type(f).__name__}")

    @functools.wraps(f)
    def gradient(*args: Any) -> Any:
        wanted = _argnums(argnums, len(args))
        inputs = [
            Tensor(a, requires_grad=i in wanted) if i in wanted or not isinstance(a, Tensor) else a
            for i, a in enumerate(args)
        ]
        with enable_grad():
            value = f(*inputs)
        if not isinstance(value, Tensor) or value.size != 1:
            shape = value.shape if isinstance(value, Tensor) else type(value).__name__
            raise ShapeError(f"f must return a one-element Tensor, got {shape}")
        if value.requires_grad:
            backpropagate(value)
        grads = tuple(
            inputs[i].grad if inputs[i].grad is not None else np.zeros_like(inputs[i].data)
            for i in wanted
        )
        return grads[0] if isinstance(argnums, int) else grads

    return gradient


def _float64_inputs(inputs: Any) -> list[Tensor]:
    items = [inputs] if isinstance(inputs, Tensor | np.ndarray) else list(inputs)
    if not items:
        raise ValidationError("inputs must hold at least one array")
    return [
        Tensor(np.array(getattr(x, "data", x), dtype=np.float64), requires_grad=True) for x in items
    ]


def _evaluate(f: Callable[..., Any], arrays: list[np.ndarray]) -> np.ndarray:
    out = f(*(Tensor(a) for a in arrays))
    # A copy: the result may be a view of an input (reshape, slicing) that is moved next.
    return np.array(out.data if isinstance(out, Tensor) else out, dtype=np.float64)


def _numerical_jacobian(
    f: Callable[..., Any], arrays: list[np.ndarray], which: int, eps: float, n_out: int
) -> np.ndarray:
    """Column i: the central difference of every output in the direction of entry i."""
    x = arrays[which]
    jacobian = np.empty((n_out, x.size))
    flat = x.reshape(-1)
    for i in range(x.size):
        original = flat[i]
        flat[i] = original + eps
        plus = _evaluate(f, arrays).reshape(-1)
        flat[i] = original - eps
        minus = _evaluate(f, arrays).reshape(-1)
        flat[i] = original
        jacobian[:, i] = (plus - minus) / (2 * eps)
    return jacobian


def _analytic_jacobians(
    f: Callable[..., Any], tensors: list[Tensor]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Row j: one backward pass with the one-hot gradient e_j on the output."""
    with enable_grad():
        out = f(*tensors)
    if not isinstance(out, Tensor):
        raise ArrayTypeError(f"f must return a Tensor, got {type(out).__name__}")
    jacobians = [np.zeros((out.size, t.size)) for t in tensors]
    if not out.requires_grad:
        return out.data, jacobians
    for j in range(out.size):
        for t in tensors:
            t.grad = None
        seed = np.zeros(out.size)
        seed[j] = 1.0
        backpropagate(out, seed.reshape(out.shape))
        for jacobian, t in zip(jacobians, tensors, strict=True):
            if t.grad is not None:
                jacobian[j] = t.grad.reshape(-1)
    return out.data, jacobians


def gradcheck(
    f: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the engine's derivatives of ``f`` against central differences, in float64.

    Parameters
    ----------
    f : callable
        Takes one tensor per input and returns a tensor (any shape).
    inputs : array_like or sequence of array_like
        The point at which to compare; converted to float64 copies.
    eps : float, default 1e-6
        The finite-difference step.
    atol, rtol : float
        Entries agree when ``|analytic - numerical| <= atol + rtol * |numerical|``
        (as ``torch.autograd.gradcheck``).
    raise_exception : bool, default True
        Raise :class:`GradcheckError` on a mismatch (naming the input and the
        entry) instead of returning False.

    Returns
    -------
    bool
        True when every entry of every Jacobian agrees.

    Examples
    --------
    >>> gradcheck(lambda a, b: (a * b).sigmoid(), [[0.5, -1.0], [2.0, 3.0]])
    True
    """
    eps = check_real_number(eps, "eps")
    if not eps > 0:
        raise ValidationError(f"eps must be positive, got {eps}")
    tensors = _float64_inputs(inputs)
    value, analytic = _analytic_jacobians(f, tensors)
    arrays = [t.data.copy() for t in tensors]
    for which, expected in enumerate(analytic):
        numerical = _numerical_jacobian(f, arrays, which, eps, value.size)
        close = np.abs(expected - numerical) <= atol + rtol * np.abs(numerical)
        if not np.all(close):
            row, col = np.argwhere(~close)[0]
            worst = np.max(np.abs(expected - numerical))
            message = (
                f"gradcheck failed for input {which}: d output[{row}] / d input[{col}] "
                f"(flattened) is {expected[row, col]!r} by backpropagation but "
                f"{numerical[row, col]!r} by central differences (max abs difference {worst:.3g})"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True
