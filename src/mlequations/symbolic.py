r"""Symbolic differentiation: exact gradients and Hessians from SymPy.

Where :mod:`mlequations.calculus` treats :math:`g` as a black box and
compares function values (numerical differentiation), this module asks SymPy
for the derivative as a formula (:func:`symbolic_gradient`,
:func:`symbolic_hessian`). Each result is a :class:`SymbolicDerivative` that
holds the formula and a NumPy function evaluating it at any point.

Everything here works on SymPy objects and returns NumPy arrays, so it is
**NumPy only**. SymPy is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations._checks import as_vector

if TYPE_CHECKING:
    import sympy

__all__ = [
    "SymbolicDerivative",
    "symbolic_gradient",
    "symbolic_hessian",
]


@dataclass(frozen=True)
class SymbolicDerivative:
    r"""A gradient or Hessian from SymPy, with a NumPy function that evaluates it.

    Attributes
    ----------
    kind : {"gradient", "hessian"}
    expression : sympy.Expr
        The differentiated function :math:`g`.
    variables : tuple of sympy.Symbol
        :math:`\theta_1, \dots, \theta_n`, in the order of the vector argument.
    derivative : sympy.ImmutableMatrix
        The gradient as an (n, 1) column, or the (n, n) Hessian.
    function : callable
        ``function(theta)`` evaluates the derivative at a vector of length n and
        returns a NumPy array of shape (n,) or (n, n) in ``theta``'s dtype; it
        raises :class:`NonFiniteError` where the derivative is not finite.
    value : numpy.ndarray or None
        The derivative at the point given as ``at=``, if one was given.
    """

    kind: str
    expression: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    derivative: sympy.ImmutableMatrix
    function: Callable[[Any], np.ndarray] = field(repr=False, compare=False)
    value: np.ndarray | None = field(default=None, compare=False)

    def __call__(self, theta: Any) -> np.ndarray:
        """Evaluate the derivative at ``theta`` (same as ``self.function(theta)``)."""
        return self.function(theta)


def _symbols(variables: Any, expression: Any) -> tuple[sympy.Symbol, ...]:
    """Validated, distinct SymPy symbols; a name reuses the expression's symbol of that name."""
    import sympy

    if isinstance(variables, str | sympy.Symbol):
        variables = [variables]
    if not isinstance(variables, Sequence) or not variables:
        raise ValidationError(f"variables must be a non-empty list of names, got {variables!r}")
    by_name = {}
    if isinstance(expression, sympy.Basic):
        by_name = {s.name: s for s in expression.free_symbols if isinstance(s, sympy.Symbol)}
    symbols = []
    for variable in variables:
        if isinstance(variable, sympy.Symbol):
            symbols.append(variable)
        elif isinstance(variable, str) and variable.isidentifier():
            symbols.append(by_name.get(variable, sympy.Symbol(variable)))
        else:
            raise ValidationError(f"variables must be names or SymPy symbols, got {variable!r}")
    names = [s.name for s in symbols]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValidationError(f"variables must be distinct, got {repeated} more than once")
    return tuple(symbols)


def _parse(expression: Any, symbols: tuple[sympy.Symbol, ...]) -> sympy.Expr:
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    if isinstance(expression, str):
        try:
            parsed = parse_expr(expression, local_dict={s.name: s for s in symbols})
        except Exception as error:  # SyntaxError, TokenError, TypeError, ... from user text
            raise ValidationError(
                f"expression {expression!r} could not be parsed: {error}"
            ) from None
    else:
        try:
            parsed = sympy.sympify(expression, strict=True)
        except sympy.SympifyError as error:
            raise ArrayTypeError(
                f"expression must be a SymPy expression or text, got {error}"
            ) from None
    if not isinstance(parsed, sympy.Expr) or parsed.is_Matrix:
        raise ArrayTypeError(
            f"expression must be a scalar SymPy expression, got {type(parsed).__name__}"
        )
    unknown = sorted(s.name for s in parsed.free_symbols - set(symbols))
    if unknown:
        raise ValidationError(
            f"expression uses {unknown}, which are not in variables {[s.name for s in symbols]} "
            "(a symbol must match in name and assumptions)"
        )
    return parsed


