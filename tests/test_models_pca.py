"""PCA against scikit-learn's PCA and the invariants of the decomposition."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets, decomposition
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlequations.models.pca import PCA

LOADERS = ["iris", "digits", "wine"]


def load(name: str) -> np.ndarray:
    return getattr(datasets, f"load_{name}")(return_X_y=True)[0]


def align_signs(ours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Flip each column of ``ours`` to point the way of the same column of ``reference``."""
    signs = np.sign(np.sum(ours * reference, axis=0))
    return ours * np.where(signs == 0, 1.0, signs)


@parametrize_with_checks([PCA(), PCA(n_components=2), PCA(n_components=0.8)])
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", LOADERS)
@pytest.mark.parametrize("n_components", [1, 2, 0.9, None])
def test_matches_sklearn_up_to_sign(name, n_components):
    X = load(name)
    ours = PCA(n_components).fit(X)
    # the "full" solver is a thin SVD; ours agrees with it to rounding
    theirs = decomposition.PCA(n_components, svd_solver="full").fit(X)
    assert ours.n_components_ == theirs.n_components_
    scale = np.abs(X).max()
    np.testing.assert_allclose(ours.mean_, theirs.mean_, rtol=1e-12)
    np.testing.assert_allclose(
        ours.explained_variance_, theirs.explained_variance_, rtol=1e-10, atol=1e-10 * scale**2
    )
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=1e-10, atol=1e-14
    )
    # Tall data goes through the covariance matrix, whose eigenvalues carry an absolute
    # error of about eps * the largest; a singular value sqrt((N - 1) λ) of a near-zero
    # λ inherits the square root of it.
    rounding = np.sqrt(1e-13 * theirs.explained_variance_[0] * len(X))
    np.testing.assert_allclose(
        ours.singular_values_, theirs.singular_values_, rtol=1e-10, atol=rounding + 1e-10 * scale
    )
    projected = ours.transform(X)
    np.testing.assert_allclose(
        align_signs(projected, theirs.transform(X)), theirs.transform(X), atol=1e-8 * scale
    )
    np.testing.assert_allclose(ours.fit_transform(X), projected, atol=1e-10 * scale)


@pytest.mark.parametrize("name", LOADERS)
def test_leading_components_match_sklearn_default_solver(name):
    X = load(name)
    ours, theirs = PCA(2).fit(X), decomposition.PCA(2).fit(X)
    np.testing.assert_allclose(
        align_signs(ours.components_.T, theirs.components_.T), theirs.components_.T, atol=1e-8
    )
    np.testing.assert_allclose(ours.explained_variance_ratio_, theirs.explained_variance_ratio_)


def test_sign_convention_largest_entry_positive(rng):
    components = PCA().fit(rng.standard_normal((40, 6))).components_
    strongest = components[np.arange(6), np.abs(components).argmax(axis=1)]
    assert np.all(strongest > 0)


def test_components_are_orthonormal_and_ratios_sum_to_one(rng):
    X = rng.standard_normal((50, 7)) @ rng.standard_normal((7, 7))
    model = PCA().fit(X)
    np.testing.assert_allclose(model.components_ @ model.components_.T, np.eye(7), atol=1e-12)
    assert model.explained_variance_ratio_.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(model.explained_variance_) <= 0)
    projected = model.transform(X)
    np.testing.assert_allclose(projected.var(axis=0, ddof=1), model.explained_variance_)


def test_inverse_transform_reconstructs_and_loses_the_dropped_variance(rng):
    X = rng.standard_normal((60, 5)) @ rng.standard_normal((5, 5)) + 3.0
    full = PCA().fit(X)
    np.testing.assert_allclose(full.inverse_transform(full.transform(X)), X, atol=1e-10)
    kept = PCA(2).fit(X)
    residual = X - kept.inverse_transform(kept.transform(X))
    dropped = full.explained_variance_[2:].sum()
    assert np.sum(residual**2) / (len(X) - 1) == pytest.approx(dropped, rel=1e-10)


def test_float_fraction_keeps_fewest_components_past_it():
    X = load("digits")
    model = PCA(0.75).fit(X)
    cumulative = np.cumsum(PCA().fit(X).explained_variance_ratio_)
    assert cumulative[model.n_components_ - 1] > 0.75 >= cumulative[model.n_components_ - 2]


def test_float32_stays_float32(rng):
    X = rng.standard_normal((30, 4)).astype(np.float32)
    model = PCA(2).fit(X)
    projected = model.transform(X)
    assert projected.dtype == np.float32
    assert model.components_.dtype == np.float32
    reference = PCA(2).fit(X.astype(np.float64)).transform(X.astype(np.float64))
    np.testing.assert_allclose(align_signs(projected, reference), reference, atol=1e-5)


def test_feature_names_out():
    model = PCA(2).fit(load("iris"))
    assert list(model.get_feature_names_out()) == ["pca0", "pca1"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("n_components", "error", "message"),
    [
        (0, ValueError, r"n_components must lie in \[1, 4\], got 0"),
        (5, ValueError, r"n_components must lie in \[1, 4\], got 5"),
        (1.5, ValueError, r"or a float in \(0, 1\), got 1.5"),
        (0.0, ValueError, r"or a float in \(0, 1\), got 0.0"),
        ("mle", TypeError, "n_components must be an integer, a float or None, got str"),
        (True, TypeError, "got bool"),
    ],
)
def test_bad_n_components(n_components, error, message):
    with pytest.raises(error, match=message):
        PCA(n_components).fit(load("iris"))


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ([[0.0, 1.0], [np.nan, 2.0]], "NaN"),
        ([[0.0, 1.0], [np.inf, 2.0]], "infinity"),
        ([[0.0, 1.0]], "1 sample"),
        (np.empty((0, 3)), "0 sample"),
        ([[1.0, 2.0], [1.0, 2.0]], "X must vary"),
    ],
)
def test_bad_training_data(X, message):
    with pytest.raises(ValueError, match=message):
        PCA().fit(X)


def test_transform_checks_fit_and_shapes():
    with pytest.raises(NotFittedError):
        PCA().transform([[0.0, 1.0]])
    model = PCA(1).fit([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    with pytest.raises(ValueError, match="X has 3 features"):
        model.transform([[0.0, 1.0, 2.0]])
    with pytest.raises(ValueError, match=r"X must have 1 columns \(one per component\)"):
        model.inverse_transform([[0.0, 1.0]])
