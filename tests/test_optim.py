"""Optimizers (mlequations.optim.SGD, Adam) against torch.optim on a real loss."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import Tensor
from mlequations.optim import SGD, Adam, Optimizer

SGD_CASES = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "momentum": 0.8, "dampening": 0.3},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.7, "weight_decay": 0.1, "nesterov": True},
    {"lr": 0.1, "momentum": 0.5, "dampening": 0.5, "weight_decay": 0.2},
]
ADAM_CASES = [
    {"lr": 0.05},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "amsgrad": True},
    {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05, "amsgrad": True},
]


def make_problem(dtype: str, seed: int = 0) -> dict[str, np.ndarray]:
    """Inputs, targets and initial parameters of a one-hidden-layer tanh regression."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(size=(16, 3)).astype(dtype),
        "y": rng.normal(size=(16, 2)).astype(dtype),
        "w": rng.normal(size=(3, 2)).astype(dtype),
        "b": rng.normal(size=2).astype(dtype),
        "unused": rng.normal(size=4).astype(dtype),
    }


def our_loss(problem: dict[str, np.ndarray], w: Tensor, b: Tensor) -> Tensor:
    residual = (Tensor(problem["x"]) @ w + b).tanh() - Tensor(problem["y"])
    return (residual**2).mean() + 0.1 * (w**4).sum()


def torch_loss(torch, problem, w, b):
    residual = torch.tanh(torch.from_numpy(problem["x"]) @ w + b) - torch.from_numpy(problem["y"])
    return (residual**2).mean() + 0.1 * (w**4).sum()


def run_ours(optimizer_class, options, problem, steps=10, groups=None):
    params = [Tensor(problem[k].copy(), requires_grad=True) for k in ("w", "b", "unused")]
    optimizer = optimizer_class(groups(params) if groups else params, **options)
    for _ in range(steps):
        optimizer.zero_grad()
        our_loss(problem, params[0], params[1]).backward()
        optimizer.step()
    return [p.data for p in params], optimizer


def run_torch(torch, optimizer_class, options, problem, steps=10, groups=None):
    params = [torch.tensor(problem[k].copy(), requires_grad=True) for k in ("w", "b", "unused")]
    optimizer = optimizer_class(groups(params) if groups else params, **options)
    for _ in range(steps):
        optimizer.zero_grad()
        torch_loss(torch, problem, params[0], params[1]).backward()
        optimizer.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("options", SGD_CASES)
def test_sgd_matches_torch_float64(torch, options):
    problem = make_problem("float64")
    ours, _ = run_ours(SGD, options, problem)
    theirs = run_torch(torch, torch.optim.SGD, options, problem)
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours[2], problem["unused"])  # no gradient: left alone


@pytest.mark.parametrize("options", ADAM_CASES)
def test_adam_matches_torch_float64(torch, options):
    problem = make_problem("float64", seed=1)
    ours, _ = run_ours(Adam, options, problem)
    theirs = run_torch(torch, torch.optim.Adam, options, problem)
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("ours_class", "options"),
    [(SGD, SGD_CASES[5]), (SGD, SGD_CASES[6]), (Adam, ADAM_CASES[1]), (Adam, ADAM_CASES[3])],
)
def test_float32_stays_float32_and_matches_torch(torch, ours_class, options):
    problem = make_problem("float32", seed=2)
    ours, optimizer = run_ours(ours_class, options, problem)
    theirs = run_torch(torch, getattr(torch.optim, ours_class.__name__), options, problem)
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.dtype == np.float32
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)
    for state in optimizer.state.values():
        for value in state.values():
            assert not isinstance(value, np.ndarray) or value.dtype == np.float32


@pytest.mark.parametrize(("ours_class", "options"), [(SGD, SGD_CASES[1]), (Adam, ADAM_CASES[2])])
def test_per_group_options_match_torch(torch, ours_class, options):
    problem = make_problem("float64", seed=3)

    def groups(params):
        return [{"params": [params[0]], "lr": 0.01}, {"params": params[1:]}]

    ours, optimizer = run_ours(ours_class, options, problem, groups=groups)
    theirs = run_torch(
        torch, getattr(torch.optim, ours_class.__name__), options, problem, groups=groups
    )
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-12)
    assert [g["lr"] for g in optimizer.param_groups] == [0.01, options["lr"]]


