"""Gradient descent, SGD and the learning-rate schedules (re-exported by optimize)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize as scipy_optimize

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.optimize import (
    ConstantSchedule,
    DivergenceError,
    OptimizationResult,
    constant,
    gradient_descent,
    inverse_power,
    polynomial_decay,
    polynomial_decay_rate,
    stochastic_gradient_descent,
)

# The guide's least squares example: X = [[1, 1], [1, 2], [1, 3]], y = [1, 2, 3].
GUIDE_X = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
GUIDE_Y = np.array([1.0, 2.0, 3.0])


def least_squares(X, y):
    """Loss (1/2m)||X theta - y||^2, its gradient and its per-sample minibatch gradient."""

    def loss(theta):
        return float(np.sum((X @ theta - y) ** 2) / (2 * len(y)))

    def grad(theta):
        return X.T @ (X @ theta - y) / len(y)

    def sample_grad(theta, rows):
        return X[rows].T @ (X[rows] @ theta - y[rows]) / len(rows)

    return loss, grad, sample_grad


# --------------------------------------------------------------------------- gradient descent


def test_guide_least_squares_converges_to_lstsq():
    loss, grad, _ = least_squares(GUIDE_X, GUIDE_Y)
    result = gradient_descent(grad, [0.0, 0.0], 0.15, 5000, tol=1e-12, loss=loss)
    reference = np.linalg.lstsq(GUIDE_X, GUIDE_Y, rcond=None)[0]
    np.testing.assert_allclose(result.theta, reference, atol=1e-9)
    np.testing.assert_allclose(reference, [0.0, 1.0], atol=1e-12)
    assert result.converged
    assert isinstance(result, OptimizationResult)
    assert result.trajectory.shape == (result.n_steps + 1, 2)
    assert result.losses.shape == (result.n_steps + 1,)
    assert result.learning_rates.shape == (result.n_steps,)
    np.testing.assert_array_equal(result.trajectory[0], [0.0, 0.0])
    np.testing.assert_array_equal(result.trajectory[-1], result.theta)
    assert np.all(np.diff(result.losses) <= 1e-15)  # gamma = 0.15 <= 1/L = 0.18


def test_guide_settings_stop_short_of_the_minimum():
    """The guide's lr = 0.01 and 1000 epochs from 0: the exact linear recursion, not [0, 1]."""
    _, grad, _ = least_squares(GUIDE_X, GUIDE_Y)
    result = gradient_descent(grad, [0.0, 0.0], 0.01, 1000, tol=0.0)
    hessian = GUIDE_X.T @ GUIDE_X / 3
    optimum = np.linalg.solve(hessian, GUIDE_X.T @ GUIDE_Y / 3)
    contraction = np.linalg.matrix_power(np.eye(2) - 0.01 * hessian, 1000)
    np.testing.assert_allclose(result.theta, optimum - contraction @ optimum, rtol=1e-10)
    assert abs(result.theta[0]) > 0.1  # about [0.111, 0.951]
    assert result.n_steps == 1000
    assert not result.converged


