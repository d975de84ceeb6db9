"""RidgeRegression and LassoRegression against scikit-learn, closed forms and optimality."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import optimize
from sklearn import datasets
from sklearn import linear_model as sk_linear
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.models.coordinate_descent import lasso_coordinate_descent, soft_threshold
from mlequations.models.linear_regression import LinearRegression
from mlequations.models.regularized import LassoRegression, RidgeRegression


def regression_problems() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Real and random regression data; iris and wine predict one feature from the others."""
    diabetes = datasets.load_diabetes(return_X_y=True)
    iris = datasets.load_iris().data
    wine = datasets.load_wine().data
    random = datasets.make_regression(120, 8, n_informative=4, noise=3.0, random_state=0)
    return {
        "diabetes": diabetes,
        "iris": (iris[:, :3], iris[:, 3]),
        "wine": (StandardScaler().fit_transform(wine[:, 1:]), wine[:, 0]),
        "random": random,
    }


PROBLEMS = regression_problems()


def assert_close_to(actual: np.ndarray, expected: np.ndarray, rtol: float) -> None:
    """Agreement relative to the size of the reference (coefficients span many scales)."""
    expected = np.asarray(expected)
    assert_allclose(actual, expected, rtol=rtol, atol=rtol * float(np.max(np.abs(expected))))


def correlated_problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    factors = rng.normal(size=(80, 3))
    X = factors @ rng.normal(size=(3, 10)) + 0.05 * rng.normal(size=(80, 10))
    return X, X[:, 0] - 2.0 * X[:, 4] + 0.1 * rng.normal(size=80)


# --------------------------------------------------------------------------- scikit-learn contract


@parametrize_with_checks(
    [
        RidgeRegression(),
        RidgeRegression(alpha=0.0),
        RidgeRegression(fit_intercept=False),
        LassoRegression(),
        LassoRegression(fit_intercept=False),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- ridge


@pytest.mark.parametrize("name", sorted(PROBLEMS))
@pytest.mark.parametrize("alpha", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn(name, alpha, fit_intercept):
    X, t = PROBLEMS[name]
    ours = RidgeRegression(alpha, fit_intercept=fit_intercept).fit(X, t)
    theirs = sk_linear.Ridge(alpha, fit_intercept=fit_intercept, solver="cholesky").fit(X, t)
    assert_close_to(ours.coef_, theirs.coef_, rtol=1e-8)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-8)
    assert_close_to(ours.predict(X), theirs.predict(X), rtol=1e-10)


def test_ridge_is_the_closed_form(rng):
    X = rng.normal(loc=2.0, size=(40, 5))
    t = rng.normal(size=40)
    alpha = 3.0
    Xc, tc = X - X.mean(axis=0), t - t.mean()
    expected = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(5), Xc.T @ tc)
    model = RidgeRegression(alpha).fit(X, t)
    assert_allclose(model.coef_, expected, rtol=1e-10)
    assert_allclose(model.intercept_, t.mean() - X.mean(axis=0) @ expected, rtol=1e-10)


def test_ridge_alpha_is_the_guides_lambda(rng):
    """The guide's (1/N)||t - X theta||^2 + (lambda/N)||theta||^2: minimum at alpha = lambda."""
    X = rng.normal(size=(30, 4))
    t = rng.normal(size=30)
    lam, n = 5.0, len(t)

    def guide_loss(theta):
        return np.sum((t - X @ theta) ** 2) / n + lam / n * np.sum(theta**2)

    best = optimize.minimize(guide_loss, np.zeros(4), method="BFGS", options={"gtol": 1e-12}).x
    theta = RidgeRegression(alpha=lam, fit_intercept=False).fit(X, t).coef_
    assert_allclose(theta, best, rtol=1e-6, atol=1e-8)
    gradient = -2.0 / n * X.T @ (t - X @ theta) + 2.0 * lam / n * theta
    assert_allclose(gradient, 0.0, atol=1e-12)


def test_ridge_does_not_penalise_the_intercept(rng):
    X = rng.normal(size=(25, 3))
    t = rng.normal(size=25)
    base = RidgeRegression(10.0).fit(X, t)
    shifted = RidgeRegression(10.0).fit(X, t + 1000.0)
    assert_allclose(shifted.coef_, base.coef_, rtol=1e-10)
    assert_allclose(shifted.intercept_, base.intercept_ + 1000.0, rtol=1e-12)


def test_ridge_with_alpha_zero_is_least_squares_even_when_singular(rng):
    base = rng.normal(size=(20, 2))
    X = np.hstack([base, base])
    t = rng.normal(size=20)
    ridge = RidgeRegression(0.0).fit(X, t)
    assert_allclose(ridge.coef_, LinearRegression().fit(X, t).coef_, rtol=1e-10)
    assert_allclose(ridge.coef_, np.linalg.pinv(X - X.mean(axis=0)) @ (t - t.mean()), rtol=1e-10)


@pytest.mark.parametrize("alpha", [1e-6, 1e-10, 1e-300])
def test_ridge_with_an_ill_conditioned_gram_matrix(rng, alpha):
    """Singular X^T X plus a tiny alpha: the ridge solution of the augmented least squares."""
    base = rng.normal(size=(20, 2))
    X = np.hstack([base, base[:, [0]]])
    t = rng.normal(size=20)
    augmented = np.vstack([X, np.sqrt(alpha) * np.eye(3)])
    expected = np.linalg.lstsq(augmented, np.concatenate([t, np.zeros(3)]), rcond=None)[0]
    model = RidgeRegression(alpha, fit_intercept=False).fit(X, t)
    assert_allclose(model.coef_, expected, rtol=1e-8)  # Cholesky: error <= ~ sqrt(eps)
    if alpha == 1e-300:  # below the rounding of X's null direction: the pseudo-inverse
        assert_allclose(model.coef_, np.linalg.pinv(X) @ t, rtol=1e-10)


def test_ridge_shrinks_towards_zero(rng):
    X, t = PROBLEMS["diabetes"]
    norms = [np.linalg.norm(RidgeRegression(a).fit(X, t).coef_) for a in (0.0, 0.1, 1.0, 10.0)]
    assert norms == sorted(norms, reverse=True)


def test_ridge_float32_stays_float32(rng):
    X = rng.normal(size=(50, 3)).astype(np.float32)
    t = X @ np.array([1.0, -1.0, 2.0], dtype=np.float32)
    model = RidgeRegression(1e-3).fit(X, t)
    assert model.coef_.dtype == np.float32
    assert model.predict(X).dtype == np.float32
    expected = RidgeRegression(1e-3).fit(X.astype(np.float64), t.astype(np.float64)).coef_
    assert_allclose(model.coef_, expected, rtol=1e-5)


# --------------------------------------------------------------------------- soft thresholding


def test_soft_threshold_values():
    z = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])
    assert_allclose(soft_threshold(z, 1.0), [-2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0])
    assert [soft_threshold(float(v), 1.0) for v in z] == list(soft_threshold(z, 1.0))
    assert_allclose(soft_threshold(z, 0.0), z)