def test_sgd_two_steps_by_hand():
    # theta = 1, gradient of theta^2 is 2 theta; momentum 0.5, lr 0.1
    theta = Tensor([1.0], requires_grad=True)
    optimizer = SGD([theta], lr=0.1, momentum=0.5)
    for _ in range(2):
        optimizer.zero_grad()
        (theta**2).sum().backward()
        optimizer.step()
    # step 1: b = 2, theta = 0.8; step 2: b = 0.5 * 2 + 1.6 = 2.6, theta = 0.8 - 0.26
    np.testing.assert_allclose(theta.data, [0.54], rtol=1e-14)
    np.testing.assert_allclose(optimizer.state[theta]["momentum_buffer"], [2.6], rtol=1e-14)


def _only_plain_values(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str | int) and _only_plain_values(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_only_plain_values(v) for v in value)
    return isinstance(value, np.ndarray | bool | int | float)


@pytest.mark.parametrize(
    ("ours_class", "options"), [(SGD, SGD_CASES[3]), (SGD, SGD_CASES[5]), (Adam, ADAM_CASES[3])]
)
def test_state_dict_round_trip_continues_identically(ours_class, options):
    problem = make_problem("float64", seed=4)
    straight, _ = run_ours(ours_class, options, problem, steps=8)

    halfway, optimizer = run_ours(ours_class, options, problem, steps=4)
    saved = optimizer.state_dict()
    assert _only_plain_values(saved)
    non_arrays = {
        "param_groups": saved["param_groups"],
        "state": {
            i: {k: v for k, v in s.items() if not isinstance(v, np.ndarray)}
            for i, s in saved["state"].items()
        },
    }
    json.dumps(non_arrays)  # everything but the arrays is JSON
    params = [Tensor(a.copy(), requires_grad=True) for a in halfway]
    rebuilt = ours_class(params, **options)
    rebuilt.load_state_dict(saved)
    for _ in range(4):
        rebuilt.zero_grad()
        our_loss(problem, params[0], params[1]).backward()
        rebuilt.step()
    for mine, reference in zip(params, straight, strict=True):
        np.testing.assert_array_equal(mine.data, reference)


def test_state_dict_arrays_are_copies():
    problem = make_problem("float64")
    _, optimizer = run_ours(SGD, {"lr": 0.1, "momentum": 0.9}, problem, steps=2)
    saved = optimizer.state_dict()
    before = saved["state"][0]["momentum_buffer"].copy()
    params = optimizer.param_groups[0]["params"]
    our_loss(problem, params[0], params[1]).backward()
    optimizer.step()
    np.testing.assert_array_equal(saved["state"][0]["momentum_buffer"], before)


def test_zero_grad_to_none_or_zeros():
    theta = Tensor([1.0, 2.0], requires_grad=True)
    optimizer = SGD([theta], lr=0.1)
    (theta**2).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(theta.grad, [0.0, 0.0])
    optimizer.zero_grad()
    assert theta.grad is None
    optimizer.step()  # nothing to do without gradients
    np.testing.assert_array_equal(theta.data, [1.0, 2.0])


def test_step_with_closure_returns_loss():
    theta = Tensor([3.0], requires_grad=True)
    optimizer = SGD([theta], lr=0.5)

    def closure():
        optimizer.zero_grad()
        loss = (theta**2).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_array_equal(theta.data, [0.0])


def test_accepts_generators_and_duck_parameters():
    class Parameter:
        def __init__(self, values):
            self.data = np.asarray(values, dtype=np.float64)
            self.grad = None

    p = Parameter([1.0, 1.0])
    optimizer = Adam(iter([p]), lr=0.1)
    p.grad = np.array([1.0, -1.0])
    optimizer.step()
    np.testing.assert_allclose(p.data, [0.9, 1.1], rtol=1e-7)


