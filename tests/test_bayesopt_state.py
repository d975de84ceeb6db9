"""Saving and loading a Bayesian optimization: a resumed run repeats no evaluation.

The guarantee: the optimizer's suggestions are a deterministic function of the
seed and the evaluations told so far (every random draw comes from a generator
keyed by the seed and the number of evaluations; the surrogate's warm start is
saved), and the JSON state stores floats exactly. So a run saved after 8 calls and
continued to 15 evaluates exactly the points an uninterrupted 15-call run does.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mlequations import NonFiniteError, ShapeError, ValidationError
from mlequations.bayesopt import BayesianOptimizer, minimize
from mlequations.bayesopt.state import FORMAT

BOUNDS = [(-5.0, 10.0), (0.0, 15.0)]


def branin(x: np.ndarray) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return float((x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10)


class CountingObjective:
    """Branin, recording every point it is called at."""

    def __init__(self) -> None:
        self.calls: list[np.ndarray] = []

    def __call__(self, x: np.ndarray) -> float:
        self.calls.append(np.array(x))
        return branin(x)


@pytest.fixture(scope="module")
def uninterrupted():
    return minimize(branin, BOUNDS, n_calls=15, random_state=3)


def test_resumed_run_equals_uninterrupted_run_and_repeats_nothing(tmp_path, uninterrupted):
    first = CountingObjective()
    optimizer = BayesianOptimizer(BOUNDS, random_state=3)
    optimizer.run(first, n_calls=8)
    path = optimizer.save(tmp_path / "run.json")

    second = CountingObjective()
    resumed = BayesianOptimizer.load(path)
    np.testing.assert_array_equal(resumed.x_iters, optimizer.x_iters)
    np.testing.assert_array_equal(resumed.func_vals, optimizer.func_vals)
    result = resumed.run(second, n_calls=7)

    assert len(first.calls) == 8
    assert len(second.calls) == 7
    earlier = np.array(first.calls)
    for point in second.calls:  # no evaluation of the first session is repeated
        assert np.min(np.linalg.norm(earlier - point, axis=1)) > 1e-6
    np.testing.assert_array_equal(result.x_iters, uninterrupted.x_iters)
    np.testing.assert_array_equal(result.func_vals, uninterrupted.func_vals)
    assert result.fun == uninterrupted.fun


def test_state_path_saves_after_every_call_and_resumes(tmp_path, uninterrupted):
    path = tmp_path / "state.json"
    seen = []
    minimize(
        branin,
        BOUNDS,
        n_calls=6,
        random_state=3,
        state_path=path,
        callback=lambda result: seen.append(len(json.loads(path.read_text())["x_iters"])),
    )
    assert seen == [1, 2, 3, 4, 5, 6]  # the file is current when each callback runs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]  # no temporary left
    result = BayesianOptimizer.load(path).run(branin, n_calls=9, state_path=path)
    np.testing.assert_array_equal(result.x_iters, uninterrupted.x_iters)
    assert len(json.loads(path.read_text())["x_iters"]) == 15


def test_pending_suggestion_survives_saving(tmp_path):
    optimizer = BayesianOptimizer([(0.0, 1.0)], n_initial_points=2, random_state=0)
    for _ in range(3):
        x = optimizer.ask()
        optimizer.tell(x, float(np.sin(7 * x[0])))
    pending = optimizer.ask()
    loaded = BayesianOptimizer.load(optimizer.save(tmp_path / "p.json"))
    np.testing.assert_array_equal(loaded.ask(), pending)
    assert loaded.models == []  # models are not saved; they are refitted when needed


def test_file_is_strict_json_with_exact_floats_and_non_finite_values(tmp_path):
    optimizer = BayesianOptimizer(BOUNDS, random_state=1, on_nonfinite="penalize", xi=0.1)
    points = [[1 / 3, 2 / 7], [0.1, 0.2], [5.0, 5.0], [9.0, 1.0]]
    optimizer.tell(points, [math.pi, math.nan, math.inf, -math.inf])
    path = optimizer.save(tmp_path / "s.json")

    def refuse(constant):
        raise AssertionError(f"{constant} is not strict JSON")

    document = json.loads(path.read_text(), parse_constant=refuse)
    assert document["format"] == FORMAT
    assert document["func_vals"] == [math.pi, "nan", "inf", "-inf"]
    assert document["settings"]["xi"] == 0.1
    loaded = BayesianOptimizer.load(path)
    np.testing.assert_array_equal(loaded.x_iters, np.array(points))  # bit for bit
    np.testing.assert_array_equal(loaded.func_vals, [math.pi, math.nan, math.inf, -math.inf])
    assert loaded.on_nonfinite == "penalize"
    assert loaded.xi == 0.1
    assert loaded.result().fun == math.pi  # only finite values count as found


def _saved(tmp_path) -> tuple[object, dict]:
    optimizer = BayesianOptimizer(BOUNDS, random_state=1)
    optimizer.tell([1.0, 2.0], 3.0)
    path = optimizer.save(tmp_path / "s.json")
    return path, json.loads(path.read_text())


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda d: d.update(format="other/1"), ValidationError, "must hold format"),
        (lambda d: d.pop("x_iters"), ValidationError, "lacks the keys"),
        (lambda d: d.update(x_iters=[[1.0]]), ShapeError, r"x_iters\[0\] must be a list of 2"),
        (lambda d: d.update(func_vals=[1.0, 2.0]), ShapeError, "one per point"),
        (lambda d: d.update(func_vals=["oops"]), ValidationError, r"func_vals\[0\] must be"),
        (lambda d: d.update(entropy=-1), ValidationError, "entropy must be"),
        (lambda d: d.update(bounds=[[1.0, 0.0], [0.0, 1.0]]), ValidationError, "low < high"),
        (lambda d: d.update(x_iters=[[100.0, 2.0]]), ValidationError, "within the bounds"),
        (lambda d: d.update(x_iters=[["nan", 2.0]]), NonFiniteError, "finite"),
        (lambda d: d["settings"].update(acquisition="ucb"), ValidationError, "acquisition"),
        (lambda d: d["settings"].update(colour="red"), ValidationError, "unknown settings"),
        (lambda d: d.update(initial_points=[[0.5, 0.5]]), ShapeError, "initial_points"),
        (lambda d: d.update(kernel_theta=3.0), ValidationError, "kernel_theta"),
        (lambda d: d.update(output_warping=[1.0]), ShapeError, "output_warping"),
        (lambda d: d.update(output_warping=[1.0, 0.0]), ValidationError, "scale > 0"),
    ],
)
def test_load_refuses_a_damaged_file(tmp_path, change, error, message):
    path, document = _saved(tmp_path)
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(error, match=message):
        BayesianOptimizer.load(path)


def test_load_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ValidationError, match="is not a JSON optimization state"):
        BayesianOptimizer.load(path)
