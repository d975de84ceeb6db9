"""Learning-rate schedulers against torch.optim.lr_scheduler and the closed forms of schedules."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.autodiff import Tensor
from mlequations.optim import SGD, Adam
from mlequations.optim.lr_scheduler import (
    LambdaLR,
    LRScheduler,
    PolynomialDecayLR,
    ScheduleLR,
    StepLR,
)
from mlequations.schedules import constant, inverse_power, polynomial_decay


def two_groups(lrs=(0.3, 0.05)) -> list[dict]:
    return [{"params": [Tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs]


def torch_rates(torch, make_scheduler, lrs=(0.3, 0.05), steps=12) -> list[list[float]]:
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    optimizer = torch.optim.SGD(groups, lr=0.1)
    scheduler = make_scheduler(torch.optim.lr_scheduler, optimizer)
    rates = []
    for _ in range(steps):
        rates.append(scheduler.get_last_lr())
        optimizer.step()
        scheduler.step()
    return rates


def our_rates(make_scheduler, lrs=(0.3, 0.05), steps=12) -> list[list[float]]:
    optimizer = SGD(two_groups(lrs), lr=0.1)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(scheduler.get_last_lr())
        assert rates[-1] == [g["lr"] for g in optimizer.param_groups]
        optimizer.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize(
    "lr_lambda",
    [lambda e: 0.9**e, lambda e: 1.0 / (1.0 + e), [lambda e: 0.5**e, lambda e: e + 1.0]],
)
def test_lambda_lr_matches_torch(torch, lr_lambda):
    ours = our_rates(lambda opt: LambdaLR(opt, lr_lambda))
    theirs = torch_rates(torch, lambda s, opt: s.LambdaLR(opt, lr_lambda))
    np.testing.assert_allclose(ours, theirs, rtol=1e-14)


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.5), (3, 0.1), (4, 0.7)])
def test_step_lr_matches_torch(torch, step_size, gamma):
    ours = our_rates(lambda opt: StepLR(opt, step_size, gamma=gamma))
    theirs = torch_rates(torch, lambda s, opt: s.StepLR(opt, step_size, gamma=gamma))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize(("beta", "alpha"), [(0.5, 0.75), (0.1, 1.0), (2.0, 0.3)])
def test_polynomial_decay_lr_is_the_closed_form(beta, alpha):
    rates = np.array(our_rates(lambda opt: PolynomialDecayLR(opt, beta=beta, alpha=alpha)))
    steps = np.arange(1, 13)[:, None]
    expected = np.array([0.3, 0.05]) / (1.0 + beta * steps) ** alpha
    np.testing.assert_allclose(rates, expected, rtol=1e-14)


def test_polynomial_decay_lr_drives_the_updates():
    # loss c * theta has the constant gradient c: theta_k = theta_0 - c * sum_{i<=k} gamma_i
    theta = Tensor([2.0], requires_grad=True)
    optimizer = SGD([theta], lr=0.4)
    scheduler = PolynomialDecayLR(optimizer, beta=0.25, alpha=0.6)
    for _ in range(7):
        optimizer.zero_grad()
        (3.0 * theta).sum().backward()
        optimizer.step()
        scheduler.step()
    gammas = polynomial_decay(0.4, 0.25, 0.6)
    expected = 2.0 - 3.0 * sum(gammas(i) for i in range(1, 8))
    np.testing.assert_allclose(theta.data, [expected], rtol=1e-13)


@pytest.mark.parametrize(
    ("alpha", "holds", "reason"),
    [(0.75, True, "holds"), (1.0, True, "holds"), (0.5, False, "diverges"), (1.5, False, "> 1")],
)
def test_robbins_monro_verdict(alpha, holds, reason):
    scheduler = PolynomialDecayLR(SGD(two_groups(), lr=0.1), beta=1.0, alpha=alpha)
    assert scheduler.satisfies_robbins_monro is holds
    assert reason in scheduler.robbins_monro_reason


def test_schedule_lr_uses_the_schedule_from_step_one():
    schedule = inverse_power(0.75)
    rates = our_rates(lambda opt: ScheduleLR(opt, schedule), steps=6)
    np.testing.assert_allclose(rates, [[i**-0.75] * 2 for i in range(1, 7)], rtol=1e-15)


def test_schedule_lr_one_schedule_per_group():
    rates = our_rates(lambda opt: ScheduleLR(opt, [constant(0.2), inverse_power(1.0)]), steps=3)
    assert rates == [[0.2, 1.0], [0.2, 0.5], [0.2, 1.0 / 3.0]]


def test_schedule_lr_verdict_needs_a_schedule_object():
    scheduler = ScheduleLR(SGD(two_groups(), lr=0.1), lambda i: 1.0 / i)
    with pytest.raises(ArrayTypeError, match="plain function"):
        _ = scheduler.satisfies_robbins_monro
    assert not ScheduleLR(SGD(two_groups(), lr=0.1), constant(0.1)).satisfies_robbins_monro


def test_scheduler_drives_adam_too():
    optimizer = Adam(two_groups(), lr=0.1)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    scheduler.step()
    assert [g["lr"] for g in optimizer.param_groups] == [0.15, 0.025]


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: StepLR(opt, 2, gamma=0.5),
        lambda opt: PolynomialDecayLR(opt, beta=0.5, alpha=0.8),
        lambda opt: LambdaLR(opt, lambda e: 0.9**e),
    ],
)
def test_state_dict_round_trip(make):
    optimizer = SGD(two_groups(), lr=0.1)
    scheduler = make(optimizer)
    for _ in range(5):
        scheduler.step()
    saved = json.loads(json.dumps(scheduler.state_dict()))  # plain JSON values
    straight = [scheduler.step() or scheduler.get_last_lr() for _ in range(3)]

    fresh_optimizer = SGD(two_groups(), lr=0.1)
    fresh = make(fresh_optimizer)
    fresh.load_state_dict(saved)
    assert fresh.last_epoch == 5
    assert fresh.get_last_lr() == saved["last_lr"]
    resumed = [fresh.step() or fresh.get_last_lr() for _ in range(3)]
    assert resumed == straight


def test_resume_with_last_epoch():
    optimizer = SGD(two_groups(), lr=0.1)
    StepLR(optimizer, 2, gamma=0.5)  # sets initial_lr
    scheduler = StepLR(optimizer, 2, gamma=0.5, last_epoch=3)
    assert scheduler.last_epoch == 4
    assert scheduler.get_last_lr() == [0.3 * 0.25, 0.05 * 0.25]


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda opt: StepLR(opt, 0), ValidationError, "step_size must be >= 1"),
        (lambda opt: StepLR(opt, 1.5), ArrayTypeError, "step_size must be an integer"),
        (lambda opt: StepLR(opt, 2, gamma=-0.5), ValidationError, "gamma must be a non-negative"),
        (lambda opt: StepLR("sgd", 2), ArrayTypeError, "optimizer must be an mlequations"),
        (lambda opt: StepLR(opt, 2, last_epoch=-2), ValidationError, "last_epoch must be >= -1"),
        (lambda opt: StepLR(opt, 2, last_epoch=3), ValidationError, "has no 'initial_lr'"),
        (lambda opt: LambdaLR(opt, 0.5), ArrayTypeError, "lr_lambda must be callable"),
        (lambda opt: LambdaLR(opt, [abs]), ValidationError, "one callable or 2, got 1"),
        (lambda opt: LambdaLR(opt, lambda e: -1.0), ValidationError, "learning rate -0.1"),
        (lambda opt: ScheduleLR(opt, lambda i: float("nan")), ValidationError, "rate nan"),
        (lambda opt: PolynomialDecayLR(opt, beta=0.0, alpha=1.0), ValidationError, "beta must"),
        (lambda opt: PolynomialDecayLR(opt, beta=1.0, alpha=-1), ValidationError, "alpha must"),
    ],
)
def test_bad_arguments(build, error, message):
    with pytest.raises(error, match=message):
        build(SGD(two_groups((0.1, 0.1)), lr=0.1))


def test_polynomial_decay_needs_a_positive_rate():
    with pytest.raises(ValidationError, match=r"param_groups\[1\] has 0.0"):
        PolynomialDecayLR(SGD(two_groups((0.1, 0.0)), lr=0.1), beta=1.0, alpha=1.0)


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda s: s.pop("last_epoch"), "must have the keys"),
        (lambda s: s.update(gamma=0.9), "saved scheduler has gamma=0.9, this one has 0.5"),
        (lambda s: s.update(base_lrs=[0.1]), "must hold 2 learning rate"),
        (lambda s: s.update(last_epoch=-3), "last_epoch'] must be >= 0"),
    ],
)
def test_load_state_dict_validates(corrupt, message):
    scheduler = StepLR(SGD(two_groups(), lr=0.1), 2, gamma=0.5)
    saved = scheduler.state_dict()
    corrupt(saved)
    with pytest.raises(ValidationError, match=message):
        scheduler.load_state_dict(saved)


def test_base_class_needs_get_lr():
    with pytest.raises(NotImplementedError):
        LRScheduler(SGD(two_groups(), lr=0.1))
