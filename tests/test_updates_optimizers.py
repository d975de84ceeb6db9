"""The momentum and Adam update rules of layer 1, against torch.optim and on every backend."""

from __future__ import annotations

import numpy as np
import pytest

from mlequations._array import NonFiniteError, ShapeError, ValidationError
from mlequations.updates import AdamStep, MomentumStep, adam_step, momentum_step

STEPS = 10


def quadratic_gradients(rng, shape):
    """A fixed quadratic bowl with random curvature: g(theta) = A * (theta - c)."""
    curvature, centre = rng.uniform(0.5, 3.0, size=shape), rng.normal(size=shape)
    return lambda theta: curvature * (theta - centre)


def run_torch(torch, optimizer_class, start, gradient_of, **options):
    """Iterates of a torch optimizer fed the gradients of ``gradient_of``."""
    parameter = torch.tensor(start.copy(), dtype=torch.float64, requires_grad=True)
    optimizer = optimizer_class([parameter], **options)
    iterates = []
    for _ in range(STEPS):
        parameter.grad = torch.from_numpy(gradient_of(parameter.detach().numpy().copy()))
        optimizer.step()
        iterates.append(parameter.detach().numpy().copy())
    return iterates


def test_momentum_matches_torch_sgd(torch, rng):
    start = rng.normal(size=(3, 2))
    gradient_of = quadratic_gradients(rng, start.shape)
    expected = run_torch(torch, torch.optim.SGD, start, gradient_of, lr=0.05, momentum=0.9)
    theta, velocity = start, np.zeros_like(start)
    for reference in expected:
        theta, velocity = momentum_step(theta, gradient_of(theta), velocity, 0.05, 0.9)
        np.testing.assert_allclose(theta, reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("beta1", "beta2", "eps"), [(0.9, 0.999, 1e-8), (0.5, 0.9, 1e-3)])
def test_adam_matches_torch_adam(torch, rng, beta1, beta2, eps):
    start = rng.normal(size=5)
    gradient_of = quadratic_gradients(rng, start.shape)
    expected = run_torch(
        torch, torch.optim.Adam, start, gradient_of, lr=0.1, betas=(beta1, beta2), eps=eps
    )
    theta, m, v = start, np.zeros_like(start), np.zeros_like(start)
    for step, reference in enumerate(expected, start=1):
        theta, m, v = adam_step(theta, gradient_of(theta), m, v, step, 0.1, beta1, beta2, eps)
        np.testing.assert_allclose(theta, reference, rtol=1e-12, atol=1e-12)


def test_invariants_of_the_rules():
    # Momentum 0 is plain gradient descent; the first Adam step has size lr in every coordinate.
    step = momentum_step([1.0, 2.0], [3.0, -1.0], [5.0, 5.0], 0.1, 0.0)
    np.testing.assert_allclose(step.theta, [0.7, 2.1], rtol=1e-15)
    gradient = np.array([1e-6, -3.0, 250.0])
    first = adam_step(np.zeros(3), gradient, np.zeros(3), np.zeros(3), 1, 0.01, eps=0.0)
    np.testing.assert_allclose(first.theta, -0.01 * np.sign(gradient), rtol=1e-12)
    # A constant gradient: momentum's steps grow towards lr * g / (1 - mu).
    theta, velocity = np.zeros(1), np.zeros(1)
    for _ in range(400):
        previous = theta
        theta, velocity = momentum_step(theta, [1.0], velocity, 0.1, 0.5)
    np.testing.assert_allclose(previous - theta, [0.2], rtol=1e-12)


def test_inputs_are_not_modified_and_results_are_named():
    theta, gradient, m, v = np.ones(2), np.full(2, 0.5), np.zeros(2), np.zeros(2)
    copies = [a.copy() for a in (theta, gradient, m, v)]
    adam = adam_step(theta, gradient, m, v, 1, 0.1)
    momentum = momentum_step(theta, gradient, m, 0.1, 0.9)
    for original, copy in zip((theta, gradient, m, v), copies, strict=True):
        np.testing.assert_array_equal(original, copy)
    assert isinstance(adam, AdamStep)
    assert adam.m is adam[1]
    assert isinstance(momentum, MomentumStep)
    assert momentum.velocity is momentum[1]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rules_on_every_backend(backend, rng, dtype):
    theta, gradient, state = rng.normal(size=(3, 4))
    v = np.abs(state)
    expected_momentum = momentum_step(theta, gradient, state, 0.1, 0.8)
    expected_adam = adam_step(theta, gradient, state, v, 3, 0.01, 0.8, 0.99)
    converted = [backend.asarray(a, dtype) for a in (theta, gradient, state, v)]
    results = [
        (momentum_step(*converted[:3], 0.1, 0.8), expected_momentum),
        (adam_step(*converted, 3, 0.01, 0.8, 0.99), expected_adam),
    ]
    rtol = 1e-12 if dtype == "float64" else 1e-5
    for result, expected in results:
        for ours, reference in zip(result, expected, strict=True):
            assert backend.is_native(ours)
            assert str(ours.dtype).endswith(dtype)
            np.testing.assert_allclose(backend.to_numpy(ours), reference, rtol=rtol, atol=rtol)


def test_rules_pass_torch_gradcheck(torch, rng):
    theta, gradient, m = (torch.tensor(rng.normal(size=3), requires_grad=True) for _ in range(3))
    v = torch.tensor(rng.uniform(0.1, 1.0, size=3), requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, g, b: momentum_step(a, g, b, 0.1, 0.9).theta, (theta, gradient, m)
    )
    assert torch.autograd.gradcheck(
        lambda a, g, b, c: adam_step(a, g, b, c, 4, 0.1).theta, (theta, gradient, m, v)
    )


def test_errors_name_the_argument():
    with pytest.raises(
        ShapeError, match=r"velocity must have the shape of theta \(2,\), got \(3,\)"
    ):
        momentum_step([0.0, 0.0], [1.0, 1.0], [0.0, 0.0, 0.0], 0.1, 0.9)
    with pytest.raises(ValidationError, match="momentum must lie in"):
        momentum_step([0.0], [1.0], [0.0], 0.1, -0.5)
    with pytest.raises(ValidationError, match="momentum must be less than 1"):
        momentum_step([0.0], [1.0], [0.0], 0.1, 1.0)
    with pytest.raises(ValidationError, match="learning_rate must be positive"):
        momentum_step([0.0], [1.0], [0.0], -0.1, 0.9)
    with pytest.raises(ValidationError, match=r"step must be >= 1 \(steps are counted from 1\)"):
        adam_step([0.0], [1.0], [0.0], [0.0], 0, 0.1)
    with pytest.raises(ValidationError, match=r"beta2 must lie in \[0, 1\), got 1.0"):
        adam_step([0.0], [1.0], [0.0], [0.0], 1, 0.1, beta2=1.0)
    with pytest.raises(ValidationError, match="v must be non-negative"):
        adam_step([0.0], [1.0], [0.0], [-1.0], 1, 0.1)
    with pytest.raises(ValidationError, match="eps must be non-negative"):
        adam_step([0.0], [1.0], [0.0], [0.0], 1, 0.1, eps=-1.0)
    with pytest.raises(NonFiniteError, match="gradient must be finite"):
        adam_step([0.0], [np.nan], [0.0], [0.0], 1, 0.1)
