"""The single-step update rules: gradient descent, minibatch SGD, the perceptron, the decay rate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlequations import optimize, schedules, updates
from mlequations._array import NonFiniteError, ShapeError, ValidationError
from mlequations.optimize import stochastic_gradient_descent
from mlequations.updates import (
    gradient_descent_step,
    perceptron_update,
    polynomial_decay_rate,
    stochastic_gradient_step,
)


def test_optimize_and_schedules_re_export_the_update_rules():
    for name in updates.__all__:
        assert getattr(optimize, name) is getattr(updates, name)
        assert name in optimize.__all__
    assert schedules.polynomial_decay_rate is updates.polynomial_decay_rate


# --------------------------------------------------------------------------- perceptron


def hinge_at_zero_gradient(u, t):
    """Per-sample gradient of max(0, -t_pm theta^T u), the mean over a minibatch."""

    def sample_grad(theta, rows):
        signs = 2 * t[rows] - 1
        mistakes = signs * (u[rows] @ theta) <= 0
        return -(mistakes * signs) @ u[rows] / len(rows)

    return sample_grad


def test_guide_perceptron_example():
    theta = perceptron_update(-1.0, 2.1, 1, 0.1)
    assert math.isclose(float(theta), -0.79, abs_tol=1e-12)
    theta = perceptron_update(theta, -1.5, 0, 0.1)
    assert math.isclose(float(theta), -0.64, abs_tol=1e-12)
    # The same two steps through SGD with a batch of one, in order.
    u, t = np.array([[2.1], [-1.5]]), np.array([1, 0])
    run = stochastic_gradient_descent(
        hinge_at_zero_gradient(u, t), [-1.0], 2, 1, 0.1, 1, shuffle=False
    )
    np.testing.assert_allclose(run.trajectory[:, 0], [-1.0, -0.79, -0.64], atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_guide_perceptron_example_with_scikit_learn():
    from sklearn.linear_model import Perceptron

    model = Perceptron(fit_intercept=False, eta0=0.1, shuffle=False, max_iter=1, tol=None)
    model.fit([[2.1], [-1.5]], [1, 0], coef_init=np.array([[-1.0]]))
    theta = perceptron_update(perceptron_update(-1.0, 2.1, 1, 0.1), -1.5, 0, 0.1)
    np.testing.assert_allclose(theta, model.coef_[0, 0], rtol=1e-14)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_perceptron_matches_scikit_learn(rng):
    from sklearn.linear_model import Perceptron

    u = rng.normal(size=(40, 3))
    t = (u @ np.array([1.0, -2.0, 0.5]) > 0).astype(int)
    start = np.array([-1.0, 1.0, 0.0])  # pointing the wrong way: many mistakes to correct
    model = Perceptron(fit_intercept=False, eta0=0.3, shuffle=False, max_iter=1, tol=None)
    model.fit(u, t, coef_init=start.reshape(1, -1).copy())  # scikit-learn writes into it
    theta = start
    for row, label in zip(u, t, strict=True):
        theta = perceptron_update(theta, row, label, 0.3)
    np.testing.assert_allclose(theta, model.coef_[0], rtol=1e-12)
    assert np.linalg.norm(theta - start) > 1.0


def test_perceptron_minibatch_is_the_mean_step(rng):
    u = rng.normal(size=(8, 3))
    t = rng.integers(0, 2, size=8)
    theta = rng.normal(size=3)
    expected = theta - 0.2 * hinge_at_zero_gradient(u, t)(theta, np.arange(8))
    np.testing.assert_allclose(perceptron_update(theta, u, t, 0.2), expected, rtol=1e-14)
    # At theta = 0 every point counts as a mistake, so learning starts.
    np.testing.assert_allclose(perceptron_update(np.zeros(3), u[0], 1, 1.0), u[0])


def test_perceptron_errors():
    with pytest.raises(ValidationError, match="t must hold labels 0 or 1"):
        perceptron_update([0.0, 1.0], [1.0, 2.0], -1, 0.1)
    with pytest.raises(ShapeError, match="u must have shape"):
        perceptron_update([0.0, 1.0], [1.0, 2.0, 3.0], 1, 0.1)
    with pytest.raises(ShapeError, match="one label per row"):
        perceptron_update([0.0, 1.0], [[1.0, 2.0], [3.0, 4.0]], [1, 0, 1], 0.1)
    with pytest.raises(ValidationError, match="learning_rate must be positive"):
        perceptron_update([0.0, 1.0], [1.0, 2.0], 1, 0.0)


# ------------------------------------------------------------------ update rules on backends


def test_update_rules_on_backends(backend, rng):
    theta, gradients = rng.normal(size=3), rng.normal(size=(5, 3))
    u, t = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    cases = [
        (gradient_descent_step, (theta, gradients[0], 0.1), theta - 0.1 * gradients[0]),
        (stochastic_gradient_step, (theta, gradients, 0.1), theta - 0.1 * gradients.mean(axis=0)),
        (perceptron_update, (theta, u, t, 0.1), perceptron_update(theta, u, t, 0.1)),
    ]
    for function, args, expected in cases:
        for dtype, rtol in (("float64", 1e-12), ("float32", 1e-5)):
            converted = [
                backend.asarray(a, dtype) if isinstance(a, np.ndarray) else a for a in args
            ]
            result = function(*converted)
            assert backend.is_native(result)
            assert str(result.dtype).endswith(dtype)
            np.testing.assert_allclose(backend.to_numpy(result), expected, rtol=rtol, atol=rtol)


def test_update_rules_pass_gradcheck(torch, rng):
    theta = torch.tensor(rng.normal(size=3), requires_grad=True)
    gradients = torch.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, g: stochastic_gradient_step(a, g, 0.3), (theta, gradients)
    )
    assert torch.autograd.gradcheck(
        lambda a, g: gradient_descent_step(a, g, 0.3), (theta, gradients[0])
    )
    u = torch.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    t = torch.tensor([1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda a, x: perceptron_update(a, x, t, 0.3), (theta, u))
    steps = torch.tensor([1.0, 5.0, 20.0], dtype=torch.float64)
    parameters = [
        torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.1, 0.5, 0.75)
    ]
    assert torch.autograd.gradcheck(
        lambda g, b, a: polynomial_decay_rate(steps, g, b, a), parameters
    )


def test_update_rule_errors():
    with pytest.raises(
        ShapeError, match=r"gradient must have the shape of theta \(2,\), got \(3,\)"
    ):
        gradient_descent_step([0.0, 0.0], [1.0, 2.0, 3.0], 0.1)
    with pytest.raises(ShapeError, match=r"sample_gradients must have shape \(S, \*\(2,\)\)"):
        stochastic_gradient_step([0.0, 0.0], [1.0, 2.0], 0.1)
    with pytest.raises(ValueError, match="sample_gradients must not be empty"):
        stochastic_gradient_step([0.0, 0.0], np.zeros((0, 2)), 0.1)
    with pytest.raises(ShapeError, match="learning_rate must be a scalar"):
        gradient_descent_step([0.0], [1.0], [0.1, 0.2])
    with pytest.raises(NonFiniteError, match="gradient must be finite"):
        gradient_descent_step([0.0], [np.inf], 0.1)


def test_polynomial_decay_rate_on_backends(backend):
    steps = backend.asarray([0.0, 1.0, 7.0])
    result = polynomial_decay_rate(steps, 0.1, 0.5, 1.0)
    assert backend.is_native(result)
    np.testing.assert_allclose(backend.to_numpy(result), [0.1, 0.1 / 1.5, 0.1 / 4.5], rtol=1e-14)