def test_matches_scipy_minimize_on_a_convex_quadratic(rng):
    B = rng.normal(size=(4, 4))
    A = B @ B.T + 0.5 * np.eye(4)
    b = rng.normal(size=4)
    smoothness = np.linalg.eigvalsh(A).max()
    result = gradient_descent(lambda t: A @ t - b, np.zeros(4), 1.0 / smoothness, 20000, tol=1e-13)
    minimum = scipy_optimize.minimize(lambda t: 0.5 * t @ A @ t - b @ t, np.zeros(4), tol=1e-12)
    np.testing.assert_allclose(result.theta, np.linalg.solve(A, b), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(result.theta, minimum.x, rtol=1e-5, atol=1e-6)


@given(
    seed=st.integers(0, 2**32 - 1),
    fraction=st.floats(0.1, 1.0),
)
def test_descent_lemma_for_smooth_quadratics(seed, fraction):
    """With gamma <= 1/L: g(theta_next) <= g(theta) - gamma/2 ||grad g(theta)||^2."""
    generator = np.random.default_rng(seed)
    B = generator.normal(size=(3, 3))
    A = B @ B.T + 0.1 * np.eye(3)
    b = generator.normal(size=3)
    rate = fraction / np.linalg.eigvalsh(A).max()

    def loss(t):
        return 0.5 * t @ A @ t - b @ t

    result = gradient_descent(lambda t: A @ t - b, generator.normal(size=3), rate, 20, 0.0, loss)
    for before, after, theta in zip(
        result.losses[:-1], result.losses[1:], result.trajectory[:-1], strict=True
    ):
        gradient = A @ theta - b
        assert after <= before - rate / 2 * gradient @ gradient + 1e-12 * (1 + abs(before))


def test_schedule_matches_the_product_formula():
    a = 2.0
    schedule = polynomial_decay(0.3, beta=0.5, alpha=1.0)
    result = gradient_descent(lambda t: a * t, [1.0], schedule, 10, tol=0.0)
    expected = np.cumprod([1 - schedule(i) * a for i in range(1, 11)])
    np.testing.assert_allclose(result.trajectory[1:, 0], expected, rtol=1e-13)
    np.testing.assert_allclose(result.learning_rates, [0.3 / (1 + 0.5 * i) for i in range(1, 11)])
    plain = gradient_descent(lambda t: a * t, [1.0], lambda i: 0.1, 3, tol=0.0)
    np.testing.assert_allclose(plain.theta, [0.8**3])


def test_zero_steps_callback_and_float32():
    start = np.array([1.0, -2.0], dtype=np.float32)
    nothing = gradient_descent(lambda t: 2 * t, start, 0.1, 0)
    assert nothing.n_steps == 0
    assert nothing.trajectory.shape == (1, 2)
    assert not nothing.converged
    seen = []
    stopped = gradient_descent(
        lambda t: 2 * t, start, 0.1, 50, callback=lambda i, t: seen.append(i) or i == 3
    )
    assert stopped.n_steps == 3
    assert seen == [1, 2, 3]
    assert not stopped.converged
    assert stopped.theta.dtype == np.float32
    assert stopped.trajectory.dtype == np.float32
    np.testing.assert_allclose(stopped.theta, start * 0.8**3, rtol=1e-6)
    at_minimum = gradient_descent(lambda t: 2 * t, [0.0, 0.0], 0.1, 50)
    assert at_minimum.converged
    assert at_minimum.n_steps == 1


def test_divergence_raises_and_names_the_step():
    def grad(t):
        with np.errstate(over="ignore"):
            return 2 * t

    with pytest.raises(DivergenceError, match=r"gradient descent diverged at step \d+") as raised:
        gradient_descent(grad, [1.0], 1.5, 5000)
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, FloatingPointError)
    assert isinstance(raised.value, NonFiniteError)
    with pytest.raises(DivergenceError, match="at step 1: the gradient from grad"):
        gradient_descent(lambda t: np.full_like(t, np.nan), [1.0], 0.1, 5)
    with pytest.raises(DivergenceError, match="at step 2: the loss"):
        gradient_descent(lambda t: t, [1.0], 0.1, 5, loss=lambda t: np.inf if t[0] < 0.85 else 0.0)


def test_gradient_descent_errors():
    with pytest.raises(ShapeError, match=r"grad\(theta\) must return a real array of shape \(2,\)"):
        gradient_descent(lambda t: np.ones(3), [0.0, 0.0], 0.1, 5)
    with pytest.raises(ValidationError, match="learning_rate must be positive and finite, got 0"):
        gradient_descent(lambda t: t, [0.0], 0, 5)
    with pytest.raises(
        ArrayTypeError, match="learning_rate must be a positive number or a schedule"
    ):
        gradient_descent(lambda t: t, [0.0], "fast", 5)
    with pytest.raises(
        ValidationError, match=r"learning rate at step 1 must be positive, got -0\.1"
    ):
        gradient_descent(lambda t: t, [1.0], lambda i: -0.1, 5)
    with pytest.raises(ArrayTypeError, match="learning rate at step 1 must be a number, got str"):
        gradient_descent(lambda t: t, [1.0], lambda i: "fast", 5)
    with pytest.raises(ValidationError, match="n_steps must be >= 0, got -1"):
        gradient_descent(lambda t: t, [0.0], 0.1, -1)
    with pytest.raises(ArrayTypeError, match="n_steps must be an integer, got float"):
        gradient_descent(lambda t: t, [0.0], 0.1, 2.5)
    with pytest.raises(ShapeError, match=r"theta0 must be a 1-D vector, got shape \(\)"):
        gradient_descent(lambda t: t, 1.0, 0.1, 5)
    with pytest.raises(ValidationError, match="tol must be a non-negative number"):
        gradient_descent(lambda t: t, [1.0], 0.1, 5, tol=-1.0)
    with pytest.raises(ShapeError, match="loss must return a real scalar"):
        gradient_descent(lambda t: t, [1.0], 0.1, 5, loss=lambda t: t)


