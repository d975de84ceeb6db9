r"""Gradients and Hessians by finite differences, and a convexity test built on the Hessian.

The guides compare three ways of obtaining a gradient. **Numerical
differentiation** treats :math:`g` as a black box and compares function values
a small step apart (:func:`numerical_gradient`, :func:`numerical_hessian`);
**symbolic differentiation** lives in :mod:`mlequations.symbolic` (its names
are re-exported here); automatic differentiation is the engine of layer 2.

A twice-differentiable function on :math:`\mathbb{R}^n` is convex exactly when
its Hessian is positive semidefinite everywhere; :func:`is_convex` applies that
test to a numeric matrix, a SymPy expression or a Python function.

Everything here works on Python callables and SymPy objects, so it is
**NumPy only**: inputs are converted with NumPy and results are NumPy arrays.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mlequations._array import (
    ArrayTypeError,
    NonFiniteError,
    ShapeError,
    ValidationError,
    as_array,
    as_arrays,
    to_numpy,
)
from mlequations._checks import as_vector, check_finite, check_nonempty
from mlequations.symbolic import (
    SymbolicDerivative,
    _numpy_function,
    _symbols,
    symbolic_gradient,
    symbolic_hessian,
)

if TYPE_CHECKING:
    import sympy

__all__ = [
    "SymbolicDerivative",  # re-exported from mlequations.symbolic
    "hessian_is_positive_semidefinite",
    "is_convex",
    "numerical_gradient",
    "numerical_hessian",
    "symbolic_gradient",  # re-exported from mlequations.symbolic
    "symbolic_hessian",  # re-exported from mlequations.symbolic
]

_METHODS = ("central", "forward")


# --------------------------------------------------------------------------- numerical


def _evaluate(f: Callable[[np.ndarray], Any], point: np.ndarray, where: str) -> float:
    """Call ``f`` on a copy of ``point`` and insist on a finite real scalar."""
    value = f(point.copy())
    if isinstance(value, numbers.Real):
        number = float(value)
    else:
        try:
            array = np.asarray(to_numpy(value))
        except (TypeError, ValueError, RuntimeError) as error:
            raise ArrayTypeError(
                f"f must return a real number, got {type(value).__name__}"
            ) from error
        if array.dtype.kind not in "biuf":
            raise ArrayTypeError(f"f must return a real number, got {array.dtype} data")
        if array.shape != ():
            raise ShapeError(f"f must return a scalar, got an array of shape {array.shape}")
        number = float(array)
    if not math.isfinite(number):
        raise NonFiniteError(f"f returned {number} at {where}")
    return number


def _step_sizes(point: np.ndarray, eps: Any, root: int) -> np.ndarray:
    """Steps h_i, made exactly representable so that (x_i + h_i) - x_i == h_i."""
    if eps is None:
        unit = float(np.finfo(point.dtype).eps) ** (1.0 / root)
        steps = unit * np.maximum(1.0, np.abs(point.astype(np.float64)))
    else:
        given = np.asarray(to_numpy(as_array(eps, "eps")), dtype=np.float64)
        if given.shape not in {(), point.shape}:
            raise ShapeError(f"eps must be a number or have shape {point.shape}, got {given.shape}")
        if not bool(np.all(np.isfinite(given) & (given > 0))):
            raise ValidationError(f"eps must be positive and finite, got {given.min():.6g}")
        steps = np.broadcast_to(given, point.shape)
    shifted = (point + steps.astype(point.dtype)) - point
    if not bool(np.all(shifted > 0)):
        index = int(np.argmin(shifted))
        raise ValidationError(
            f"eps is too small to move x[{index}] = {point[index]:.6g} in {point.dtype}"
        )
    return shifted


def numerical_gradient(
    f: Callable[[np.ndarray], Any],
    x: Any,
    eps: float | Any | None = None,
    method: str = "central",
) -> np.ndarray:
    r"""Gradient of a scalar function by finite differences (NumPy only).

    .. math::

        \frac{\partial g}{\partial \theta_i} \approx
        \frac{g(\theta + h_i e_i) - g(\theta - h_i e_i)}{2 h_i}
        \quad\text{(central)}, \qquad
        \frac{g(\theta + h_i e_i) - g(\theta)}{h_i} \quad\text{(forward)}

    The central difference is accurate to :math:`O(h^2)`, the forward one to
    :math:`O(h)`. The default step balances that truncation error against
    rounding: :math:`h_i = \epsilon^{1/3}\max(1, |\theta_i|)` for central and
    :math:`\epsilon^{1/2}\max(1, |\theta_i|)` for forward differences, where
    :math:`\epsilon` is the machine epsilon of ``x``'s dtype (so float32 gets
    larger steps). Central differences give about 10 correct digits in
    float64, forward ones about 8.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; called with a NumPy vector of ``x``'s dtype. It is
        evaluated ``2n`` times (central) or ``n + 1`` times (forward).
    x : array_like, shape (n,)
        The point. Must be finite.
    eps : float or array_like of shape (n,), optional
        Step size(s); default as above.
    method : {"central", "forward"}

    Returns
    -------
    numpy.ndarray, shape (n,)
        The gradient, in ``x``'s floating dtype (float32 stays float32).

    Raises
    ------
    ShapeError
        ``x`` is not 1-D, ``f`` does not return a scalar, or ``eps`` has the wrong shape.
    NonFiniteError
        ``x`` holds NaN/inf or ``f`` returns NaN/inf at one of the evaluation points.
    ValidationError
        Unknown ``method``, or ``eps`` not positive (or too small to move ``x``).

    Examples
    --------
    The guide's example, :math:`g(\theta) = \theta_1^2 + 2\theta_2^2 - \theta_3^2` at [1, -1, 1]:

    >>> def g(theta):
    ...     return theta[0] ** 2 + 2 * theta[1] ** 2 - theta[2] ** 2
    >>> numerical_gradient(g, [1.0, -1.0, 1.0]).round(6)
    array([ 2., -4., -2.])
    """
    if method not in _METHODS:
        raise ValidationError(f"method must be one of {_METHODS}, got {method!r}")
    point = as_vector(x, "x")
    steps = _step_sizes(point, eps, root=3 if method == "central" else 2)
    gradient = np.empty(point.shape, dtype=np.float64)
    base = _evaluate(f, point, "x") if method == "forward" else 0.0
    for i in range(point.size):
        upper = point.copy()
        upper[i] += steps[i]
        high = _evaluate(f, upper, f"x with x[{i}] raised by {steps[i]:.3g}")
        if method == "forward":
            gradient[i] = (high - base) / float(steps[i])
            continue
        lower = point.copy()
        lower[i] -= steps[i]
        low = _evaluate(f, lower, f"x with x[{i}] lowered by {steps[i]:.3g}")
        gradient[i] = (high - low) / (float(upper[i]) - float(lower[i]))
    return gradient.astype(point.dtype)


def numerical_hessian(
    f: Callable[[np.ndarray], Any], x: Any, eps: float | Any | None = None
) -> np.ndarray:
    r"""Hessian of a scalar function by central differences (NumPy only).

    .. math::

        H_{ij} \approx \frac{g(\theta + h_i e_i + h_j e_j) - g(\theta + h_i e_i - h_j e_j)
        - g(\theta - h_i e_i + h_j e_j) + g(\theta - h_i e_i - h_j e_j)}{4 h_i h_j}

    The same formula serves the diagonal (:math:`i = j` gives the step
    :math:`2h_i`); only :math:`i \le j` is computed and mirrored, so the result
    is exactly symmetric. Default step :math:`h_i = \epsilon^{1/4}\max(1, |\theta_i|)`,
    giving about 7 correct digits in float64. ``f`` is evaluated
    :math:`2n(n+1)` times.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, called with NumPy vectors of ``x``'s dtype.
    x : array_like, shape (n,)
    eps : float or array_like of shape (n,), optional

    Returns
    -------
    numpy.ndarray, shape (n, n)
        A symmetric matrix in ``x``'s floating dtype.

    Raises
    ------
    ShapeError, NonFiniteError, ValidationError
        As for :func:`numerical_gradient`.

    Examples
    --------
    >>> def g(theta):
    ...     return theta[0] ** 2 + 2 * theta[1] ** 2 - theta[2] ** 2
    >>> numerical_hessian(g, [1.0, -1.0, 1.0]).round(6)
    array([[ 2.,  0.,  0.],
           [ 0.,  4.,  0.],
           [ 0.,  0., -2.]])
    """
    point = as_vector(x, "x")
    steps = _step_sizes(point, eps, root=4)
    n = point.size
    hessian = np.empty((n, n), dtype=np.float64)

    def shifted(i: int, sign_i: int, j: int, sign_j: int) -> float:
        moved = point.copy()
        moved[i] += sign_i * steps[i]
        moved[j] += sign_j * steps[j]
        return _evaluate(f, moved, f"x shifted along x[{i}] and x[{j}]")

    for i in range(n):
        for j in range(i, n):
            total = shifted(i, 1, j, 1) - shifted(i, 1, j, -1)
            total += shifted(i, -1, j, -1) - shifted(i, -1, j, 1)
            hessian[i, j] = hessian[j, i] = total / (4.0 * float(steps[i]) * float(steps[j]))
    return hessian.astype(point.dtype)


# --------------------------------------------------------------------------- convexity


def hessian_is_positive_semidefinite(hessian: Any, *, atol: float | None = None) -> bool:
    r"""Whether a symmetric matrix is positive semidefinite: all eigenvalues :math:`\ge 0`.

    .. math::

        H \succeq 0 \iff \lambda_{\min}(H) \ge 0 \iff v^T H v \ge 0 \;\; \forall v

    Works on any array-API array (NumPy, PyTorch, array-api-strict) through
    ``linalg.eigvalsh`` and returns a Python ``bool``.

    Parameters
    ----------
    hessian : array_like, shape (n, n)
        A symmetric, finite matrix.
    atol : float, optional
        Eigenvalues down to ``-atol`` count as zero. Default
        :math:`10\, n\, \epsilon \max(1, \max_{ij} |H_{ij}|)`, the size of the
        eigensolver's rounding error.

    Raises
    ------
    ShapeError
        Not a square 2-D matrix, or not symmetric (beyond
        :math:`\sqrt{\epsilon}` relative to its largest entry).
    NonFiniteError, EmptyInputError
        NaN/inf entries or an empty matrix.

    Examples
    --------
    >>> hessian_is_positive_semidefinite([[2.0, 0.0], [0.0, 4.0]])
    True
    >>> hessian_is_positive_semidefinite([[2.0, 0.0], [0.0, -2.0]])
    False
    """
    xp, matrix = as_arrays(hessian, names=("hessian",))
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ShapeError(f"hessian must be a square matrix, got shape {tuple(matrix.shape)}")
    check_nonempty(matrix, "hessian")
    check_finite(matrix, "hessian", xp)
    epsilon = float(xp.finfo(matrix.dtype).eps)
    # a yes/no decision: read the numbers without any autograd history
    scale = max(1.0, float(to_numpy(xp.max(xp.abs(matrix)))))
    asymmetry = float(to_numpy(xp.max(xp.abs(matrix - xp.matrix_transpose(matrix)))))
    if asymmetry > math.sqrt(epsilon) * scale:
        raise ShapeError(f"hessian must be symmetric, got |H - H^T| up to {asymmetry:.3g}")
    tolerance = 10.0 * matrix.shape[0] * epsilon * scale if atol is None else float(atol)
    if not tolerance >= 0:
        raise ValidationError(f"atol must be non-negative, got {atol}")
    return bool(float(to_numpy(xp.min(xp.linalg.eigvalsh(matrix)))) >= -tolerance)


def _points(points: Any, n: int | None = None) -> np.ndarray:
    """Points as an (m, n) float64 array; one 1-D point becomes a single row."""
    array = np.asarray(to_numpy(as_array(points, "points")), dtype=np.float64)
    array = array.reshape(1, -1) if array.ndim == 1 else array
    n = array.shape[-1] if n is None and array.ndim == 2 else n
    if array.ndim != 2 or array.shape[1] != n or array.size == 0:
        raise ShapeError(f"points must have shape (n_points, {n}), got {np.shape(points)}")
    check_finite(array, "points", np)
    return array


def _symbolic_is_convex(
    matrix: sympy.MatrixBase,
    symbols: tuple[sympy.Symbol, ...],
    points: Any,
    atol: float | None,
) -> bool:
    import sympy

    if not matrix.free_symbols:
        verdict = matrix.is_positive_semidefinite
        if verdict is not None:
            return bool(verdict)
        return hessian_is_positive_semidefinite(np.asarray(matrix.evalf(), dtype=float), atol=atol)
    if points is not None:
        unknown = sorted(s.name for s in matrix.free_symbols - set(symbols))
        if unknown:
            raise ValidationError(f"the Hessian uses {unknown}, which are not in variables")
        evaluate = _numpy_function(symbols, sympy.ImmutableMatrix(matrix), "hessian")
        rows = _points(points, len(symbols))
        return all(hessian_is_positive_semidefinite(evaluate(p), atol=atol) for p in rows)
    real = {s: sympy.Dummy(s.name, real=True) for s in matrix.free_symbols}
    verdict = matrix.xreplace(real).is_positive_semidefinite
    if verdict is None:
        raise ValidationError(
            f"SymPy cannot decide whether the Hessian {matrix.tolist()} is positive "
            "semidefinite for all real values; pass points=... to check it numerically"
        )
    return bool(verdict)


def is_convex(
    target: Any,
    variables: Sequence[str | sympy.Symbol] | None = None,
    *,
    points: Any = None,
    atol: float | None = None,
) -> bool:
    r"""Second-order convexity test: is the Hessian positive semidefinite?

    .. math::

        g \text{ convex on } \mathbb{R}^n \iff \nabla^2 g(\theta) \succeq 0
        \;\; \text{for all } \theta

    ``target`` may be

    * a numeric matrix: the Hessian itself (see :func:`hessian_is_positive_semidefinite`);
    * a SymPy expression or text with ``variables``, or a :class:`SymbolicDerivative`
      of kind ``"hessian"``: a constant Hessian is decided exactly by SymPy;
      a varying one is decided symbolically over all real values when SymPy
      can, else (or when ``points`` are given) at ``points`` numerically;
    * a Python function ``f(theta) -> float``: its :func:`numerical_hessian`
      is tested at each of ``points`` (required) with a default ``atol`` of
      :math:`10^{-6}\max(1, |H|_{\max})`, the accuracy of finite differences.

    Checking at points is a necessary condition only: ``False`` proves the
    function is not convex; ``True`` says no counter-example was found there.
    NumPy only, except for a numeric matrix.

    Parameters
    ----------
    target : array_like, str, sympy.Expr, sympy.Matrix, SymbolicDerivative or callable
        What to test, as listed above.
    variables : sequence of str or sympy.Symbol, optional
        The variables of a symbolic ``target`` (the order of ``points``' columns).
    points : array_like of shape (m, n), or (n,) for one point, optional
        Where to evaluate a varying Hessian.
    atol : float, optional
        Eigenvalues down to ``-atol`` count as zero (defaults as described above).

    Returns
    -------
    bool

    Raises
    ------
    ValidationError
        Missing ``variables`` for an expression, missing ``points`` for a Python
        function, a gradient given instead of a Hessian, or a symbolic
        Hessian SymPy cannot decide without ``points``.

    Examples
    --------
    The guide's :math:`\theta_1^2 + 2\theta_2^2 - \theta_3^2` has Hessian
    diag(2, 4, -2), which is indefinite:

    >>> is_convex("theta1**2 + 2*theta2**2 - theta3**2", ["theta1", "theta2", "theta3"])
    False
    >>> is_convex("exp(a) + b**2", ["a", "b"])
    True
    """
    if isinstance(target, SymbolicDerivative):
        if target.kind != "hessian":
            raise ValidationError(
                "is_convex needs a Hessian, got a symbolic gradient; pass symbolic_hessian(...)"
            )
        return _symbolic_is_convex(target.derivative, target.variables, points, atol)
    if isinstance(target, str) or type(target).__module__.startswith("sympy"):
        return _sympy_is_convex(target, variables, points, atol)
    if callable(target):
        if points is None:
            raise ValidationError("points must be given to test a Python function numerically")
        for point in _points(points):
            hessian = numerical_hessian(target, point)
            tolerance = 1e-6 * max(1.0, float(np.max(np.abs(hessian)))) if atol is None else atol
            if not hessian_is_positive_semidefinite(hessian, atol=tolerance):
                return False
        return True
    return hessian_is_positive_semidefinite(target, atol=atol)


def _sympy_is_convex(target: Any, variables: Any, points: Any, atol: float | None) -> bool:
    """Convexity of a SymPy expression (or text) or of a SymPy Hessian matrix."""
    import sympy

    if isinstance(target, sympy.MatrixBase):
        if target.shape[0] != target.shape[1] or target.shape[0] == 0:
            raise ShapeError(f"hessian must be a square matrix, got shape {target.shape}")
        if not target.is_symmetric():
            raise ShapeError("hessian must be symmetric")
        symbols = () if variables is None else _symbols(variables, target)
        if target.free_symbols and points is not None and variables is None:
            raise ValidationError(
                "variables must be given to evaluate a symbolic Hessian at points"
            )
        return _symbolic_is_convex(target, symbols, points, atol)
    if variables is None:
        raise ValidationError("variables must be given to test a symbolic expression")
    result = symbolic_hessian(target, variables)
    return _symbolic_is_convex(result.derivative, result.variables, points, atol)
