"""GaussianNaiveBayes against scikit-learn's GaussianNB, SciPy's normal density and the guide."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from scipy.special import logsumexp
from sklearn import datasets
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.models.naive_bayes import GaussianNaiveBayes

LOADERS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
}


@parametrize_with_checks([GaussianNaiveBayes(), GaussianNaiveBayes(var_smoothing=1e-3)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- scikit-learn


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_matches_sklearn_gaussian_nb(name):
    X, y = LOADERS[name](return_X_y=True)
    ours = GaussianNaiveBayes().fit(X, y)
    theirs = GaussianNB().fit(X, y)
    assert_array_equal(ours.classes_, theirs.classes_)
    assert_allclose(ours.class_prior_, theirs.class_prior_, rtol=1e-14)
    assert_allclose(ours.class_count_, theirs.class_count_)
    assert_allclose(ours.theta_, theirs.theta_, rtol=1e-12, atol=1e-12)
    assert_allclose(ours.var_, theirs.var_, rtol=1e-10)
    assert ours.epsilon_ == pytest.approx(theirs.epsilon_, rel=1e-12)
    # Joint log-likelihoods reach -1e10 on digits (variances of 1e-8), and terms that
    # large cancel in some entries: the agreement is relative to the largest magnitude.
    joint, reference = ours.predict_joint_log_proba(X), theirs.predict_joint_log_proba(X)
    assert_allclose(joint, reference, rtol=1e-12, atol=1e-15 * np.abs(reference).max())
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-8, atol=1e-8)
    assert_array_equal(ours.predict(X), theirs.predict(X))


def test_priors_match_sklearn():
    X, y = datasets.load_wine(return_X_y=True)
    priors = [0.5, 0.3, 0.2]
    ours = GaussianNaiveBayes(priors=priors).fit(X, y)
    theirs = GaussianNB(priors=priors).fit(X, y)
    assert_allclose(ours.class_prior_, priors)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-8, atol=1e-8)


def test_var_smoothing_matches_sklearn(rng):
    X = rng.normal(size=(60, 4)) * [1.0, 10.0, 0.1, 3.0]
    y = rng.integers(0, 3, 60)
    ours = GaussianNaiveBayes(var_smoothing=0.5).fit(X, y)
    theirs = GaussianNB(var_smoothing=0.5).fit(X, y)
    assert ours.epsilon_ == pytest.approx(0.5 * np.var(X, axis=0).max(), rel=1e-12)
    assert_allclose(ours.var_, theirs.var_, rtol=1e-12)
    assert_allclose(ours.predict_log_proba(X), theirs.predict_log_proba(X), rtol=1e-10)


# --------------------------------------------------------------------------- the equation


def test_joint_log_likelihood_is_log_prior_plus_scipy_normal_log_densities(rng):
    X = rng.normal(size=(40, 3))
    y = np.repeat(["a", "b"], 20)
    model = GaussianNaiveBayes().fit(X, y)
    X_new = rng.normal(size=(7, 3)) * 2
    expected = np.stack(
        [
            np.log(model.class_prior_[k])
            + stats.norm.logpdf(X_new, model.theta_[k], np.sqrt(model.var_[k])).sum(axis=1)
            for k in range(2)
        ],
        axis=1,
    )
    assert_allclose(model.predict_joint_log_proba(X_new), expected, rtol=1e-12)
    log_posterior = expected - logsumexp(expected, axis=1, keepdims=True)
    assert_allclose(model.predict_log_proba(X_new), log_posterior, rtol=1e-10, atol=1e-12)
    assert_array_equal(model.predict(X_new), np.array(["a", "b"])[expected.argmax(axis=1)])


def test_means_and_maximum_likelihood_variances_per_class(rng):
    X = rng.normal(size=(30, 2))
    y = np.array([0] * 10 + [1] * 20)
    model = GaussianNaiveBayes(var_smoothing=0.0).fit(X, y)
    assert_allclose(model.theta_, [X[:10].mean(axis=0), X[10:].mean(axis=0)], rtol=1e-14)
    assert_allclose(model.var_, [X[:10].var(axis=0), X[10:].var(axis=0)], rtol=1e-12)
    assert_allclose(model.class_prior_, [1 / 3, 2 / 3])


def test_far_points_keep_finite_log_probabilities():
    """Log space: a point 1e4 standard deviations away still gets a finite posterior."""
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    model = GaussianNaiveBayes().fit(X, [0, 0, 1, 1])
    log_p = model.predict_log_proba([[1e4], [-1e4]])
    assert np.all(np.isfinite(model.predict_joint_log_proba([[1e4]])))
    assert_array_equal(model.predict([[1e4], [-1e4]]), [1, 0])
    assert_allclose(np.exp(log_p).sum(axis=1), 1.0)


def test_zero_prior_class_is_never_predicted(rng):
    X = rng.normal(size=(20, 2))
    y = np.arange(20) % 2
    model = GaussianNaiveBayes(priors=[0.0, 1.0]).fit(X, y)
    assert_array_equal(model.predict(X), 1)
    assert_allclose(model.predict_proba(X)[:, 0], 0.0)


def test_float32_and_string_labels(rng):
    X = rng.normal(size=(30, 3)).astype(np.float32)
    y = np.where(X[:, 0] > 0, "yes", "no")
    model = GaussianNaiveBayes().fit(X, y)
    theirs = GaussianNB().fit(X.astype(np.float64), y)
    assert_array_equal(model.classes_, ["no", "yes"])
    assert_allclose(model.predict_proba(X), theirs.predict_proba(X), rtol=1e-8, atol=1e-8)


# --------------------------------------------------------------------------- the guide


def test_guide_iris_example():
    """The guide's hand-written Gaussian naive Bayes: 70/30 split, random_state 42."""
    iris = datasets.load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=0.3, random_state=42
    )
    model = GaussianNaiveBayes().fit(X_train, y_train)
    sample = np.array([[5.1, 3.5, 1.4, 0.2]])
    assert iris.target_names[model.predict(sample)[0]] == "setosa"
    # The guide's algorithm (variances + 1e-9, log prior + summed log densities):
    guide = np.stack(
        [
            np.log(np.mean(y_train == c))
            + stats.norm.logpdf(
                X_test,
                X_train[y_train == c].mean(axis=0),
                np.sqrt(X_train[y_train == c].var(axis=0) + 1e-9),
            ).sum(axis=1)
            for c in range(3)
        ],
        axis=1,
    ).argmax(axis=1)
    assert_array_equal(model.predict(X_test), guide)
    assert model.score(X_test, y_test) == pytest.approx(44 / 45)


