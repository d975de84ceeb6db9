"""The energy distance against SciPy (1-D) and a direct pairwise-distance formula (2-D)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import energy_distance as scipy_energy_distance

from mlequations import distances
from mlequations._array import EmptyInputError, NonFiniteError, ShapeError
from mlequations.distances import energy_distance


def pairwise_energy_distance(x: np.ndarray, y: np.ndarray) -> float:
    """sqrt(2 E|X - Y| - E|X - X'| - E|Y - Y'|) with every mean over all pairs, via cdist."""
    between = cdist(x, y).mean()
    return float(np.sqrt(2 * between - cdist(x, x).mean() - cdist(y, y).mean()))


@pytest.mark.parametrize(("n", "m"), [(1, 1), (5, 3), (200, 150)])
def test_one_dimension_matches_scipy(n, m, rng):
    x, y = rng.normal(size=n), rng.normal(0.5, 2.0, size=m)
    assert float(energy_distance(x, y)) == pytest.approx(scipy_energy_distance(x, y), rel=1e-10)
    # a column of shape (n, 1) is the same sample
    column = energy_distance(x[:, None], y[:, None])
    assert float(column) == pytest.approx(scipy_energy_distance(x, y), rel=1e-10)


@pytest.mark.parametrize("d", [2, 3])
def test_several_dimensions_match_the_pairwise_formula(d, rng):
    x, y = rng.normal(size=(120, d)), rng.normal(0.3, 1.5, size=(80, d))
    expected = pairwise_energy_distance(x, y)
    assert float(energy_distance(x, y)) == pytest.approx(expected, rel=1e-10)
    assert float(energy_distance(y, x)) == pytest.approx(expected, rel=1e-10)  # symmetric


def test_blocks_give_the_same_value(rng, monkeypatch):
    x, y = rng.normal(size=(97, 2)), rng.normal(size=(31, 2))
    expected = pairwise_energy_distance(x, y)
    monkeypatch.setattr(distances, "BLOCK_ELEMENTS", 50)  # one or two rows per block
    assert float(energy_distance(x, y)) == pytest.approx(expected, rel=1e-10)


def test_invariances_and_edge_values(rng):
    x, y = rng.normal(size=(60, 2)), rng.normal(1.0, 1.0, size=(40, 2))
    rotation = np.array([[0.6, -0.8], [0.8, 0.6]])
    value = float(energy_distance(x, y))
    moved = float(energy_distance(x @ rotation.T + 5.0, y @ rotation.T + 5.0))
    assert moved == pytest.approx(value, rel=1e-10)  # rigid motions do not change distances
    # D^2 is a difference of mean distances, so D grows with the square root of the scale
    assert float(energy_distance(3 * x, 3 * y)) == pytest.approx(np.sqrt(3) * value, rel=1e-10)
    assert float(energy_distance(x, x)) == 0.0  # rounding below 0 is clipped, no NaN
    assert float(energy_distance(x.astype(np.float32), x.astype(np.float32))) == 0.0
    # two points one apart against one of them: sqrt(2 * 1/2 - 1/2 - 0)
    assert float(energy_distance([0.0, 1.0], [0.0])) == pytest.approx(np.sqrt(0.5), rel=1e-15)


def test_detects_a_difference_that_moments_miss(rng):
    """A ring and a Gaussian of the same mean and covariance are far apart."""
    n = 1500
    angle = rng.uniform(0, 2 * np.pi, n)
    ring = np.sqrt(2) * np.column_stack([np.cos(angle), np.sin(angle)])  # covariance I
    gaussian, other_gaussian = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
    assert energy_distance(ring, gaussian) > 3 * energy_distance(gaussian, other_gaussian)


def test_float32_and_other_libraries(backend, rng):
    x, y = rng.normal(size=(30, 2)), rng.normal(size=(20, 2))
    result = energy_distance(backend.asarray(x), backend.asarray(y))
    assert backend.is_native(result)
    np.testing.assert_allclose(backend.to_numpy(result), pairwise_energy_distance(x, y), 1e-12)
    single = energy_distance(x.astype(np.float32), y.astype(np.float32))
    assert single.dtype == np.float32
    assert float(single) == pytest.approx(pairwise_energy_distance(x, y), rel=1e-5)


def test_pytorch_gradient_is_finite_with_repeated_points(torch):
    x = torch.tensor([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([[0.0, 0.0], [3.0, 1.0]], dtype=torch.float64)
    energy_distance(x, y).backward()
    assert bool(torch.all(torch.isfinite(x.grad)))
    # against finite differences of the NumPy formula
    step, base = 1e-6, x.detach().numpy()
    for i, j in [(2, 0), (2, 1)]:
        up, down = base.copy(), base.copy()
        up[i, j] += step
        down[i, j] -= step
        slope = pairwise_energy_distance(up, y.numpy()) - pairwise_energy_distance(down, y.numpy())
        assert float(x.grad[i, j]) == pytest.approx(slope / (2 * step), rel=1e-6)


@pytest.mark.parametrize(
    ("x", "y", "error", "message"),
    [
        (np.ones((2, 2, 2)), np.ones((2, 2)), ShapeError, "x must be a sample of shape (n,) or"),
        (np.ones((3, 2)), np.ones((3, 3)), ShapeError, "x and y must have the same dimension d"),
        (np.ones((0, 2)), np.ones((3, 2)), EmptyInputError, "x must not be empty"),
        ([1.0, np.nan], [1.0], NonFiniteError, "x must be finite, got NaN"),
        ([1.0], [np.inf], NonFiniteError, "y must be finite, got infinity"),
    ],
)
def test_bad_input_is_named(x, y, error, message):
    with pytest.raises(error) as raised:
        energy_distance(x, y)
    assert message in str(raised.value)
