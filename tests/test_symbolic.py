"""Symbolic gradients and Hessians, checked against SymPy itself and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from mlequations import calculus, symbolic
from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.calculus import numerical_gradient
from mlequations.symbolic import symbolic_gradient, symbolic_hessian

# The guide's second computational graph: f1..f3 are (a + 2b)^2, f4 = log, evaluated at
# [1, -2, 1]: g = log(f3(f1(t1, t2), f2(t2, t3))); its backward pass gives [-4/3, -8/3, 0].
GRAPH_EXPRESSION = "log(((t1 + 2*t2)**2 + 2*(t2 + 2*t3)**2)**2)"


def graph_function(theta):
    inner = (theta[0] + 2 * theta[1]) ** 2 + 2 * (theta[1] + 2 * theta[2]) ** 2
    return np.log(inner**2)


# --------------------------------------------------------------------------- worked examples


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


# ---------------------------------------------------------- SymPy inputs, random polynomials


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


# --------------------------------------------------------------------------- errors


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


def test_calculus_re_exports_the_symbolic_names():
    for name in symbolic.__all__:
        assert getattr(calculus, name) is getattr(symbolic, name)
        assert name in calculus.__all__
