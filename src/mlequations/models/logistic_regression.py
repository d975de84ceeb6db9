r"""Logistic regression: the linear classifier trained by minimising the log loss.

The soft predictor of a label :math:`t \in \{0, 1\}` is
:math:`p(t = 1 \mid x, \theta) = \sigma(\theta^T u(x))`, with the feature vector
:math:`u(x) = [x, 1]` when an intercept is fitted. Its log loss
:math:`\log(1 + e^{-t^\pm \theta^T u(x)})` (the logistic loss of the margin) has
the gradient :math:`\delta(x, t)\, u(x)` with the guide's error
:math:`\delta(x, t) = \sigma(\theta^T u(x)) - t`. With :math:`K > 2` classes the
probabilities are :math:`\operatorname{softmax}(\Theta u(x))` and
:math:`\delta = \operatorname{softmax}(\Theta u(x)) - \operatorname{onehot}(t)`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations._array import NonFiniteError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.activations import log_softmax, sigmoid, softmax
from mlequations.margin_losses import logistic_loss
from mlequations.models.class_labels import encode_class_labels
from mlequations.optimize import DivergenceError
from mlequations.updates import gradient_descent_step

__all__ = ["LogisticRegression"]

_SOLVERS = ("gd", "sgd", "lbfgs")
#: sgd stops once the objective has not fallen by ``tol`` for this many epochs in a row.
_SGD_PATIENCE = 5


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Binary and multinomial logistic regression with an optional L2 penalty.

    Training minimises scikit-learn's objective, divided by :math:`CN` (which
    moves no minimum):

    .. math::

        J(\Theta) = \frac{1}{N} \sum_{n=1}^{N} \ell\big(t_n, \Theta u(x_n)\big)
        + \frac{1}{2CN} \lVert W \rVert^2,

    where :math:`W` is :math:`\Theta` without the intercept (never penalised) and
    :math:`\ell` is the log loss: :math:`\log(1 + e^{-t^\pm \theta^T u})` with
    two classes (one weight vector, the sigmoid), :math:`-\log
    \operatorname{softmax}(\Theta u)_t` with more (one row per class). Its
    gradient is the guide's

    .. math::

        \nabla J = \frac{1}{N} \sum_{n=1}^{N} \delta(x_n, t_n)\, u(x_n)^T
        + \frac{1}{CN} W, \qquad \delta(x, t) = \sigma(\theta^T u(x)) - t
        \text{ (or softmax minus one-hot).}

    Solvers: ``"lbfgs"`` hands :math:`J` and :math:`\nabla J` to SciPy's
    L-BFGS-B with scikit-learn's settings (the same minimum); ``"gd"`` steps
    :math:`\theta \leftarrow \theta - \gamma \nabla J` until
    :math:`\max_i |\nabla_i J| \le` ``tol``; ``"sgd"`` steps along minibatch
    gradients (the guide's update, :math:`S` = ``batch_size``), reshuffling every
    epoch, until the full gradient is below ``tol`` or :math:`J` has not fallen by
    ``tol`` for 5 epochs (its noise floor: within about 1e-2 of the minimum at
    the default rate). gd and sgd work on centred features :math:`x - \bar x`
    (the intercept absorbs the shift, so :math:`J` and its minimum are
    unchanged), which removes the ill-conditioning of an offset such as
    :math:`\bar x = 100`. Reaching ``max_iter`` raises a
    :class:`~sklearn.exceptions.ConvergenceWarning` that says so; a ``learning_rate``
    so large that the objective overflows or ends above :math:`2 J(0) = 2 \log K`
    raises :class:`~mlequations.optimize.DivergenceError`. Computations are in
    float64.

    Parameters
    ----------
    penalty : {"l2", None}, default "l2"
        ``None`` drops the penalty term (the minimum may then not exist on
        separable data).
    C : float, default 1.0
        The inverse strength of the penalty, :math:`C > 0`.
    solver : {"lbfgs", "gd", "sgd"}, default "lbfgs"
    max_iter : int, default 1000
        Iterations (lbfgs, gd) or epochs (sgd).
    tol : float, default 1e-4
        The stopping tolerance on the largest gradient entry (and, for sgd, on
        the decrease of the objective).
    learning_rate : float or "auto", default "auto"
        :math:`\gamma` of gd and sgd (on the scale of :math:`J`, a mean). ``"auto"``
        is :math:`1/L` with :math:`L = c\,\lambda_{\max}(U^T U) / N + 1/(CN)` the
        curvature bound of :math:`J` (:math:`c = 1/4` binary, :math:`1/2`
        multinomial), for which gradient descent provably decreases :math:`J`.
    batch_size : int, default 32
        :math:`S`, the minibatch size of sgd.
    random_state : int, RandomState or None
        Seeds the shuffling of sgd.
    fit_intercept : bool, default True
        Whether :math:`u(x)` ends with a constant 1.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Zeros when ``fit_intercept`` is false.
    n_iter_ : int
        Iterations (lbfgs, gd) or epochs (sgd) run.
    n_features_in_ : int

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> model.predict([[0.2], [2.8]])
    array([0, 1])
    >>> model.predict_proba([[1.5]]).round(4)
    array([[0.5, 0.5]])
    """

    def __init__(
        self,
        penalty: str | None = "l2",
        C: float = 1.0,
        solver: str = "lbfgs",
        max_iter: int = 1000,
        tol: float = 1e-4,
        learning_rate: float | str = "auto",
        batch_size: int = 32,
        random_state: Any = None,
        fit_intercept: bool = True,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state
        self.fit_intercept = fit_intercept

    def fit(self, X: Any, y: Any) -> LogisticRegression:
        """Minimise the penalised log loss on ``(X, y)``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels, at least two distinct values.

        Returns
        -------
        LogisticRegression
            ``self``, fitted.
        """
        l2_strength = self._check_parameters()
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, labels = encode_class_labels(self, y)
        # gd and sgd see centred features: the same J and minimum, far better conditioned.
        centre = bool(self.fit_intercept) and self.solver != "lbfgs"
        offset = X.mean(axis=0) if centre else np.zeros(X.shape[1])
        U = _feature_vectors(X - offset if centre else X, bool(self.fit_intercept))
        objective = _PenalisedLogLoss(
            U, labels, self.classes_.shape[0], l2_strength / X.shape[0], X.shape[1]
        )
        theta, self.n_iter_, failure = self._solve(objective, np.zeros(objective.size))
        if failure is not None:
            warnings.warn(
                f"{type(self).__name__} (solver={self.solver!r}) did not converge after "
                f"{self.n_iter_} iterations: {failure}. Scale the features (e.g. with "
                "StandardScaler) or raise max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
        Theta = theta.reshape(objective.n_rows, U.shape[1])
        self.coef_ = Theta[:, : X.shape[1]].copy()
        # w^T (x - offset) + b = w^T x + (b - w^T offset)
        intercept = Theta[:, -1] - self.coef_ @ offset if self.fit_intercept else 0.0
        self.intercept_ = np.zeros(objective.n_rows) + intercept
        return self

    def _check_parameters(self) -> float:
        """Validate the hyper-parameters; return the penalty strength :math:`1/C` (0: none)."""
        if self.penalty not in ("l2", None):
            raise ValidationError(f"penalty must be 'l2' or None, got {self.penalty!r}")
        if self.solver not in _SOLVERS:
            raise ValidationError(f"solver must be one of {_SOLVERS}, got {self.solver!r}")
        C = check_real_number(self.C, "C")
        if not C > 0:  # also refuses NaN
            raise ValidationError(f"C must be a positive number, got {self.C}")
        check_integer(self.max_iter, "max_iter", 1)
        check_integer(self.batch_size, "batch_size", 1)
        tol = check_real_number(self.tol, "tol")
        if not (math.isfinite(tol) and tol >= 0):
            raise ValidationError(f"tol must be a finite number >= 0, got {self.tol}")
        rate = self.learning_rate
        if not (rate == "auto" if isinstance(rate, str) else _is_positive_number(rate)):
            raise ValidationError(
                f"learning_rate must be 'auto' or a positive finite number, got {rate!r}"
            )
        return 0.0 if self.penalty is None else 1.0 / C

    def _solve(
        self, objective: _PenalisedLogLoss, theta: np.ndarray
    ) -> tuple[np.ndarray, int, str | None]:
        """Run the chosen solver; return the parameters, the iterations and a failure or None."""
        if self.solver == "lbfgs":
            return _lbfgs(objective, theta, self.max_iter, self.tol)
        if self.learning_rate == "auto":
            rate = 1.0 / objective.curvature_bound()
        else:
            rate = float(self.learning_rate)
        start, _ = objective(theta)
        try:  # too large a rate makes the steps overflow: say so instead of returning inf/NaN
            with np.errstate(over="raise", invalid="raise"):
                if self.solver == "gd":
                    result = _gradient_descent(objective, theta, rate, self.max_iter, self.tol)
                else:
                    random = check_random_state(self.random_state)
                    result = _stochastic_gradient_descent(
                        objective, theta, rate, self.max_iter, self.tol, self.batch_size, random
                    )
                end, _ = objective(result[0])
        except (FloatingPointError, NonFiniteError) as error:
            end, detail = math.inf, f" ({error})"
        else:
            detail = ""
        if not end <= 2.0 * start:  # J(0) = log K; SGD's noise never doubles it, a divergence does
            raise DivergenceError(
                f"solver={self.solver!r} diverged with learning_rate={rate:g}: the objective "
                f"rose from {start:.4g} to {end:.4g}{detail}; lower learning_rate or scale the "
                "features"
            )
        return result

    def decision_function(self, X: Any) -> np.ndarray:
        r"""The scores :math:`\Theta u(x)`: shape (n_samples,) for two classes, else (n, K).

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

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r"""Log-probabilities of the classes: :math:`\log\sigma(\pm z)` or log-softmax.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:  # log sigma(z) = -log(1 + e^{-z}), exact for any z
            return -np.logaddexp(0.0, np.stack([scores, -scores], axis=1))
        return log_softmax(scores, axis=1)

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""Probabilities of the classes: :math:`[\sigma(-z), \sigma(z)]` or the softmax.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Every row sums to 1.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return sigmoid(np.stack([-scores, scores], axis=1))
        return softmax(scores, axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class (positive score for two classes).

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


def _is_positive_number(value: Any) -> bool:
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    return real and math.isfinite(value) and value > 0


def _feature_vectors(X: np.ndarray, fit_intercept: bool) -> np.ndarray:
    """The rows :math:`u(x) = [x, 1]` (or just ``x``)."""
    return np.hstack([X, np.ones((X.shape[0], 1))]) if fit_intercept else X


class _PenalisedLogLoss:
    r"""The objective :math:`J` and its gradient, on all rows or on a minibatch of rows.

    ``l2_strength`` is :math:`\lambda = 1/(CN)`; the first ``n_penalised`` columns
    of :math:`\Theta` (the weights, not the intercept) carry
    :math:`\tfrac{\lambda}{2} \lVert W \rVert^2`. Two classes use one row of
    :math:`\Theta` and the sigmoid, more use one row per class and the softmax.
    """

    def __init__(
        self,
        U: np.ndarray,
        labels: np.ndarray,
        n_classes: int,
        l2_strength: float,
        n_penalised: int,
    ) -> None:
        self.U, self.l2_strength, self.n_penalised = U, l2_strength, n_penalised
        self.binary = n_classes == 2
        self.labels = labels.astype(np.float64) if self.binary else labels
        self.n_rows = 1 if self.binary else n_classes
        self.n_samples = U.shape[0]
        self.size = self.n_rows * U.shape[1]

    def __call__(
        self, theta: np.ndarray, rows: np.ndarray | None = None
    ) -> tuple[float, np.ndarray]:
        U = self.U if rows is None else self.U[rows]
        labels = self.labels if rows is None else self.labels[rows]
        Theta = theta.reshape(self.n_rows, self.U.shape[1])
        if self.binary:
            value, gradient = _binary_log_loss(Theta[0], U, labels)
        else:
            value, gradient = _multinomial_log_loss(Theta, U, labels)
        weights = Theta[:, : self.n_penalised]
        gradient[:, : self.n_penalised] += self.l2_strength * weights
        value += 0.5 * self.l2_strength * float(np.sum(weights * weights))
        return value, gradient.ravel()

    def curvature_bound(self) -> float:
        r"""L with :math:`\nabla^2 J \preceq L I`: :math:`c\,\lambda_{\max}(U^T U)/N + \lambda`."""
        curvature = 0.25 if self.binary else 0.5
        largest = float(np.linalg.eigvalsh(self.U.T @ self.U)[-1]) / self.n_samples
        return curvature * largest + self.l2_strength


def _binary_log_loss(theta: np.ndarray, U: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean of :math:`\log(1 + e^{-t^\pm \theta^T u})` and its gradient :math:`\bar{\delta u}`."""
    scores = U @ theta
    value = float(logistic_loss((2.0 * t - 1.0) * scores, reduction="mean"))
    delta = sigmoid(scores) - t  # the guide's delta(x, t) = sigma(theta^T u(x)) - t
    return value, ((delta @ U) / t.shape[0])[np.newaxis, :]


def _multinomial_log_loss(
    Theta: np.ndarray, U: np.ndarray, labels: np.ndarray
) -> tuple[float, np.ndarray]:
    r"""Mean of :math:`-\log \operatorname{softmax}(\Theta u)_t` and its gradient."""
    log_p = log_softmax(U @ Theta.T, axis=1)
    rows = np.arange(labels.shape[0])
    value = -float(np.mean(log_p[rows, labels]))
    delta = np.exp(log_p)  # softmax(Theta u) - onehot(t), row by row
    delta[rows, labels] -= 1.0
    return value, (delta.T @ U) / labels.shape[0]


def _lbfgs(
    objective: _PenalisedLogLoss, theta: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, int, str | None]:
    """L-BFGS-B on the objective, with scikit-learn's options."""
    result = minimize(
        objective,
        theta,
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 64 * np.finfo(float).eps},
    )
    failure = None if result.status == 0 else f"L-BFGS-B stopped: {result.message}"
    return result.x, int(result.nit), failure


def _gradient_descent(
    objective: _PenalisedLogLoss, theta: np.ndarray, rate: float, max_iter: int, tol: float
) -> tuple[np.ndarray, int, str | None]:
    r"""Steps :math:`\theta \leftarrow \theta - \gamma \nabla J` until the gradient is small."""
    for iteration in range(1, max_iter + 1):
        _, gradient = objective(theta)
        if np.max(np.abs(gradient)) <= tol:
            return theta, iteration, None
        theta = gradient_descent_step(theta, gradient, rate)
    return theta, max_iter, f"the largest gradient entry is still above tol={tol}"


def _stochastic_gradient_descent(
    objective: _PenalisedLogLoss,
    theta: np.ndarray,
    rate: float,
    max_iter: int,
    tol: float,
    batch_size: int,
    random: np.random.RandomState,
) -> tuple[np.ndarray, int, str | None]:
    r"""Minibatch steps :math:`\theta \leftarrow \theta - \gamma \frac1S \sum_{n \in S}
    \nabla J_n`, one shuffled pass over the data per epoch."""
    best, stalled = math.inf, 0
    for epoch in range(1, max_iter + 1):
        order = random.permutation(objective.n_samples)
        for start in range(0, order.shape[0], batch_size):
            _, gradient = objective(theta, order[start : start + batch_size])
            theta = gradient_descent_step(theta, gradient, rate)
        value, gradient = objective(theta)
        if np.max(np.abs(gradient)) <= tol:
            return theta, epoch, None
        stalled = stalled + 1 if value > best - tol else 0
        best = min(best, value)
        if stalled >= _SGD_PATIENCE:
            return theta, epoch, None
    return theta, max_iter, f"the objective still fell by more than tol={tol} per epoch"