def test_guide_tie_goes_to_the_first_class_like_sklearn():
    """The guide prints [1] for the midpoint [2.5, 3.5]; it is a tie, and the first class wins."""
    X = [[1, 2], [2, 3], [3, 4], [4, 5]]
    ours = GaussianNaiveBayes().fit(X, [0, 0, 1, 1])
    joint = ours.predict_joint_log_proba([[2.5, 3.5]])
    assert joint[0, 0] == joint[0, 1]
    assert_array_equal(
        ours.predict([[2.5, 3.5]]), GaussianNB().fit(X, [0, 0, 1, 1]).predict([[2.5, 3.5]])
    )
    assert_array_equal(ours.predict([[2.5, 3.5]]), [0])


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def fitted(rng):
    X = rng.normal(size=(20, 3))
    return GaussianNaiveBayes().fit(X, np.arange(20) % 2)


@pytest.mark.parametrize(("value", "kind"), [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_input_is_refused(fitted, rng, value, kind):
    X = rng.normal(size=(20, 3))
    X[3, 1] = value
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        GaussianNaiveBayes().fit(X, np.arange(20) % 2)
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        fitted.predict(X)


def test_wrong_number_of_features_at_predict(fitted):
    with pytest.raises(ValueError, match="X has 2 features, but GaussianNaiveBayes is expecting 3"):
        fitted.predict(np.zeros((4, 2)))


def test_one_class_only_is_refused(rng):
    with pytest.raises(ValueError, match=r"at least two classes.*got 1 class: 7$"):
        GaussianNaiveBayes().fit(rng.normal(size=(5, 2)), [7] * 5)


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match="0 sample"):
        GaussianNaiveBayes().fit(np.zeros((0, 3)), [])


def test_not_fitted():
    with pytest.raises(NotFittedError):
        GaussianNaiveBayes().predict_proba([[1.0]])


def test_continuous_targets_are_refused(rng):
    with pytest.raises(ValueError, match="Unknown label type"):
        GaussianNaiveBayes().fit(rng.normal(size=(10, 2)), rng.normal(size=10))


@pytest.mark.parametrize(
    ("priors", "error", "message"),
    [
        ([0.5, 0.5, 0.0], ShapeError, r"priors must hold one prior per class, shape \(2,\)"),
        ([1.2, -0.2], ValidationError, "priors must be finite and non-negative"),
        ([0.3, 0.3], ValidationError, "priors must sum to 1, got sum 0.6"),
    ],
)
def test_bad_priors(fitted, rng, priors, error, message):
    with pytest.raises(error, match=message):
        GaussianNaiveBayes(priors=priors).fit(rng.normal(size=(6, 2)), [0, 1] * 3)


@pytest.mark.parametrize(
    ("value", "error"), [(-1e-9, ValidationError), (np.nan, ValidationError), ("1", ArrayTypeError)]
)
def test_bad_var_smoothing(rng, value, error):
    with pytest.raises(error, match="var_smoothing"):
        GaussianNaiveBayes(var_smoothing=value).fit(rng.normal(size=(6, 2)), [0, 1] * 3)
