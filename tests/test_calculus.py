"""Numerical derivatives, their agreement with symbolic ones, and the Hessian convexity test."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from scipy import optimize
from scipy.differentiate import hessian as scipy_hessian
from scipy.differentiate import jacobian as scipy_jacobian

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.calculus import (
    hessian_is_positive_semidefinite,
    is_convex,
    numerical_gradient,
    numerical_hessian,
)
from mlequations.symbolic import SymbolicDerivative, symbolic_gradient, symbolic_hessian

GUIDE_EXPRESSION = "theta1**2 + 2*theta2**2 - theta3**2"
GUIDE_VARIABLES = ["theta1", "theta2", "theta3"]


def guide_function(theta):
    return theta[0] ** 2 + 2 * theta[1] ** 2 - theta[2] ** 2


def smooth_function(x):
    """Vectorised over trailing axes so scipy.differentiate can call it too."""
    return np.sin(x[0]) * x[1] ** 2 + np.exp(0.3 * x[2]) + x[0] * x[2]


def smooth_gradient(x):
    return np.array(
        [
            np.cos(x[0]) * x[1] ** 2 + x[2],
            2 * np.sin(x[0]) * x[1],
            0.3 * np.exp(0.3 * x[2]) + x[0],
        ]
    )


# --------------------------------------------------------------------------- worked examples


@pytest.mark.parametrize("method", ["central", "forward"])
def test_guide_gradient_example_numerically(method):
    gradient = numerical_gradient(guide_function, [1.0, -1.0, 1.0], method=method)
    np.testing.assert_allclose(gradient, [2.0, -4.0, -2.0], rtol=1e-6)


def test_guide_gradient_example_symbolically():
    result = symbolic_gradient(GUIDE_EXPRESSION, GUIDE_VARIABLES, at=[1, -1, 1])
    t1, t2, t3 = sympy.symbols(GUIDE_VARIABLES)
    assert result.derivative == sympy.Matrix([2 * t1, 4 * t2, -2 * t3])
    np.testing.assert_array_equal(result.value, [2.0, -4.0, -2.0])
    np.testing.assert_array_equal(result([1.0, -1.0, 1.0]), result.value)


def test_guide_hessian_is_indefinite_so_not_convex():
    expected = np.diag([2.0, 4.0, -2.0])
    np.testing.assert_allclose(
        numerical_hessian(guide_function, [1.0, -1.0, 1.0]), expected, atol=1e-6
    )
    hessian = symbolic_hessian(GUIDE_EXPRESSION, GUIDE_VARIABLES)
    assert hessian.derivative == sympy.Matrix(expected.astype(int))
    assert not is_convex(GUIDE_EXPRESSION, GUIDE_VARIABLES)
    assert not is_convex(hessian)
    assert not is_convex(expected)
    assert not is_convex(guide_function, points=[[1.0, -1.0, 1.0]])
    # The guide's simpler example theta1^2 + theta2^2 + theta3^2 is convex.
    assert is_convex("theta1**2 + theta2**2 + theta3**2", GUIDE_VARIABLES)


# ------------------------------------------------------------------ numerical vs references


def test_central_gradient_matches_closed_form_and_scipy(rng):
    for _ in range(5):
        x = rng.normal(size=3)
        ours = numerical_gradient(smooth_function, x)
        np.testing.assert_allclose(ours, smooth_gradient(x), rtol=1e-9, atol=1e-10)
        reference = scipy_jacobian(smooth_function, x).df
        np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-10)


def test_forward_gradient_matches_scipy_approx_fprime(rng):
    x = rng.normal(size=3)
    ours = numerical_gradient(smooth_function, x, method="forward")
    np.testing.assert_allclose(ours, smooth_gradient(x), rtol=1e-6, atol=1e-7)
    reference = optimize.approx_fprime(x, smooth_function)
    np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-7)


def test_explicit_step_sizes(rng):
    x = rng.normal(size=3)
    per_coordinate = numerical_gradient(smooth_function, x, eps=[1e-5, 1e-6, 1e-4])
    np.testing.assert_allclose(per_coordinate, smooth_gradient(x), rtol=1e-7, atol=1e-8)
    forward = numerical_gradient(smooth_function, x, eps=1e-7, method="forward")
    np.testing.assert_allclose(
        forward, optimize.approx_fprime(x, smooth_function, 1e-7), rtol=1e-12
    )


def test_float32_is_kept(rng):
    x = rng.normal(size=3).astype(np.float32)
    gradient = numerical_gradient(smooth_function, x)
    assert gradient.dtype == np.float32
    np.testing.assert_allclose(gradient, smooth_gradient(x.astype(float)), rtol=1e-3, atol=1e-3)
    hessian = numerical_hessian(smooth_function, x)
    assert hessian.dtype == np.float32
    symbolic = symbolic_gradient("sin(a)*b**2 + exp(3*c/10) + a*c", ["a", "b", "c"])
    assert symbolic(x).dtype == np.float32
    np.testing.assert_allclose(symbolic(x), smooth_gradient(x.astype(float)), rtol=1e-5)


def test_numerical_hessian_of_a_quadratic_and_a_smooth_function(rng):
    A = rng.normal(size=(4, 4))
    b = rng.normal(size=4)
    x = rng.normal(size=4)
    hessian = numerical_hessian(lambda v: 0.5 * v @ A @ v + b @ v, x)
    np.testing.assert_array_equal(hessian, hessian.T)
    np.testing.assert_allclose(hessian, (A + A.T) / 2, rtol=1e-6, atol=1e-6)
    y = rng.normal(size=3)
    np.testing.assert_allclose(
        numerical_hessian(smooth_function, y), scipy_hessian(smooth_function, y).ddf, atol=1e-6
    )


def test_symbolic_hessian_matches_sympy_and_numerical(rng):
    variables = ["a", "b", "c"]
    expression = "sin(a)*b**2 + exp(3*c/10) + a*c"
    result = symbolic_hessian(expression, variables)
    symbols = sympy.symbols(variables)
    assert result.derivative == sympy.hessian(sympy.sympify(expression), symbols)
    x = rng.normal(size=3)
    np.testing.assert_allclose(result(x), numerical_hessian(smooth_function, x), atol=1e-6)
    assert result.kind == "hessian"
    assert isinstance(result, SymbolicDerivative)


# --------------------------------------------------------------------------- convexity


def test_positive_semidefinite_matches_eigenvalues(rng):
    B = rng.normal(size=(5, 3))
    low_rank = B @ B.T  # PSD with two zero eigenvalues
    assert hessian_is_positive_semidefinite(low_rank)
    shifted = low_rank - 1e-3 * np.eye(5)
    assert not hessian_is_positive_semidefinite(shifted)
    assert np.linalg.eigvalsh(shifted).min() < 0
    assert hessian_is_positive_semidefinite(shifted, atol=1e-2)


def test_positive_semidefinite_on_backends(backend, rng):
    B = rng.normal(size=(4, 4))
    for matrix in (B @ B.T, B + B.T):
        for dtype in ("float64", "float32"):
            verdict = hessian_is_positive_semidefinite(backend.asarray(matrix, dtype))
            assert isinstance(verdict, bool)
            assert verdict == bool(np.linalg.eigvalsh(matrix).min() >= 0)


@pytest.mark.parametrize(
    ("expression", "convex"),
    [
        ("x**4 + y**2", True),
        ("exp(x) + exp(-y)", True),
        ("log(exp(x) + exp(y))", None),  # convex, but SymPy cannot decide without points
        ("x*y", False),
        ("x**2 - y**2", False),
    ],
)
def test_symbolic_convexity(expression, convex):
    if convex is None:
        with pytest.raises(ValidationError, match="pass points="):
            is_convex(expression, ["x", "y"])
        points = np.random.default_rng(0).normal(size=(10, 2))
        assert is_convex(expression, ["x", "y"], points=points)
    else:
        assert is_convex(expression, ["x", "y"]) is convex


def test_numerical_convexity_of_python_functions(rng):
    points = rng.normal(size=(6, 3))
    log_sum_exp = lambda v: float(np.log(np.sum(np.exp(v))))  # noqa: E731
    assert is_convex(log_sum_exp, points=points)
    assert is_convex(lambda v: float(np.sum((v[:2] + v[2]) ** 2)), points=points)  # singular
    assert not is_convex(lambda v: float(v[0] ** 3), points=[[-1.0], [1.0]])
    assert is_convex(lambda v: float(v[0] ** 3), points=[[1.0], [2.0]])  # only where it is


def test_sympy_matrix_hessians():
    x, y = sympy.symbols("x y")
    assert is_convex(sympy.Matrix([[2, 1], [1, 2]]))
    assert not is_convex(sympy.Matrix([[1, 2], [2, 1]]))
    varying = sympy.Matrix([[6 * x, 0], [0, 2]])
    assert is_convex(varying, [x, y], points=[[1.0, 0.0], [2.0, 3.0]])
    assert not is_convex(varying, [x, y], points=[[1.0, 0.0], [-1.0, 0.0]])


# --------------------------------------------------------------------------- errors


def test_numerical_errors_name_the_problem():
    with pytest.raises(ShapeError, match=r"x must be a 1-D vector, got shape \(2, 2\)"):
        numerical_gradient(guide_function, np.eye(2))
    with pytest.raises(ShapeError, match=r"f must return a scalar, got an array of shape \(3,\)"):
        numerical_gradient(lambda v: v * 2, [1.0, 2.0, 3.0])
    with pytest.raises(ArrayTypeError, match="f must return a real number"):
        numerical_gradient(lambda v: "one", [1.0])
    with pytest.raises(NonFiniteError, match=r"f returned nan at x with x\[1\] raised"):
        numerical_gradient(lambda v: np.nan if v[1] > 2 else 0.0, [1.0, 2.0])
    with pytest.raises(NonFiniteError, match="x must be finite, got NaN"):
        numerical_gradient(guide_function, [1.0, np.nan, 0.0])
    with pytest.raises(ValidationError, match="method must be one of"):
        numerical_gradient(guide_function, [1.0, 2.0, 3.0], method="backward")
    with pytest.raises(ValidationError, match=r"eps must be positive and finite, got -0\.1"):
        numerical_gradient(guide_function, [1.0, 2.0, 3.0], eps=-0.1)
    with pytest.raises(ShapeError, match=r"eps must be a number or have shape \(3,\)"):
        numerical_gradient(guide_function, [1.0, 2.0, 3.0], eps=[1e-3, 1e-3])
    with pytest.raises(ValidationError, match=r"eps is too small to move x\[0\]"):
        numerical_gradient(guide_function, [1e8, 2.0, 3.0], eps=1e-12)
    with pytest.raises(ValueError, match="x must not be empty"):
        numerical_hessian(guide_function, [])


def test_convexity_errors_name_the_problem():
    with pytest.raises(ShapeError, match=r"hessian must be a square matrix, got shape \(2, 3\)"):
        hessian_is_positive_semidefinite(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="hessian must be symmetric"):
        hessian_is_positive_semidefinite([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(NonFiniteError, match="hessian must be finite"):
        hessian_is_positive_semidefinite([[1.0, np.inf], [np.inf, 1.0]])
    with pytest.raises(ValidationError, match="points must be given"):
        is_convex(guide_function)
    with pytest.raises(ValidationError, match="variables must be given"):
        is_convex("x**2")
    with pytest.raises(ValidationError, match="needs a Hessian, got a symbolic gradient"):
        is_convex(symbolic_gradient("x**2", ["x"]))
    with pytest.raises(ShapeError, match=r"points must have shape \(n_points, 2\)"):
        is_convex("x**2 * y**2", ["x", "y"], points=[[1.0, 2.0, 3.0]])
