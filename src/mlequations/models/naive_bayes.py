r"""Gaussian naive Bayes: Bayes' rule with features that are independent given the class.

The classifier estimates, for every class :math:`k`, a prior :math:`\pi_k` and
one normal distribution :math:`N(\mu_{kj}, \sigma^2_{kj})` per feature :math:`j`.
"Naive" is the assumption that the features are independent given the class,
so the class-conditional density is a product over the features and its
logarithm a sum. The decision is the largest joint log-likelihood

.. math::

    \log p(x, t = k) = \log \pi_k + \sum_{j=1}^{d} \log N(x_j \mid \mu_{kj}, \sigma^2_{kj}),

and the posterior follows from Bayes' rule with a log-sum-exp normaliser.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations._array import ShapeError, ValidationError
from mlequations._checks import check_real_number
from mlequations.models.class_labels import encode_class_labels

__all__ = ["GaussianNaiveBayes"]

_LOG_2PI = math.log(2.0 * math.pi)


class GaussianNaiveBayes(ClassifierMixin, BaseEstimator):
    r"""Gaussian naive Bayes classifier, scikit-learn's ``GaussianNB`` written out.

    Fitting estimates the class priors :math:`\pi_k = N_k / N` (or takes
    ``priors``), the per-class means :math:`\mu_{kj}` and the per-class
    (maximum-likelihood, divide-by-:math:`N_k`) variances :math:`\sigma^2_{kj}`,
    to which :math:`\epsilon` = ``var_smoothing`` × the largest variance of a
    feature over all the data is added so that no variance is zero. A sample is
    assigned the class of largest joint log-likelihood

    .. math::

        \log p(x, t = k) = \log \pi_k
        - \frac12 \sum_{j=1}^{d} \log\left(2\pi\sigma^2_{kj}\right)
        - \frac12 \sum_{j=1}^{d} \frac{(x_j - \mu_{kj})^2}{\sigma^2_{kj}},

    and the posterior is :math:`\log p(t = k \mid x) = \log p(x, t = k) -
    \log \sum_{k'} e^{\log p(x, t = k')}`. Everything stays in log space, so a
    sample far from every class still gets finite log-probabilities (a product
    of densities would underflow to 0). The guide's hand-written version adds
    ``1e-9`` to every variance instead of a multiple of the largest variance
    and multiplies densities; the decisions agree on its iris example. The
    guide's other example, the point [2.5, 3.5] halfway between the classes
    of the data below, is a tie: it goes to the first class, here and in
    scikit-learn (``[0]``, not the ``[1]`` the guide prints).

    The computation loops over the classes, never over the samples, and works
    in float64.

    Parameters
    ----------
    var_smoothing : float, default 1e-9
        The fraction of the largest feature variance added to every variance.
    priors : array_like of shape (n_classes,), optional
        Class priors, non-negative and summing to 1, in the order of
        ``classes_``; by default the class frequencies of the training data.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    class_count_ : ndarray of shape (n_classes,)
        The number of training samples of each class.
    class_prior_ : ndarray of shape (n_classes,)
        :math:`\pi_k`.
    theta_ : ndarray of shape (n_classes, n_features)
        The means :math:`\mu_{kj}`.
    var_ : ndarray of shape (n_classes, n_features)
        The variances :math:`\sigma^2_{kj}`, smoothing included.
    epsilon_ : float
        The smoothing :math:`\epsilon` added to every variance.
    n_features_in_ : int
        The number of features seen in ``fit``.

    Examples
    --------
    >>> X = [[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]]
    >>> model = GaussianNaiveBayes().fit(X, [0, 0, 1, 1])
    >>> model.predict([[1.2, 2.1], [3.9, 4.8]])
    array([0, 1])
    >>> model.theta_
    array([[1.5, 2.5],
           [3.5, 4.5]])
    >>> model.predict_proba([[0.0, 1.0]]).round(4)
    array([[1., 0.]])
    """

    def __init__(self, var_smoothing: float = 1e-9, priors: Any = None) -> None:
        self.var_smoothing = var_smoothing
        self.priors = priors

    def fit(self, X: Any, y: Any) -> GaussianNaiveBayes:
        """Estimate the priors, means and variances of every class.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels, at least two distinct values.

        Returns
        -------
        GaussianNaiveBayes
            ``self``, fitted.
        """
        smoothing = check_real_number(self.var_smoothing, "var_smoothing")
        if not (math.isfinite(smoothing) and smoothing >= 0.0):
            raise ValidationError(
                f"var_smoothing must be a finite number >= 0, got {self.var_smoothing}"
            )
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, labels = encode_class_labels(self, y)
        n_classes = self.classes_.shape[0]
        self.class_count_ = np.bincount(labels, minlength=n_classes).astype(np.float64)
        self.theta_, self.var_ = _class_means_and_variances(X, labels, self.class_count_)
        self.epsilon_ = smoothing * float(np.max(np.var(X, axis=0)))
        self.var_ += self.epsilon_
        self.class_prior_ = self._priors(n_classes)
        return self

    def _priors(self, n_classes: int) -> np.ndarray:
        """The class priors: the ``priors`` parameter after checking it, or the frequencies."""
        if self.priors is None:
            return self.class_count_ / self.class_count_.sum()
        priors = np.asarray(self.priors, dtype=np.float64)
        if priors.shape != (n_classes,):
            raise ShapeError(
                f"priors must hold one prior per class, shape ({n_classes},), "
                f"got shape {priors.shape}"
            )
        if not np.all(np.isfinite(priors)) or np.any(priors < 0):
            raise ValidationError(f"priors must be finite and non-negative, got {priors}")
        if not np.isclose(priors.sum(), 1.0):
            raise ValidationError(f"priors must sum to 1, got sum {priors.sum()}")
        return priors

    def predict_joint_log_proba(self, X: Any) -> np.ndarray:
        r"""The joint log-likelihood :math:`\log p(x, t = k)` of every sample and class.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        # -1/2 sum_j log(2 pi var_kj): the normalising constant of each class.
        log_normaliser = -0.5 * np.sum(_LOG_2PI + np.log(self.var_), axis=1)
        half_precision = 0.5 / self.var_
        joint = np.empty((X.shape[0], self.classes_.shape[0]))
        for k in range(self.classes_.shape[0]):  # vectorised over the samples
            squared_gap = X - self.theta_[k]
            np.square(squared_gap, out=squared_gap)
            joint[:, k] = squared_gap @ half_precision[k]  # sum_j (x_j - mu_kj)^2 / 2 var_kj
        with np.errstate(divide="ignore"):  # a prior of 0 is a log-prior of -inf
            log_prior = np.log(self.class_prior_)
        return np.subtract(log_prior + log_normaliser, joint, out=joint)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r"""The log-posterior :math:`\log p(t = k \mid x)`, by log-sum-exp.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        joint = self.predict_joint_log_proba(X)
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""The posterior :math:`p(t = k \mid x)`; every row sums to 1.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The class of largest posterior (equivalently, of largest joint log-likelihood).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        joint = self.predict_joint_log_proba(X)
        return self.classes_[np.argmax(joint, axis=1)]


def _class_means_and_variances(
    X: np.ndarray, labels: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-class means and maximum-likelihood variances, in two passes over ``X``.

    With the one-hot matrix :math:`R` (:math:`R_{nk} = 1` when sample :math:`n`
    belongs to class :math:`k`), the sums of each class are :math:`R^T X`; the
    variances are the class means of the squared deviations from the class mean
    (two passes, no :math:`E[x^2] - E[x]^2` cancellation).
    """
    one_hot = np.zeros((X.shape[0], counts.shape[0]))
    one_hot[np.arange(X.shape[0]), labels] = 1.0
    means = (one_hot.T @ X) / counts[:, None]
    squared_deviation = X - means[labels]
    np.square(squared_deviation, out=squared_deviation)
    variances = (one_hot.T @ squared_deviation) / counts[:, None]
    return means, variances
