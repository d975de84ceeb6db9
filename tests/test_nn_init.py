"""nn.init: PyTorch's gains and formulas, sample statistics, generators and the default RNG."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mlequations import nn
from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import Tensor
from mlequations.nn import init

SHAPE = (300, 400)  # 120,000 draws: a sample std is within ~0.2% of the true one (1 sigma)
FAN_IN, FAN_OUT = 400, 300


def weight(dtype="float32"):
    return nn.Parameter(np.zeros(SHAPE, dtype=dtype))


def generator():
    return np.random.default_rng(2024)


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("selu", None),
    ],
)
def test_gains_equal_pytorch(torch, nonlinearity, param):
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_gain_errors():
    with pytest.raises(ValidationError, match="nonlinearity must be one of"):
        init.calculate_gain("softplus")
    with pytest.raises(ArrayTypeError, match="param must be a number"):
        init.calculate_gain("leaky_relu", "0.1")


@pytest.mark.parametrize(
    ("fill", "bound"),
    [
        (lambda w, g: init.uniform_(w, -0.3, 0.7, generator=g), (-0.3, 0.7)),
        (lambda w, g: init.xavier_uniform_(w, gain=2.0, generator=g), 2 * math.sqrt(6 / 700)),
        (
            lambda w, g: init.kaiming_uniform_(w, a=math.sqrt(5), generator=g),
            1 / math.sqrt(FAN_IN),  # torch.nn.Linear's default
        ),
        (
            lambda w, g: init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", generator=g),
            math.sqrt(2) * math.sqrt(3 / FAN_OUT),
        ),
    ],
)
def test_uniform_fills_stay_within_their_bounds_with_the_uniform_std(fill, bound):
    low, high = bound if isinstance(bound, tuple) else (-bound, bound)
    w = fill(weight(), generator())
    assert w.dtype == np.float32
    assert low <= w.data.min()
    assert w.data.max() <= high
    assert w.data.min() < low + 0.01 * (high - low)
    assert w.data.max() > high - 0.01 * (high - low)
    assert w.data.std() == pytest.approx((high - low) / math.sqrt(12), rel=0.01)


@pytest.mark.parametrize(
    ("fill", "mean", "std"),
    [
        (lambda w, g: init.normal_(w, 1.5, 0.2, generator=g), 1.5, 0.2),
        (lambda w, g: init.xavier_normal_(w, generator=g), 0.0, math.sqrt(2 / 700)),
        (
            lambda w, g: init.kaiming_normal_(w, nonlinearity="relu", generator=g),
            0.0,
            math.sqrt(2 / FAN_IN),
        ),
        (
            lambda w, g: init.kaiming_normal_(w, a=0.1, mode="fan_out", generator=g),
            0.0,
            math.sqrt(2 / (1 + 0.01)) / math.sqrt(FAN_OUT),
        ),
    ],
)
def test_normal_fills_have_the_formula_std(fill, mean, std):
    w = fill(weight("float64"), generator())
    assert w.dtype == np.float64
    assert w.data.mean() == pytest.approx(mean, abs=0.02 * std)
    assert w.data.std() == pytest.approx(std, rel=0.01)


def test_our_stds_agree_with_pytorch_samples(torch):
    torch.manual_seed(0)
    for ours, theirs in [
        (init.xavier_normal_, torch.nn.init.xavier_normal_),
        (init.kaiming_normal_, torch.nn.init.kaiming_normal_),
        (init.xavier_uniform_, torch.nn.init.xavier_uniform_),
        (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_),
    ]:
        sample = theirs(torch.empty(SHAPE)).std().item()
        assert ours(weight(), generator=generator()).data.std() == pytest.approx(sample, rel=0.02)


def test_constant_fills_and_plain_arrays():
    w = weight()
    assert init.ones_(w) is w
    assert np.all(w.data == 1)
    init.zeros_(w)
    assert np.all(w.data == 0)
    init.constant_(w, 0.25)
    assert np.all(w.data == 0.25)
    assert w.dtype == np.float32
    array = np.zeros((3, 2))
    init.uniform_(array, 1.0, 2.0, generator=generator())
    assert np.all((array >= 1) & (array <= 2))


def test_generator_makes_fills_reproducible_and_default_follows_manual_seed():
    a = init.normal_(weight(), generator=np.random.default_rng(1)).data
    b = init.normal_(weight(), generator=np.random.default_rng(1)).data
    np.testing.assert_array_equal(a, b)
    nn.manual_seed(7)
    c = init.normal_(weight()).data
    nn.manual_seed(7)
    np.testing.assert_array_equal(init.normal_(weight()).data, c)
    nn.manual_seed(7)
    first = nn.Linear(3, 2).state_dict()
    nn.manual_seed(7)
    for (name, x), y in zip(first.items(), nn.Linear(3, 2).state_dict().values(), strict=True):
        np.testing.assert_array_equal(x, y, err_msg=name)


def test_rng_state_round_trips_through_json():
    nn.manual_seed(3)
    nn.default_generator().random(5)  # move somewhere in the middle of the stream
    state = json.loads(json.dumps(nn.get_rng_state()))
    expected = nn.default_generator().random(4)
    nn.manual_seed(99)
    nn.set_rng_state(state)
    np.testing.assert_array_equal(nn.default_generator().random(4), expected)


def test_rng_state_errors():
    with pytest.raises(ArrayTypeError, match="state must be a dict"):
        nn.set_rng_state("PCG64")
    with pytest.raises(ValidationError, match="must be a PCG64 state"):
        nn.set_rng_state({"bit_generator": "MT19937", "state": {}})
    with pytest.raises(ValidationError, match="not a valid PCG64 state"):
        nn.set_rng_state({"bit_generator": "PCG64", "state": "broken"})
    with pytest.raises(ValidationError, match="seed must be >= 0"):
        nn.manual_seed(-1)


def test_init_argument_errors():
    with pytest.raises(ShapeError, match="at least 2 dimensions"):
        init.xavier_uniform_(Tensor(np.zeros(5)))
    with pytest.raises(ValidationError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(weight(), mode="fan_avg")
    with pytest.raises(ValidationError, match="std must be >= 0"):
        init.normal_(weight(), std=-1.0)
    with pytest.raises(ValidationError, match="a must be <= b"):
        init.uniform_(weight(), 1.0, 0.0)
    with pytest.raises(ArrayTypeError, match="tensor must be a Tensor or a float NumPy array"):
        init.zeros_([0.0, 0.0])
    with pytest.raises(ArrayTypeError, match=r"generator must be a numpy.random.Generator"):
        init.normal_(weight(), generator=3)