# --------------------------------------------------------------------------- SGD


@pytest.fixture
def regression(rng):
    X = np.column_stack([np.ones(200), rng.normal(size=(200, 2))])
    y = X @ np.array([0.5, -1.0, 2.0]) + 0.1 * rng.normal(size=200)
    return X, y


def test_sgd_on_least_squares_approaches_lstsq(regression):
    X, y = regression
    loss, _, sample_grad = least_squares(X, y)
    schedule = polynomial_decay(0.1, beta=0.01, alpha=0.75)
    result = stochastic_gradient_descent(sample_grad, np.zeros(3), 200, 10, schedule, 30, 7, loss)
    reference = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(result.theta, reference, atol=2e-3)
    assert result.n_steps == 30 * 20
    assert result.trajectory.shape == (601, 3)
    assert result.losses.shape == (601,)
    np.testing.assert_array_equal(result.batch_sizes, np.full(600, 10))
    np.testing.assert_allclose(result.learning_rates, [schedule(i) for i in range(1, 601)])
    assert result.losses[-1] < 1.05 * loss(reference)


def test_sgd_is_reproducible_with_random_state(regression):
    X, y = regression
    _, _, sample_grad = least_squares(X, y)
    runs = [
        stochastic_gradient_descent(sample_grad, np.zeros(3), 200, 16, 0.05, 3, seed).trajectory
        for seed in (11, 11, 12)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])
    generator_run = stochastic_gradient_descent(
        sample_grad, np.zeros(3), 200, 16, 0.05, 3, np.random.default_rng(11)
    )
    np.testing.assert_array_equal(generator_run.trajectory, runs[0])


def test_full_batch_sgd_in_order_is_gradient_descent(regression):
    X, y = regression
    _, _, sample_grad = least_squares(X, y)
    result = stochastic_gradient_descent(sample_grad, np.zeros(3), 200, 200, 0.1, 5, shuffle=False)
    theta = np.zeros(3)
    for _ in range(5):
        theta = theta - 0.1 * (X.T @ (X @ theta - y) / 200)
    np.testing.assert_allclose(result.theta, theta, rtol=1e-14)


def test_growing_batches_and_last_partial_batch(regression):
    X, y = regression
    _, _, sample_grad = least_squares(X, y)
    seen = []

    def recording(theta, rows):
        seen.append(rows)
        return sample_grad(theta, rows)

    result = stochastic_gradient_descent(recording, np.zeros(3), 200, lambda e: 30 * e, 0.05, 3, 0)
    sizes = [30] * 6 + [20] + [60] * 3 + [20] + [90, 90, 20]
    np.testing.assert_array_equal(result.batch_sizes, sizes)
    assert result.n_steps == len(sizes) == result.trajectory.shape[0] - 1
    for epoch_rows in (seen[0:7], seen[7:11], seen[11:14]):  # each epoch is a permutation
        np.testing.assert_array_equal(np.sort(np.concatenate(epoch_rows)), np.arange(200))


def test_sgd_errors(regression):
    X, y = regression
    _, _, sample_grad = least_squares(X, y)
    with pytest.raises(ValidationError, match=r"batch_size must lie in \[1, 200\], got 201"):
        stochastic_gradient_descent(sample_grad, np.zeros(3), 200, 201, 0.1, 1)
    with pytest.raises(ValidationError, match=r"got 0 \(epoch 1\)"):
        stochastic_gradient_descent(sample_grad, np.zeros(3), 200, lambda e: e - 1, 0.1, 1)
    with pytest.raises(ValidationError, match="n_samples must be >= 1"):
        stochastic_gradient_descent(sample_grad, np.zeros(3), 0, 1, 0.1, 1)
    with pytest.raises(ShapeError, match="sample_grad must return a real array of shape"):
        stochastic_gradient_descent(lambda t, r: np.ones(2), np.zeros(3), 200, 10, 0.1, 1)
    diverging = pytest.raises(DivergenceError, match="stochastic gradient descent diverged at step")
    with diverging, np.errstate(over="ignore", invalid="ignore"):
        stochastic_gradient_descent(sample_grad, np.zeros(3), 200, 10, 50.0, 100, 0)