@pytest.mark.parametrize("z", [-2.5, -0.3, 0.0, 0.7, 4.0])
def test_soft_threshold_is_the_proximal_map_of_the_absolute_value(z):
    gamma = 1.0
    best = optimize.minimize_scalar(lambda w: 0.5 * (w - z) ** 2 + gamma * abs(w)).x
    assert_allclose(soft_threshold(z, gamma), best, atol=1e-6)


# --------------------------------------------------------------------------- lasso


def test_lasso_coordinate_descent_solves_the_scaled_objective(rng):
    """lambda_1 = N alpha; any memory order and float32 give the same weights."""
    X, t = correlated_problem(rng)
    n = len(t)
    expected = sk_linear.Lasso(0.02, fit_intercept=False, tol=1e-12).fit(X, t).coef_
    for data in (np.ascontiguousarray(X), np.asfortranarray(X)):
        result = lasso_coordinate_descent(data, t, l1=n * 0.02, max_iter=10_000, tol=1e-12)
        assert result.converged
        assert_close_to(result.theta, expected, rtol=1e-6)
    single = lasso_coordinate_descent(X.astype(np.float32), t, l1=n * 0.02, tol=1e-6)
    assert single.theta.dtype == np.float32
    assert_close_to(single.theta, expected, rtol=1e-3)


LASSO_CASES = [
    ("diabetes", 0.1),
    ("diabetes", 1.0),
    ("iris", 0.01),
    ("wine", 0.05),
    ("random", 0.5),
]


@pytest.mark.parametrize(("name", "alpha"), LASSO_CASES)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_lasso_matches_sklearn(name, alpha, fit_intercept):
    X, t = PROBLEMS[name]
    settings = {"alpha": alpha, "fit_intercept": fit_intercept, "tol": 1e-10, "max_iter": 100_000}
    ours = LassoRegression(**settings).fit(X, t)
    theirs = sk_linear.Lasso(**settings).fit(X, t)
    assert_close_to(ours.coef_, theirs.coef_, rtol=1e-5)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-5, atol=1e-5)
    assert_close_to(ours.predict(X), theirs.predict(X), rtol=1e-6)
    assert_allclose(ours.coef_ == 0, theirs.coef_ == 0)  # the same features selected
    assert ours.converged_


def test_lasso_with_default_tolerance_takes_sklearns_sweeps():
    X, t = PROBLEMS["diabetes"]
    ours = LassoRegression(alpha=0.1).fit(X, t)
    theirs = sk_linear.Lasso(alpha=0.1).fit(X, t)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.dual_gap_, theirs.dual_gap_, rtol=1e-6)
    assert_close_to(ours.coef_, theirs.coef_, rtol=1e-8)


