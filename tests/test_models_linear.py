"""LinearRegression and PolynomialRegression against scikit-learn, NumPy and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn import datasets
from sklearn import linear_model as sk_linear
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.models.linear_regression import LinearRegression
from mlequations.models.polynomial_regression import PolynomialRegression, polynomial_features
from mlequations.optimize import DivergenceError


def regression_problems() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Real and random regression data; iris and wine predict one feature from the others."""
    diabetes = datasets.load_diabetes(return_X_y=True)
    iris = datasets.load_iris().data
    wine = datasets.load_wine().data
    random = datasets.make_regression(120, 8, noise=3.0, bias=4.0, random_state=0)
    return {
        "diabetes": diabetes,
        "iris": (iris[:, :3], iris[:, 3]),
        "wine": (wine[:, 1:], wine[:, 0]),
        "random": random,
    }


PROBLEMS = regression_problems()


def assert_close_to(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-8) -> None:
    """Agreement relative to the size of the reference (coefficients span many scales)."""
    expected = np.asarray(expected)
    assert_allclose(actual, expected, rtol=rtol, atol=rtol * float(np.max(np.abs(expected))))


# --------------------------------------------------------------------------- scikit-learn contract


@parametrize_with_checks(
    [
        LinearRegression(),
        LinearRegression(solver="gradient_descent"),
        LinearRegression(fit_intercept=False),
        PolynomialRegression(),
        PolynomialRegression(degree=1),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- normal equations


@pytest.mark.parametrize("name", sorted(PROBLEMS))
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_normal_equations_match_sklearn(name, fit_intercept):
    X, t = PROBLEMS[name]
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, t)
    theirs = sk_linear.LinearRegression(fit_intercept=fit_intercept).fit(X, t)
    assert_close_to(ours.coef_, theirs.coef_)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-8)
    assert_close_to(ours.predict(X), theirs.predict(X), rtol=1e-10)
    assert ours.rank_ == X.shape[1]
    assert ours.n_iter_ == 1
    assert ours.converged_


def test_normal_equations_solve_the_normal_equations(rng):
    X = rng.normal(size=(50, 4))
    t = rng.normal(size=50)
    theta = LinearRegression(fit_intercept=False).fit(X, t).coef_
    assert_allclose(X.T @ X @ theta, X.T @ t, rtol=1e-10, atol=1e-12)
    assert_allclose(theta, np.linalg.solve(X.T @ X, X.T @ t), rtol=1e-10)


def test_intercept_is_the_mean_residual(rng):
    X = rng.normal(loc=3.0, size=(40, 3))
    t = X @ np.array([1.0, -2.0, 0.5]) + 7.0
    model = LinearRegression().fit(X, t)
    assert_allclose(model.coef_, [1.0, -2.0, 0.5], rtol=1e-10)
    assert_allclose(model.intercept_, 7.0, rtol=1e-10)
    assert_allclose(model.score(X, t), 1.0)


def test_singular_gram_falls_back_to_the_pseudo_inverse(rng):
    """Duplicated columns: X^T X is singular; theta = X^+ t, the minimum-norm minimiser."""
    base = rng.normal(size=(30, 3))
    X = np.hstack([base, base[:, [1]]])  # column 3 repeats column 1
    t = rng.normal(size=30)
    ours = LinearRegression().fit(X, t)
    centred = X - X.mean(axis=0)
    assert_allclose(ours.coef_, np.linalg.pinv(centred) @ (t - t.mean()), rtol=1e-10)
    assert_close_to(ours.coef_, sk_linear.LinearRegression().fit(X, t).coef_)
    assert ours.rank_ == 3
    # the repeated weight is split evenly, and the predictions are those of the full-rank fit
    assert_allclose(ours.coef_[1], ours.coef_[3], rtol=1e-10)
    full_rank = LinearRegression().fit(base, t)
    assert_allclose(ours.coef_[1] + ours.coef_[3], full_rank.coef_[1], rtol=1e-10)
    assert_allclose(ours.predict(X), full_rank.predict(base), rtol=1e-10)


def test_more_features_than_samples_interpolates_with_minimum_norm(rng):
    X = rng.normal(size=(5, 12))
    t = rng.normal(size=5)
    ours = LinearRegression(fit_intercept=False).fit(X, t)
    assert_allclose(ours.coef_, np.linalg.pinv(X) @ t, rtol=1e-10)
    assert_allclose(ours.predict(X), t, rtol=1e-10)
    assert ours.rank_ == 5