def test_base_class_update_is_abstract():
    optimizer = Optimizer([Tensor([1.0], requires_grad=True)], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        optimizer.step()


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda p: SGD(p, lr=-0.1), ValidationError, "lr must be a non-negative finite number"),
        (lambda p: SGD(p, lr=float("nan")), ValidationError, "lr must be a non-negative finite"),
        (lambda p: SGD(p, lr="0.1"), ArrayTypeError, "lr must be a real number, got str"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), ValidationError, r"momentum must lie in \[0, 1\)"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1), ValidationError, "weight_decay must be"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), ValidationError, "nesterov=True needs momentum"),
        (
            lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            ValidationError,
            "dampening = 0",
        ),
        (lambda p: SGD(p, lr=0.1, nesterov=1), ArrayTypeError, "nesterov must be True or False"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValidationError, r"betas\[1\] must lie in \[0, 1\)"),
        (lambda p: Adam(p, betas=(-0.1, 0.9)), ValidationError, r"betas\[0\] must lie in"),
        (lambda p: Adam(p, betas=0.9), ValidationError, "betas must be a pair"),
        (lambda p: Adam(p, eps=-1e-8), ValidationError, "eps must be a non-negative"),
        (lambda p: Adam(p, amsgrad="yes"), ArrayTypeError, "amsgrad must be True or False"),
        (lambda p: SGD([], lr=0.1), ValidationError, "params must not be empty"),
        (lambda p: SGD(p[0], lr=0.1), ArrayTypeError, "got a single Tensor"),
        (lambda p: SGD([p[0], p[0]], lr=0.1), ValidationError, "more than once"),
        (lambda p: SGD([1.0], lr=0.1), ArrayTypeError, r"params'\]\[0\] must be a parameter"),
        (lambda p: SGD([{"params": p, "learning_rate": 1}], lr=0.1), ValidationError, "unknown"),
        (lambda p: SGD([{"lr": 0.1}], lr=0.1), ValidationError, "must have a 'params' entry"),
        (lambda p: SGD([{"params": []}], lr=0.1), ValidationError, "must not be empty"),
    ],
)
def test_bad_arguments(build, error, message):
    with pytest.raises(error, match=message):
        build([Tensor([1.0], requires_grad=True)])


def test_integer_data_is_refused():
    class Parameter:
        data = np.arange(3)
        grad = None

    with pytest.raises(ArrayTypeError, match="must be a float32 or float64 NumPy array"):
        SGD([Parameter()], lr=0.1)


def test_gradient_of_the_wrong_shape():
    theta = Tensor([1.0, 2.0], requires_grad=True)
    theta.grad = np.ones(3)
    with pytest.raises(ShapeError, match=r"shape \(2,\) has a gradient of shape \(3,\)"):
        SGD([theta], lr=0.1).step()


def _trained_adam():
    problem = make_problem("float64")
    _, optimizer = run_ours(Adam, {"lr": 0.1, "amsgrad": True}, problem, steps=2)
    return optimizer


@pytest.mark.parametrize(
    ("corrupt", "error", "message"),
    [
        (lambda s: s.pop("state"), ValidationError, "keys 'state' and 'param_groups'"),
        (lambda s: s["param_groups"].append({}), ValidationError, "2 parameter group"),
        (lambda s: s["param_groups"][0]["params"].pop(), ValidationError, "has 2 parameter"),
        (lambda s: s["param_groups"][0].pop("eps"), ValidationError, r"lacks the option\(s\)"),
        (lambda s: s["param_groups"][0].update(lr=-1.0), ValidationError, "lr must be"),
        (lambda s: s["state"].update({7: {}}), ValidationError, "parameter 7, which no group"),
        (lambda s: s["state"][0].pop("exp_avg"), ValidationError, "must hold the entries"),
        (lambda s: s["state"][0].update(step=-1), ValidationError, "must be a count >= 0"),
        (lambda s: s["state"][0].update(exp_avg=[1.0]), ArrayTypeError, "must be a NumPy array"),
        (lambda s: s["state"][0].update(exp_avg=np.zeros(2)), ShapeError, r"shape \(3, 2\)"),
        (
            lambda s: s["state"][0].update(exp_avg=np.zeros((3, 2), np.float32)),
            ShapeError,
            "dtype float64",
        ),
    ],
)
def test_load_state_dict_validates(corrupt, error, message):
    optimizer = _trained_adam()
    saved = optimizer.state_dict()
    before = optimizer.state_dict()
    corrupt(saved)
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(saved)
    after = optimizer.state_dict()  # a refused state leaves the optimizer as it was
    np.testing.assert_array_equal(after["state"][0]["exp_avg"], before["state"][0]["exp_avg"])


def test_load_state_dict_of_other_option_names():
    optimizer = _trained_adam()
    saved = optimizer.state_dict()
    saved["param_groups"][0]["amsgrad"] = False  # then max_exp_avg_sq is one entry too many
    with pytest.raises(ValidationError, match="must hold the entries"):
        optimizer.load_state_dict(saved)
