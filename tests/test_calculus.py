"""Numerical and symbolic derivatives, and the Hessian convexity test."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize
from scipy.differentiate import hessian as scipy_hessian
from scipy.differentiate import jacobian as scipy_jacobian

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.calculus import (
    SymbolicDerivative,
    hessian_is_positive_semidefinite,
    is_convex,
    numerical_gradient,
    numerical_hessian,
    symbolic_gradient,
    symbolic_hessian,
)

GUIDE_EXPRESSION = "theta1**2 + 2*theta2**2 - theta3**2"
GUIDE_VARIABLES = ["theta1", "theta2", "theta3"]
# The guide's second computational graph: f1..f3 are (a + 2b)^2, f4 = log, evaluated at
# [1, -2, 1]: g = log(f3(f1(t1, t2), f2(t2, t3))); its backward pass gives [-4/3, -8/3, 0].
GRAPH_EXPRESSION = "log(((t1 + 2*t2)**2 + 2*(t2 + 2*t3)**2)**2)"


def guide_function(theta):
    return theta[0] ** 2 + 2 * theta[1] ** 2 - theta[2] ** 2


def graph_function(theta):
    inner = (theta[0] + 2 * theta[1]) ** 2 + 2 * (theta[1] + 2 * theta[2]) ** 2
    return np.log(inner**2)


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


def test_guide_computational_graph_example():
    point = [1.0, -2.0, 1.0]
    expected = [-4.0 / 3.0, -8.0 / 3.0, 0.0]
    np.testing.assert_allclose(numerical_gradient(graph_function, point), expected, atol=1e-9)
    symbolic = symbolic_gradient(GRAPH_EXPRESSION, ["t1", "t2", "t3"], at=point)
    np.testing.assert_allclose(symbolic.value, expected, rtol=1e-14)
    # Independent: SymPy's own diff, evaluated exactly.
    t = sympy.symbols("t1 t2 t3")
    exact = [
        sympy.diff(sympy.sympify(GRAPH_EXPRESSION), s).subs(dict(zip(t, point, strict=True)))
        for s in t
    ]
    assert [sympy.nsimplify(v) for v in exact] == [sympy.Rational(-4, 3), sympy.Rational(-8, 3), 0]


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


def test_symbolic_accepts_sympy_objects_and_absent_variables():
    x, y = sympy.symbols("x y", real=True)
    result = symbolic_gradient(x**3, ["x", y], at=[2.0, 5.0])
    assert result.variables == (x, y)
    np.testing.assert_array_equal(result.value, [12.0, 0.0])
    # Names such as "beta" or "gamma" are variables, not SymPy's special functions.
    beta = symbolic_gradient("beta**2 * gamma", ["beta", "gamma"], at=[3.0, 2.0])
    np.testing.assert_array_equal(beta.value, [12.0, 9.0])


def _polynomial(data):
    """A random polynomial in a, b, c and a bound on |f| over [-2, 2]^3."""
    n_terms = data.draw(st.integers(1, 5))
    coefficients = data.draw(st.lists(st.integers(-5, 5), min_size=n_terms, max_size=n_terms))
    powers = data.draw(
        st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
            min_size=n_terms,
            max_size=n_terms,
        )
    )
    a, b, c = sympy.symbols("a b c")
    terms = [k * a**i * b**j * c**m for k, (i, j, m) in zip(coefficients, powers, strict=True)]
    bound = 1.0 + sum(abs(k) * 2.0 ** sum(p) for k, p in zip(coefficients, powers, strict=True))
    return sum(terms, sympy.S(0)), bound


@given(data=st.data())
def test_numerical_and_symbolic_gradients_agree_on_random_polynomials(data):
    polynomial, bound = _polynomial(data)
    point = np.asarray(data.draw(st.lists(st.floats(-2, 2), min_size=3, max_size=3)))
    function = sympy.lambdify([sympy.symbols("a b c")], polynomial, "numpy")
    symbolic = symbolic_gradient(polynomial, ["a", "b", "c"], at=point).value
    numerical = numerical_gradient(lambda v: float(function(v)), point)
    # Central differences: relative error ~1e-10 of the function's size, so ~1e-6 of the gradient.
    np.testing.assert_allclose(numerical, symbolic, rtol=1e-6, atol=1e-9 * bound)


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


def test_symbolic_errors_name_the_problem():
    with pytest.raises(
        ValidationError, match=r"expression uses \['c'\], which are not in variables"
    ):
        symbolic_gradient("a + b*c", ["a", "b"])
    with pytest.raises(ValidationError, match=r"variables must be distinct, got \['a'\]"):
        symbolic_gradient("a", ["a", "a"])
    with pytest.raises(ValidationError, match="variables must be a non-empty list"):
        symbolic_gradient("a", [])
    with pytest.raises(ValidationError, match="variables must be names or SymPy symbols"):
        symbolic_gradient("a", ["a b"])
    with pytest.raises(ValidationError, match="could not be parsed"):
        symbolic_gradient("a +* (", ["a"])
    with pytest.raises(ArrayTypeError, match="scalar SymPy expression, got"):
        symbolic_hessian(sympy.Matrix([1, 2]), ["a"])
    with pytest.raises(ArrayTypeError, match=r"the gradient is not real at theta = \[1.0\]"):
        symbolic_gradient("I * a**2", ["a"], at=[1.0])
    result = symbolic_gradient("log(a)", ["a"])
    with pytest.raises(NonFiniteError, match=r"the gradient is not finite at theta = \[0.0\]"):
        result([0.0])
    with pytest.raises(ShapeError, match=r"theta must have shape \(1,\)"):
        result([1.0, 2.0])


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