def test_float32_stays_float32(rng):
    X = rng.normal(size=(60, 3)).astype(np.float32)
    t = (X @ np.array([1.0, 2.0, 3.0], dtype=np.float32)).astype(np.float32)
    for model in (LinearRegression(), LinearRegression(solver="gradient_descent")):
        model.fit(X, t)
        assert model.coef_.dtype == np.float32
        assert model.predict(X).dtype == np.float32
        assert_allclose(model.coef_, [1.0, 2.0, 3.0], rtol=1e-5)


# --------------------------------------------------------------------------- gradient descent


def well_conditioned_problem(rng):
    X = rng.normal(size=(200, 5)) + np.array([1.0, -2.0, 0.0, 3.0, 0.5])
    t = X @ np.array([2.0, -1.0, 0.5, 0.0, 1.5]) + 3.0 + 0.1 * rng.normal(size=200)
    return X, t


def test_gradient_descent_converges_to_the_normal_equations(rng):
    X, t = well_conditioned_problem(rng)
    exact = LinearRegression().fit(X, t)
    model = LinearRegression(solver="gradient_descent", tol=1e-12).fit(X, t)
    assert model.converged_
    assert 1 <= model.n_iter_ < 10_000
    assert model.rank_ is None
    assert_allclose(model.coef_, exact.coef_, rtol=1e-9, atol=1e-10)
    assert_allclose(model.intercept_, exact.intercept_, rtol=1e-9)


def test_gradient_descent_with_a_given_rate_matches_too(rng):
    X, t = well_conditioned_problem(rng)
    model = LinearRegression(solver="gradient_descent", learning_rate=0.1, tol=1e-12).fit(X, t)
    assert_allclose(model.coef_, LinearRegression().fit(X, t).coef_, rtol=1e-9, atol=1e-10)


def test_gradient_descent_on_singular_data_finds_the_minimum_norm_solution(rng):
    """Started at 0, the iterates stay in the row space of X: they tend to X^+ t."""
    base = rng.normal(size=(100, 2))
    X = np.hstack([base, base[:, [0]]])
    t = base @ np.array([1.0, -1.0]) + 0.1 * rng.normal(size=100)
    model = LinearRegression(solver="gradient_descent", fit_intercept=False, tol=1e-13)
    model.fit(X, t)
    assert_allclose(model.coef_, np.linalg.pinv(X) @ t, rtol=1e-9, atol=1e-11)


def test_gradient_descent_that_does_not_converge_warns(rng):
    X, t = well_conditioned_problem(rng)
    model = LinearRegression(solver="gradient_descent", max_iter=3)
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=3"):
        model.fit(X, t)
    assert not model.converged_
    assert model.n_iter_ == 3


def test_gradient_descent_that_diverges_raises(rng):
    X, t = well_conditioned_problem(rng)
    with pytest.raises(DivergenceError, match=r"diverged.*smaller learning rate"):
        LinearRegression(solver="gradient_descent", learning_rate=10.0).fit(X, t)


def test_gradient_descent_on_constant_features_returns_zero():
    X = np.ones((4, 2))
    model = LinearRegression(solver="gradient_descent").fit(X, [1.0, 2.0, 3.0, 4.0])
    assert_allclose(model.coef_, [0.0, 0.0])
    assert_allclose(model.intercept_, 2.5)


# --------------------------------------------------------------------------- polynomial regression