# --------------------------------------------------------------------------- schedules


def test_schedule_values_match_their_formulas():
    decay = polynomial_decay(0.2, beta=0.5, alpha=0.75)
    for i in (1, 2, 10, 1000):
        assert math.isclose(decay(i), 0.2 / (1 + 0.5 * i) ** 0.75, rel_tol=1e-15)
        assert math.isclose(inverse_power(0.6)(i), i**-0.6, rel_tol=1e-15)
        assert constant(0.05)(i) == 0.05
    steps = np.arange(0, 50)
    np.testing.assert_allclose(
        polynomial_decay_rate(steps, 0.2, 0.5, 0.75), 0.2 / (1 + 0.5 * steps) ** 0.75, rtol=1e-14
    )
    assert polynomial_decay_rate(np.arange(3, dtype=np.float32), 0.1, 1.0, 1.0).dtype == np.float32


@given(alpha=st.floats(0.0, 3.0), beta=st.floats(1e-3, 10.0))
def test_robbins_monro_property_follows_the_alpha_rule(alpha, beta):
    expected = 0.5 < alpha <= 1.0
    assert inverse_power(alpha).satisfies_robbins_monro is expected
    assert polynomial_decay(0.1, beta, alpha).satisfies_robbins_monro is expected
    assert not constant(beta).satisfies_robbins_monro


@pytest.mark.parametrize("alpha", ["1/4", "1/2", "3/4", "1", "3/2"])
def test_robbins_monro_agrees_with_sympy_series_tests(alpha):
    exponent = sympy.Rational(alpha)
    i = sympy.Symbol("i", integer=True, positive=True)
    for schedule, rate in (
        (inverse_power(float(exponent)), 1 / i**exponent),
        (
            polynomial_decay(0.1, 0.5, float(exponent)),
            sympy.Rational(1, 10) / (1 + i / 2) ** exponent,
        ),
    ):
        diverges = not sympy.Sum(rate, (i, 1, sympy.oo)).is_convergent()
        squares_converge = bool(sympy.Sum(rate**2, (i, 1, sympy.oo)).is_convergent())
        assert schedule.satisfies_robbins_monro is (diverges and squares_converge)


def test_schedule_descriptions_and_reasons():
    assert "holds" in str(polynomial_decay(0.1, 1.0, 1.0))
    assert str(inverse_power(0.75)) == inverse_power(0.75).describe()
    assert inverse_power(0.75).describe().startswith("gamma_i = 1 / i^0.75; Robbins-Monro holds")
    assert "2*alpha = 0.8 <= 1" in inverse_power(0.4).robbins_monro_reason
    assert "sum of gamma_i^2 = n * gamma^2 diverges" in constant(0.1).robbins_monro_reason
    assert isinstance(constant(0.1), ConstantSchedule)


def test_schedule_errors():
    with pytest.raises(ValidationError, match="gamma must be positive and finite, got 0"):
        constant(0)
    with pytest.raises(ValidationError, match="beta must be positive and finite, got -1"):
        polynomial_decay(0.1, -1, 0.75)
    with pytest.raises(ValidationError, match=r"alpha must be non-negative and finite, got -0\.5"):
        inverse_power(-0.5)
    with pytest.raises(
        ValidationError, match=r"step must be >= 1 \(steps are counted from 1\), got 0"
    ):
        inverse_power(0.75)(0)
    with pytest.raises(ArrayTypeError, match="step must be an integer, got float"):
        constant(0.1)(1.5)
    with pytest.raises(ValidationError, match="step must be non-negative, got -1"):
        polynomial_decay_rate(-1, 0.1, 0.5, 1.0)
    with pytest.raises(ValidationError, match="gamma0 must be positive, got 0"):
        polynomial_decay_rate(1, 0.0, 0.5, 1.0)