def _numpy_function(
    symbols: tuple[sympy.Symbol, ...], matrix: sympy.ImmutableMatrix, kind: str
) -> Callable[[Any], np.ndarray]:
    """A NumPy function ``theta -> array`` evaluating ``matrix`` (the gradient or Hessian)."""
    import sympy

    compiled = sympy.lambdify(symbols, matrix.tolist(), modules="numpy")
    shape = (len(symbols),) if kind == "gradient" else (len(symbols), len(symbols))

    def evaluate(theta: Any) -> np.ndarray:
        point = as_vector(theta, "theta")
        if point.shape != shape[:1]:
            raise ShapeError(
                f"theta must have shape {shape[:1]} for variables "
                f"{[s.name for s in symbols]}, got {point.shape}"
            )
        with np.errstate(all="ignore"):
            values = np.asarray(compiled(*point))
            if values.dtype.kind not in "biuf":
                raise ArrayTypeError(f"the {kind} is not real at theta = {point.tolist()}")
            values = values.astype(point.dtype).reshape(shape)
        if not bool(np.all(np.isfinite(values))):
            raise NonFiniteError(f"the {kind} is not finite at theta = {point.tolist()}")
        return values

    return evaluate


def _symbolic(expression: Any, variables: Any, at: Any, kind: str) -> SymbolicDerivative:
    import sympy

    symbols = _symbols(variables, expression)
    parsed = _parse(expression, symbols)
    if kind == "gradient":
        matrix = sympy.ImmutableMatrix([sympy.diff(parsed, s) for s in symbols])
    else:
        matrix = sympy.ImmutableMatrix(sympy.hessian(parsed, symbols))
    function = _numpy_function(symbols, matrix, kind)
    value = None if at is None else function(at)
    return SymbolicDerivative(kind, parsed, symbols, matrix, function, value)


def symbolic_gradient(
    expression: str | sympy.Expr, variables: Sequence[str | sympy.Symbol], *, at: Any = None
) -> SymbolicDerivative:
    r"""Exact gradient of an expression with SymPy (NumPy only).

    .. math::

        \nabla g(\theta) = \left[\frac{\partial g}{\partial \theta_1}, \dots,
        \frac{\partial g}{\partial \theta_n}\right]^T

    Parameters
    ----------
    expression : str or sympy.Expr
        The function :math:`g`. Text is parsed by SymPy's ``parse_expr``, which
        runs Python code: never pass untrusted text.
    variables : sequence of str or sympy.Symbol
        The variables :math:`\theta_1, \dots, \theta_n`, in the order of the
        vector argument of the returned function. Every symbol of
        ``expression`` must be among them; a listed variable that does not
        occur simply has derivative 0.
    at : array_like of shape (n,), optional
        Evaluate the gradient here and store it as ``result.value``.

    Returns
    -------
    SymbolicDerivative
        ``derivative`` holds the partial derivatives (an (n, 1) SymPy matrix),
        ``function(theta)`` evaluates them as a NumPy vector.

    Raises
    ------
    ValidationError
        Text that does not parse, symbols missing from ``variables``, repeated
        or malformed variable names.
    ArrayTypeError
        ``expression`` is not a scalar expression (e.g. a matrix or an equation).
    NonFiniteError
        Evaluation at a point where the gradient is infinite or undefined.

    Examples
    --------
    >>> result = symbolic_gradient("theta1**2 + 2*theta2**2 - theta3**2",
    ...                            ["theta1", "theta2", "theta3"], at=[1, -1, 1])
    >>> list(result.derivative)
    [2*theta1, 4*theta2, -2*theta3]
    >>> result.value
    array([ 2., -4., -2.])
    """
    return _symbolic(expression, variables, at, "gradient")


def symbolic_hessian(
    expression: str | sympy.Expr, variables: Sequence[str | sympy.Symbol], *, at: Any = None
) -> SymbolicDerivative:
    r"""Exact Hessian of an expression with SymPy (NumPy only).

    .. math::

        H_{ij}(\theta) = \frac{\partial^2 g}{\partial \theta_i \, \partial \theta_j}

    Parameters and errors are those of :func:`symbolic_gradient`; ``derivative``
    is the symmetric (n, n) SymPy matrix and ``function(theta)`` returns an
    (n, n) NumPy array.

    Examples
    --------
    >>> result = symbolic_hessian("theta1**2 + 2*theta2**2 - theta3**2",
    ...                           ["theta1", "theta2", "theta3"])
    >>> result.derivative
    Matrix([
    [2, 0,  0],
    [0, 4,  0],
    [0, 0, -2]])
    """
    return _symbolic(expression, variables, at, "hessian")
