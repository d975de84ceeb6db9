r"""Layer 4: principal component analysis as a scikit-learn transformer.

The estimator wraps the layer-1 equation :func:`mlequations.linalg.pca` (the SVD of the
centred data) and adds what a pipeline needs: projecting new data and mapping it back.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_integer
from mlequations.linalg import pca

__all__ = ["PCA"]


class PCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    r"""Principal component analysis: project centred data on its directions of largest variance.

    Implements the guides' eigen-decomposition of the sample covariance, computed as the
    SVD :math:`X - \mu = U \Sigma V^\top` (see :func:`mlequations.linalg.pca`):

    .. math::

        \frac{1}{N-1} (X - \mu)^\top (X - \mu)\, v_i = \lambda_i v_i, \qquad
        \lambda_i = \frac{\sigma_i^2}{N - 1}, \qquad
        z = V_k^\top (x - \mu), \qquad \hat{x} = V_k z + \mu

    Each component's largest entry is positive (scikit-learn's sign convention).

    Parameters
    ----------
    n_components : int, float or None, default None
        Components kept: an integer ``1 <= k <= min(n_samples, n_features)``; None keeps
        ``min(n_samples, n_features)``; a float in (0, 1) keeps the fewest components
        whose explained variance ratios add up to more than it.

    Attributes
    ----------
    components_ : ndarray, shape (n_components_, n_features)
        The principal directions :math:`v_i^\top`, by decreasing variance.
    explained_variance_ : ndarray, shape (n_components_,)
        :math:`\lambda_i`, the variance of the data along each component.
    explained_variance_ratio_ : ndarray, shape (n_components_,)
        :math:`\lambda_i / \sum_j \lambda_j` over all :math:`\min(N, D)` components.
    singular_values_ : ndarray, shape (n_components_,)
        :math:`\sigma_i = \sqrt{(N - 1) \lambda_i}`.
    mean_ : ndarray, shape (n_features,)
        :math:`\mu`, the per-feature mean of the training data.
    n_components_ : int
        The number of components kept.
    n_samples_, n_features_in_ : int
        The training data's shape.

    Examples
    --------
    >>> X = [[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]]
    >>> model = PCA(n_components=1).fit(X)
    >>> model.components_.tolist(), model.explained_variance_ratio_.round(4).tolist()
    ([[1.0, 0.0]], [0.8])
    >>> model.inverse_transform(model.transform([[3.0, 5.0]])).tolist()
    [[3.0, 0.0]]
    """

    def __init__(self, n_components: int | float | None = None) -> None:
        self.n_components = n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _requested_components(self, n_samples: int, n_features: int) -> int | float:
        """The integer count asked for, or the float fraction of variance to reach."""
        largest = min(n_samples, n_features)
        wanted = self.n_components
        if wanted is None:
            return largest
        if isinstance(wanted, numbers.Integral) and not isinstance(wanted, bool):
            return check_integer(wanted, "n_components", 1, largest)
        if isinstance(wanted, numbers.Real) and not isinstance(wanted, bool):
            if not 0.0 < wanted < 1.0:
                raise ValidationError(
                    f"n_components must be an integer in [1, {largest}], None, "
                    f"or a float in (0, 1), got {wanted!r}"
                )
            return float(wanted)
        raise ArrayTypeError(
            f"n_components must be an integer, a float or None, got {type(wanted).__name__}"
        )

    def _fit(self, X: Any) -> np.ndarray:
        """Fit the components and return the training scores (all components computed kept)."""
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        n_samples, n_features = X.shape
        wanted = self._requested_components(n_samples, n_features)
        fraction = isinstance(wanted, float)
        result = pca(X, min(n_samples, n_features) if fraction else wanted)
        k = wanted
        if fraction:  # the fewest components whose ratios add up to more than ``wanted``
            cumulative = np.cumsum(result.explained_variance_ratio)
            k = min(int(np.searchsorted(cumulative, wanted, side="right")) + 1, len(cumulative))
        self.n_samples_ = n_samples
        self.n_components_ = k
        self.components_ = result.components[:k]
        self.explained_variance_ = result.explained_variance[:k]
        self.explained_variance_ratio_ = result.explained_variance_ratio[:k]
        self.singular_values_ = np.sqrt(self.explained_variance_ * (n_samples - 1))
        self.mean_ = result.mean
        return result.scores[:, :k]

    @property
    def _n_features_out(self) -> int:
        """Number of output features (``pca0``, ``pca1``, ... in ``get_feature_names_out``)."""
        return self.n_components_

    def fit(self, X: Any, y: Any = None) -> PCA:
        """Find the principal components of ``X`` (n_samples, n_features); ``y`` is ignored."""
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit and return the training data projected on the components."""
        return self._fit(X)

    def transform(self, X: Any) -> np.ndarray:
        r"""Project samples on the components: :math:`Z = (X - \mu) V_k`."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        # (X - μ) V = X V - μ V, without a centred copy of X (as scikit-learn)
        return X @ self.components_.T - self.mean_ @ self.components_.T

    def inverse_transform(self, X: Any) -> np.ndarray:
        r"""Map projections back to the input space: :math:`\hat{X} = Z V_k^\top + \mu`."""
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components_:
            raise ShapeError(
                f"X must have {self.n_components_} columns (one per component), got shape {Z.shape}"
            )
        return Z @ self.components_ + self.mean_
