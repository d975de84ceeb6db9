r"""The perceptron: empirical risk minimisation with the hinge-at-zero loss, by SGD.

A linear classifier scores :math:`s = \theta^T u(x)`, with :math:`u(x) = [x, 1]`
when an intercept is fitted, and predicts the positive class when :math:`s > 0`.
The perceptron minimises the training loss :math:`\frac1N \sum_n \max(0, -t^\pm_n
\theta^T u(x_n))` by SGD with one sample per step; the loss has gradient
:math:`-t^\pm u(x)` on a mistake and 0 otherwise, which gives the update
:func:`mlequations.updates.perceptron_update`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations._array import ShapeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.models.class_labels import encode_class_labels
from mlequations.updates import perceptron_update

__all__ = ["Perceptron", "perceptron_path"]


def perceptron_path(theta: Any, U: Any, t: Any, learning_rate: float) -> np.ndarray:
    r"""The weights after each perceptron step over the samples, in order.

    Step :math:`n` applies :func:`~mlequations.updates.perceptron_update` to
    sample :math:`n`: :math:`\theta \leftarrow \theta + \gamma\, t^\pm_n u_n\,
    \mathbb{1}(t^\pm_n \theta^T u_n \le 0)`.

    Parameters
    ----------
    theta : array_like of shape (d,)
        The starting weights.
    U : array_like of shape (N, d)
        The feature vectors :math:`u(x_n)`, one row per step.
    t : array_like of shape (N,)
        Labels in {0, 1}.
    learning_rate : float
        :math:`\gamma > 0`.

    Returns
    -------
    ndarray of shape (N + 1, d)
        Row 0 is the start, row :math:`n` the weights after step :math:`n`.

    Examples
    --------
    The guide's worked example: :math:`\theta = -1`, :math:`\gamma = 0.1`, the
    point 2.1 with label 1, then the point -1.5 with label 0:

    >>> perceptron_path([-1.0], [[2.1], [-1.5]], [1, 0], 0.1).ravel().round(4)
    array([-1.  , -0.79, -0.64])
    """
    path = [np.asarray(theta, dtype=np.float64)]
    U = np.asarray(U, dtype=np.float64)
    t = np.asarray(t)
    if U.ndim != 2 or t.shape != U.shape[:1]:
        raise ShapeError(f"U must be (N, d) and t (N,), got {U.shape} and {t.shape}")
    for u, target in zip(U, t, strict=True):
        path.append(perceptron_update(path[-1], u, target, learning_rate))
    return np.stack(path)


class Perceptron(ClassifierMixin, BaseEstimator):
    r"""Rosenblatt's perceptron, trained by SGD on the hinge-at-zero loss.

    Each epoch visits every sample once (in a new random order when
    ``shuffle``) and applies the perceptron update

    .. math::

        \theta \leftarrow \theta + \gamma\, t^\pm u(x)\,
        \mathbb{1}\big(t^\pm \theta^T u(x) \le 0\big), \qquad t^\pm = 2t - 1,

    the SGD step of the loss :math:`\ell(y) = \max(0, -y)` of the margin
    :math:`y = t^\pm \theta^T u(x)`, through
    :func:`mlequations.updates.perceptron_update`. A point on the boundary
    (:math:`\theta^T u = 0`) counts as a mistake, so learning starts from
    :math:`\theta = 0`. Training stops after an epoch without mistakes (the
    data are separated), when the epoch's summed loss has not fallen by
    ``tol`` × N for ``n_iter_no_change`` epochs (scikit-learn's rule), or after
    ``max_iter`` epochs, which with a ``tol`` raises a
    :class:`~sklearn.exceptions.ConvergenceWarning`.

    Two classes map to :math:`t = 0` (``classes_[0]``) and :math:`t = 1`
    (``classes_[1]``). More classes are learned one-versus-rest, as by
    scikit-learn: one perceptron per class, class :math:`k` against the others,
    and the prediction is the class of largest score. With ``shuffle=False``
    and ``tol=None`` the weights equal scikit-learn's ``Perceptron`` (whose
    ``eta0`` is ``learning_rate``). Computations are in float64.

    Parameters
    ----------
    learning_rate : float, default 1.0
        :math:`\gamma > 0`.
    max_iter : int, default 1000
        The largest number of epochs.
    tol : float or None, default 1e-3
        The stopping tolerance on the epoch loss; ``None`` runs until an epoch
        without mistakes or ``max_iter``, without a warning.
    n_iter_no_change : int, default 5
    shuffle : bool, default True
    random_state : int, RandomState or None
        Seeds the shuffling.
    fit_intercept : bool, default True
        Whether :math:`u(x)` ends with a constant 1.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : int
        Epochs run (the most over the one-versus-rest problems).
    n_features_in_ : int

    Examples
    --------
    The guide's two steps, as one epoch from :math:`\theta = -1` without intercept:

    >>> model = Perceptron(
    ...     learning_rate=0.1, max_iter=1, tol=None, shuffle=False, fit_intercept=False
    ... )
    >>> model.fit([[2.1], [-1.5]], [1, 0], coef_init=[[-1.0]]).coef_.round(4)
    array([[-0.64]])
    >>> model = Perceptron(random_state=0).fit([[0.0], [1.0], [3.0], [4.0]], [0, 0, 1, 1])
    >>> model.predict([[0.5], [3.5]])
    array([0, 1])
    """

    def __init__(
        self,
        learning_rate: float = 1.0,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        n_iter_no_change: int = 5,
        shuffle: bool = True,
        random_state: Any = None,
        fit_intercept: bool = True,
    ) -> None:
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.fit_intercept = fit_intercept

    def fit(self, X: Any, y: Any, coef_init: Any = None, intercept_init: Any = None) -> Perceptron:
        """Run perceptron epochs over ``(X, y)``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels, at least two distinct values.
        coef_init : array_like of shape (n_rows, n_features), optional
            Starting weights (``n_rows`` is 1 for two classes); zeros by default.
        intercept_init : array_like of shape (n_rows,), optional
            Starting intercepts; zeros by default.

        Returns
        -------
        Perceptron
            ``self``, fitted.
        """
        self._check_parameters()
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, labels = encode_class_labels(self, y)
        n_classes = self.classes_.shape[0]
        Theta = self._initial_weights(
            X.shape[1], 1 if n_classes == 2 else n_classes, coef_init, intercept_init
        )
        U = np.hstack([X, np.ones((X.shape[0], 1))]) if self.fit_intercept else X
        random = check_random_state(self.random_state)
        epochs = []
        for k in range(Theta.shape[0]):  # one-versus-rest: class k against the others
            targets = labels if n_classes == 2 else (labels == k).astype(np.intp)
            Theta[k], n_epochs = self._fit_binary(Theta[k], U, targets, random)
            epochs.append(n_epochs)
        self.n_iter_ = max(epochs)
        self.coef_ = Theta[:, : X.shape[1]].copy()
        self.intercept_ = Theta[:, -1].copy() if self.fit_intercept else np.zeros(len(Theta))
        return self

    def _check_parameters(self) -> None:
        rate = check_real_number(self.learning_rate, "learning_rate")
        if not (math.isfinite(rate) and rate > 0):
            raise ValidationError(
                f"learning_rate must be a positive finite number, got {self.learning_rate}"
            )
        check_integer(self.max_iter, "max_iter", 1)
        check_integer(self.n_iter_no_change, "n_iter_no_change", 1)
        if self.tol is not None:
            tol = check_real_number(self.tol, "tol")
            if not (math.isfinite(tol) and tol >= 0):
                raise ValidationError(f"tol must be None or a finite number >= 0, got {self.tol}")

    def _initial_weights(
        self, n_features: int, n_rows: int, coef_init: Any, intercept_init: Any
    ) -> np.ndarray:
        """The starting :math:`\\Theta`, one row :math:`[w, b]` per binary problem."""
        Theta = np.zeros((n_rows, n_features + 1))
        for value, name, columns in (
            (coef_init, "coef_init", slice(0, n_features)),
            (intercept_init, "intercept_init", slice(n_features, None)),
        ):
            if value is None:
                continue
            shape = (n_rows, n_features) if name == "coef_init" else (n_rows,)
            array = np.asarray(value, dtype=np.float64)
            if array.size != math.prod(shape) or not np.all(np.isfinite(array)):
                raise ShapeError(f"{name} must be finite with shape {shape}, got {array.shape}")
            Theta[:, columns] = array.reshape(n_rows, -1)
        return Theta if self.fit_intercept else Theta[:, :n_features]

    def _fit_binary(
        self, theta: np.ndarray, U: np.ndarray, t: np.ndarray, random: np.random.RandomState
    ) -> tuple[np.ndarray, int]:
        """Epochs of perceptron updates on one binary problem; the weights and the epochs run."""
        best_loss, no_improvement = math.inf, 0
        for epoch in range(1, self.max_iter + 1):
            order = random.permutation(U.shape[0]) if self.shuffle else np.arange(U.shape[0])
            theta, loss, mistakes = _perceptron_epoch(theta, U[order], t[order], self.learning_rate)
            if mistakes == 0:
                return theta, epoch
            if self.tol is not None:
                no_improvement = no_improvement + 1 if loss > best_loss - self.tol * len(t) else 0
                best_loss = min(best_loss, loss)
                if no_improvement >= self.n_iter_no_change:
                    return theta, epoch
        if self.tol is not None:
            warnings.warn(
                f"{type(self).__name__} did not converge in max_iter={self.max_iter} epochs "
                f"(the epoch loss still fell by more than tol={self.tol} per sample); raise "
                "max_iter",
                ConvergenceWarning,
                stacklevel=3,
            )
        return theta, self.max_iter

    def decision_function(self, X: Any) -> np.ndarray:
        r"""The scores :math:`\theta^T u(x)`: shape (n_samples,) for two classes, else (n, K).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if self.classes_.shape[0] == 2 else scores

    def predict(self, X: Any) -> np.ndarray:
        """The class of positive score (two classes) or of largest score (one-versus-rest).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        best = (scores > 0).astype(np.intp) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return self.classes_[best]


def _perceptron_epoch(
    theta: np.ndarray, U: np.ndarray, t: np.ndarray, learning_rate: float
) -> tuple[np.ndarray, float, int]:
    """One pass of perceptron updates; the weights, the summed hinge-at-zero loss, the mistakes.

    The margin is computed here to sum the loss; only a mistake (margin <= 0)
    calls the update, since a correct point leaves :math:`\\theta` unchanged.
    """
    loss, mistakes = 0.0, 0
    for u, target in zip(U, t, strict=True):
        margin = (2.0 * target - 1.0) * float(u @ theta)
        if margin <= 0.0:
            loss -= margin
            mistakes += 1
            theta = perceptron_update(theta, u, target, learning_rate)
    return theta, loss, mistakes