def test_lasso_satisfies_the_optimality_conditions(rng):
    """0 is a subgradient: |x_j^T r| / N <= alpha, = alpha sign(theta_j) on the support."""
    X, t = correlated_problem(rng)
    alpha = 0.05
    model = LassoRegression(alpha, tol=1e-14, max_iter=100_000).fit(X, t)
    correlation = (X - X.mean(axis=0)).T @ (t - model.predict(X)) / len(t)
    support = model.coef_ != 0
    assert 0 < support.sum() < X.shape[1]
    assert_allclose(correlation[support], alpha * np.sign(model.coef_[support]), rtol=1e-6)
    assert np.all(np.abs(correlation[~support]) <= alpha * (1 + 1e-9))


def test_lasso_alpha_relates_to_the_guides_lambda(rng):
    """The guide's (1/N)||t - X theta||^2 + (lambda/N)||theta||_1: minimum at alpha = lambda/2N."""
    X = rng.normal(size=(40, 6))
    t = X @ np.array([3.0, 0.0, -2.0, 0.0, 0.1, 0.0]) + 0.1 * rng.normal(size=40)
    lam, n = 8.0, len(t)
    theta = LassoRegression(lam / (2 * n), fit_intercept=False, tol=1e-14).fit(X, t).coef_
    support = theta != 0
    gradient = -2.0 / n * X.T @ (t - X @ theta)
    assert_allclose(gradient[support], -lam / n * np.sign(theta[support]), rtol=1e-6)
    assert np.all(np.abs(gradient[~support]) <= lam / n * (1 + 1e-9))


def test_lasso_with_a_large_alpha_selects_nothing():
    X, t = PROBLEMS["diabetes"]
    model = LassoRegression(alpha=1e4).fit(X, t)
    assert_allclose(model.coef_, 0.0)
    assert_allclose(model.intercept_, t.mean())
    assert model.n_iter_ == 0
    assert model.dual_gap_ == pytest.approx(0.0, abs=1e-8)


def test_lasso_duality_gap_is_below_the_tolerance(rng):
    X, t = correlated_problem(rng)
    model = LassoRegression(0.01, tol=1e-6, max_iter=10_000).fit(X, t)
    tc = t - t.mean()
    assert 0 <= model.dual_gap_ <= 1e-6 * (tc @ tc) / len(t)


def test_lasso_that_does_not_converge_warns(rng):
    X, t = correlated_problem(rng)
    model = LassoRegression(1e-4, max_iter=2, tol=1e-12)
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=2"):
        model.fit(X, t)
    assert not model.converged_
    assert model.n_iter_ == 2


def test_lasso_skips_constant_columns(rng):
    X = np.hstack([rng.normal(size=(30, 2)), np.full((30, 1), 4.0)])
    t = X[:, 0] + 0.01 * rng.normal(size=30)
    ours = LassoRegression(0.01, tol=1e-12).fit(X, t)
    theirs = sk_linear.Lasso(0.01, tol=1e-12).fit(X, t)
    assert ours.coef_[2] == 0.0
    assert_close_to(ours.coef_, theirs.coef_, rtol=1e-6)


def test_lasso_float32_stays_float32(rng):
    X = rng.normal(size=(60, 4)).astype(np.float32)
    t = X @ np.array([2.0, 0.0, -1.0, 0.0], dtype=np.float32)
    model = LassoRegression(0.01).fit(X, t)
    assert model.coef_.dtype == np.float32
    assert model.predict(X).dtype == np.float32
    expected = LassoRegression(0.01).fit(X.astype(np.float64), t.astype(np.float64)).coef_
    assert_allclose(model.coef_, expected, rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------- bad input


ESTIMATORS = [RidgeRegression, LassoRegression]


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_refused(estimator, bad):
    X = np.ones((4, 2))
    X[2, 1] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        estimator().fit(X, [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        estimator().fit(np.eye(4), [1.0, bad, 3.0, 4.0])


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
        estimator().predict(np.ones((2, 2)))


@pytest.mark.parametrize(
    ("estimator", "params", "error", "message"),
    [
        (RidgeRegression, {"alpha": -1.0}, ValidationError, "alpha must be a non-negative"),
        (RidgeRegression, {"alpha": "big"}, ArrayTypeError, "alpha must be a real number"),
        (RidgeRegression, {"fit_intercept": 1}, ArrayTypeError, "fit_intercept"),
        (LassoRegression, {"alpha": 0.0}, ValidationError, "alpha must be a positive"),
        (LassoRegression, {"max_iter": 0}, ValidationError, "max_iter must be >= 1"),
        (LassoRegression, {"tol": -1e-3}, ValidationError, "tol must be a non-negative"),
    ],
)
def test_bad_parameters_are_named(estimator, params, error, message):
    with pytest.raises(error, match=message):
        estimator(**params).fit(np.arange(6.0).reshape(3, 2), [1.0, 2.0, 3.0])