def noisy_sine(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The guide's example: t = sin(2 pi x) + noise on x in [0, 1]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=n)
    return x[:, None], np.sin(2 * np.pi * x) + 0.2 * rng.normal(size=n)


def test_polynomial_features_are_increasing_powers():
    x = np.array([[2.0], [-1.5], [0.0]])
    assert_allclose(polynomial_features(x, 4), np.vander(x[:, 0], 5, increasing=True))
    assert_allclose(polynomial_features(x, 0), np.ones((3, 1)))
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    assert_allclose(polynomial_features(X, 2), PolynomialFeatures(2).fit_transform(X))
    assert polynomial_features(x.astype(np.float32), 3).dtype == np.float32


@pytest.mark.parametrize("degree", [0, 1, 3, 5])
def test_polynomial_regression_matches_numpy_polyfit(degree):
    x, t = noisy_sine(30, seed=degree)
    model = PolynomialRegression(degree).fit(x, t)
    assert_allclose(model.theta_, np.polynomial.polynomial.polyfit(x[:, 0], t, degree), rtol=1e-8)
    assert_allclose(model.intercept_, model.theta_[0])
    assert_allclose(model.coef_, model.theta_[1:])
    grid = np.linspace(0, 1, 7)[:, None]
    expected = np.polynomial.polynomial.polyval(grid[:, 0], model.theta_)
    assert_allclose(model.predict(grid), expected, rtol=1e-12)


def test_polynomial_regression_matches_a_sklearn_pipeline():
    x, t = noisy_sine(25, seed=3)
    ours = PolynomialRegression(3).fit(x, t)
    theirs = make_pipeline(PolynomialFeatures(3), sk_linear.LinearRegression()).fit(x, t)
    assert_allclose(ours.predict(x), theirs.predict(x), rtol=1e-10)
    assert_allclose(ours.coef_, theirs[-1].coef_[1:], rtol=1e-8)


def test_polynomial_regression_on_several_columns_uses_all_monomials(rng):
    X = rng.normal(size=(40, 2))
    t = 1.0 + X[:, 0] * X[:, 1] - 2.0 * X[:, 1] ** 2
    model = PolynomialRegression(2).fit(X, t)
    theirs = make_pipeline(PolynomialFeatures(2), sk_linear.LinearRegression()).fit(X, t)
    assert_allclose(model.theta_, [1.0, 0.0, 0.0, 0.0, 1.0, -2.0], atol=1e-10)
    assert_allclose(model.predict(X), theirs.predict(X), rtol=1e-10)


def test_degree_nine_interpolates_ten_points_the_guides_overfit():
    """M = 9 with N = 10: training loss 0, yet far from the sine between the points."""
    x, t = noisy_sine(10, seed=0)
    fits = {m: PolynomialRegression(m).fit(x, t) for m in (1, 3, 9)}
    train_loss = {m: np.mean((f.predict(x) - t) ** 2) for m, f in fits.items()}
    assert train_loss[9] < 1e-16
    assert train_loss[1] > train_loss[3] > train_loss[9]
    grid = np.linspace(0.0, 1.0, 200)[:, None]
    population = {
        m: np.mean((f.predict(grid) - np.sin(2 * np.pi * grid[:, 0])) ** 2) for m, f in fits.items()
    }
    assert population[3] < population[1]
    assert population[3] < population[9]


def test_too_high_degree_gives_the_minimum_norm_interpolant():
    x, t = noisy_sine(4, seed=1)
    model = PolynomialRegression(6).fit(x, t)
    U = np.vander(x[:, 0], 7, increasing=True)
    assert model.rank_ == 4
    assert_allclose(model.theta_, np.linalg.pinv(U) @ t, rtol=1e-7)
    assert_allclose(model.predict(x), t, rtol=1e-9)


# --------------------------------------------------------------------------- bad input


ESTIMATORS = [LinearRegression, PolynomialRegression]


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_refused(estimator, bad):
    X = np.ones((4, 1))
    X[2, 0] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        estimator().fit(X, [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        estimator().fit(np.arange(4.0)[:, None], [1.0, bad, 3.0, 4.0])


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_wrong_number_of_features_at_predict(estimator):
    model = estimator().fit(np.arange(8.0).reshape(4, 2), [1.0, 2.0, 3.0, 5.0])
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 2 features"):
        model.predict(np.ones((2, 3)))


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_empty_input(estimator):
    with pytest.raises(ValueError, match="0 sample"):
        estimator().fit(np.ones((0, 2)), [])


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_predict_before_fit(estimator):
    with pytest.raises(NotFittedError):
        estimator().predict(np.ones((2, 1)))


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"solver": "qr"}, ValidationError, "solver must be one of"),
        ({"fit_intercept": "yes"}, ArrayTypeError, "fit_intercept must be True or False"),
        ({"solver": "gradient_descent", "learning_rate": -0.1}, ValidationError, "learning_rate"),
        ({"solver": "gradient_descent", "learning_rate": "fast"}, ArrayTypeError, "learning_rate"),
        ({"solver": "gradient_descent", "max_iter": 0}, ValidationError, "max_iter must be >= 1"),
        ({"solver": "gradient_descent", "tol": -1.0}, ValidationError, "tol must be"),
    ],
)
def test_bad_parameters_are_named(params, error, message):
    with pytest.raises(error, match=message):
        LinearRegression(**params).fit(np.arange(6.0).reshape(3, 2), [1.0, 2.0, 3.0])


@pytest.mark.parametrize(("degree", "error"), [(-1, ValidationError), (2.5, ArrayTypeError)])
def test_bad_degree_is_named(degree, error):
    with pytest.raises(error, match="degree"):
        PolynomialRegression(degree).fit(np.arange(3.0)[:, None], [1.0, 2.0, 3.0])
