r"""Gaussian-process regression as a scikit-learn estimator.

A Gaussian process puts a prior on functions, :math:`f \sim \mathcal{GP}(0, k)`, under
which any values :math:`f(x_1), \dots, f(x_n)` are jointly Gaussian with covariance
:math:`k(x_i, x_j)`. Conditioning on noisy observations :math:`y = f(X) + \varepsilon`
gives a Gaussian posterior in closed form. The estimator wires three pieces together:

* :mod:`~mlequations.models.kernels`: the covariance :math:`k` and its gradients;
* :mod:`~mlequations.models.gp_likelihood`: the log marginal likelihood
  :math:`\log p(y \mid X, \theta)`, maximised over the kernel hyperparameters;
* :mod:`~mlequations.models.gp_posterior`: the posterior mean, variance, covariance and
  their gradients in the query point.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_integer
from mlequations.cholesky import cholesky_with_jitter
from mlequations.models.gp_likelihood import (
    blas_threads,
    fit_hyperparameters,
    log_marginal_likelihood,
    posterior,
)
from mlequations.models.gp_posterior import (
    posterior_covariance,
    posterior_mean_std_and_gradients,
    posterior_variance,
)
from mlequations.models.kernel_base import Kernel, as_inputs
from mlequations.models.kernels import RBF, ConstantKernel
from mlequations.models.linear_regression import _check_flag

__all__ = ["GaussianProcessRegressor"]


def _standardisation(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation along axis 0; a (near-)zero deviation becomes 1."""
    mean = values.mean(axis=0)
    scale = np.atleast_1d(values.std(axis=0))
    tiny = scale <= 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(np.atleast_1d(mean)))
    scale[tiny] = 1.0
    return mean, scale if np.ndim(mean) else scale[0]


class GaussianProcessRegressor(RegressorMixin, BaseEstimator):
    r"""Gaussian-process regression with hyperparameters fitted by maximum likelihood.

    The prior is :math:`f \sim \mathcal{GP}(0, k)` and the observations
    :math:`y_i = f(x_i) + \varepsilon_i`, :math:`\varepsilon_i \sim \mathcal N(0, \alpha)`
    (plus any :class:`~mlequations.models.kernels.WhiteKernel` in :math:`k`). ``fit``
    maximises the log marginal likelihood over the kernel's log hyperparameters
    :math:`\theta` by L-BFGS-B with the analytic gradient
    (:mod:`~mlequations.models.gp_likelihood`), then factors
    :math:`K = k(X, X) + \alpha I = LL^T` once; ``predict`` gives the posterior mean
    :math:`\mu_* = k(X_*, X)K^{-1}y` and covariance
    :math:`k(X_*, X_*) - k(X_*, X)K^{-1}k(X, X_*)`. Every solve goes through :math:`L`
    (no inverse, no determinant); when :math:`K` is numerically singular (e.g. two
    inputs :math:`10^{-12}` apart and no noise) a small jitter
    :math:`\epsilon I` is added and reported in ``jitter_``.

    Parameters and attributes follow scikit-learn's ``GaussianProcessRegressor``; with the
    same fixed kernel the two agree to rounding. Computation is in float64 throughout
    (kernel matrices are too ill-conditioned for float32), and ``y`` is 1-D.

    Parameters
    ----------
    kernel : Kernel, default=None
        The covariance (:mod:`~mlequations.models.kernels`); ``None`` means
        ``ConstantKernel(1.0) * RBF(1.0)`` with both hyperparameters fitted in
        :math:`(10^{-5}, 10^5)`. Not modified: ``fit`` works on a copy, ``kernel_``.
    alpha : float or array_like of shape (n_samples,), default=1e-10
        Added to the diagonal of :math:`K`: known noise variance (per sample), or a tiny
        value for numerical stability.
    optimizer : "fmin_l_bfgs_b", callable or None, default="fmin_l_bfgs_b"
        ``None`` keeps the kernel's hyperparameters. A callable is called as
        ``optimizer(obj_func, initial_theta, bounds)`` and returns
        ``(theta_opt, obj_func_min)``; ``obj_func(theta, eval_gradient=True)`` returns
        :math:`-\log p` and its gradient (scikit-learn's protocol).
    n_restarts_optimizer : int, default=0
        Extra L-BFGS-B runs from log-uniform random hyperparameters within the bounds.
    normalize_y : bool, default=False
        Fit to :math:`(y - \bar y)/s_y` and map predictions back (``kernel_``'s variances
        are then in units of :math:`s_y^2`).
    normalize_X : bool, default=False
        Fit to inputs standardised per feature, :math:`(x_d - \bar x_d)/s_d` (the length
        scales of ``kernel_`` are then in units of :math:`s_d`).
    copy_X_train : bool, default=True
        Store a copy of the training inputs (otherwise a reference, when not normalised).
    random_state : int, RandomState instance or None, default=None
        Draws the restarts of the optimiser.

    Attributes
    ----------
    kernel_ : Kernel
        The kernel with the fitted hyperparameters.
    X_train_ : numpy.ndarray of shape (n_samples, n_features)
        Training inputs as the kernel sees them (standardised with ``normalize_X``).
    y_train_ : numpy.ndarray of shape (n_samples,)
        Targets as the likelihood sees them (standardised with ``normalize_y``, as in
        scikit-learn).
    X_mean_, X_scale_ : numpy.ndarray of shape (n_features,)
        Input standardisation (0 and 1 without ``normalize_X``).
    y_mean_, y_scale_ : float
        Target standardisation (0 and 1 without ``normalize_y``).
    L_ : numpy.ndarray of shape (n_samples, n_samples)
        Lower Cholesky factor of :math:`k(X, X) + \alpha I + \epsilon I`.
    alpha_ : numpy.ndarray of shape (n_samples,)
        :math:`K^{-1} y`, the weights of the posterior mean.
    jitter_ : float
        :math:`\epsilon`, 0.0 unless :math:`K` needed it to factor.
    log_marginal_likelihood_value_ : float
        :math:`\log p(y \mid X, \theta)` at ``kernel_.theta``.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations.models.kernels import RBF, ConstantKernel
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> y = np.array([0.0, 1.0, 0.0])
    >>> gp = GaussianProcessRegressor(ConstantKernel(1.0) * RBF(1.0), optimizer=None)
    >>> mean, std = gp.fit(X, y).predict(np.array([[1.0], [1.5]]), return_std=True)
    >>> mean.round(3), std.round(3)  # interpolates the data, uncertain between them
    (array([1.   , 0.675]), array([0.   , 0.134]))

    With the default ``optimizer`` the signal variance and length scale are fitted:

    >>> gp = GaussianProcessRegressor(ConstantKernel(1.0) * RBF(1.0)).fit(X, y)
    >>> gp.kernel_
    ConstantKernel(constant_value=0.3333) * RBF(length_scale=0.05498)
    """

    def __init__(
        self,
        kernel: Kernel | None = None,
        *,
        alpha: Any = 1e-10,
        optimizer: Any = "fmin_l_bfgs_b",
        n_restarts_optimizer: int = 0,
        normalize_y: bool = False,
        normalize_X: bool = False,
        copy_X_train: bool = True,
        random_state: Any = None,
    ):
        self.kernel = kernel
        self.alpha = alpha
        self.optimizer = optimizer
        self.n_restarts_optimizer = n_restarts_optimizer
        self.normalize_y = normalize_y
        self.normalize_X = normalize_X
        self.copy_X_train = copy_X_train
        self.random_state = random_state

    # ------------------------------------------------------------------ checks

    def _check_parameters(self) -> Kernel:
        if self.kernel is not None and not isinstance(self.kernel, Kernel):
            raise ArrayTypeError(
                "kernel must be None or a mlequations.models.kernels.Kernel, "
                f"got {type(self.kernel).__name__}"
            )
        if not (self.optimizer in (None, "fmin_l_bfgs_b") or callable(self.optimizer)):
            raise ValidationError(
                f'optimizer must be "fmin_l_bfgs_b", None or a callable, got {self.optimizer!r}'
            )
        check_integer(self.n_restarts_optimizer, "n_restarts_optimizer", 0)
        for name in ("normalize_y", "normalize_X", "copy_X_train"):
            _check_flag(getattr(self, name), name)
        if self.kernel is None:
            return ConstantKernel(1.0) * RBF(1.0)
        return copy.deepcopy(self.kernel)

    def _check_alpha(self, n_samples: int) -> Any:
        try:
            if isinstance(self.alpha, str | bool):
                raise TypeError
            alpha = np.asarray(self.alpha, dtype=np.float64)
        except (TypeError, ValueError):
            raise ArrayTypeError(
                f"alpha must be a number or an array of numbers, got {self.alpha!r}"
            ) from None
        if alpha.ndim > 1 or (alpha.ndim == 1 and alpha.size not in (1, n_samples)):
            raise ShapeError(
                f"alpha must be a number or an array of shape ({n_samples},), got {self.alpha!r}"
            )
        if not (np.all(np.isfinite(alpha)) and np.all(alpha >= 0)):
            raise ValidationError(f"alpha must be non-negative and finite, got {self.alpha!r}")
        return float(alpha.reshape(-1)[0]) if alpha.size == 1 else alpha

    def _scaled_inputs(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return (X - self.X_mean_) / self.X_scale_ if self.normalize_X else X

    def _query_points(self, X: Any) -> np.ndarray:
        """A lighter check than ``validate_data`` for the optimiser's inner loop."""
        if not hasattr(self, "L_"):
            check_is_fitted(self)  # raises NotFittedError
        X = as_inputs(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise ShapeError(
                f"X must have {self.n_features_in_} features, as in fit, got shape {X.shape}"
            )
        return (X - self.X_mean_) / self.X_scale_ if self.normalize_X else X

    # ------------------------------------------------------------------ fit

    def fit(self, X: Any, y: Any) -> GaussianProcessRegressor:
        """Fit the hyperparameters (unless ``optimizer=None``) and factor the covariance.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
        """
        kernel = self._check_parameters()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        noise = self._check_alpha(X.shape[0])
        n_features = X.shape[1]
        self.X_mean_, self.X_scale_ = np.zeros(n_features), np.ones(n_features)
        self.y_mean_, self.y_scale_ = 0.0, 1.0
        if self.normalize_X:
            self.X_mean_, self.X_scale_ = _standardisation(X)
            X = (X - self.X_mean_) / self.X_scale_
        elif self.copy_X_train:
            X = X.copy()
        if self.normalize_y:
            y_mean, y_scale = _standardisation(y)
            self.y_mean_, self.y_scale_ = float(y_mean), float(y_scale)
            y = (y - self.y_mean_) / self.y_scale_
        self.X_train_, self.y_train_ = X, np.array(y, dtype=np.float64)
        with blas_threads(X.shape[0]):
            if self.optimizer is not None and kernel.n_dims > 0:
                rng = check_random_state(self.random_state)
                theta, _ = fit_hyperparameters(
                    kernel, X, self.y_train_, noise, self.optimizer, self.n_restarts_optimizer, rng
                )
                kernel.theta = theta
            fitted = posterior(kernel, X, self.y_train_, noise)
        self.kernel_ = kernel
        self._noise = noise
        self.L_, self.alpha_, self.jitter_ = fitted.L, fitted.alpha, fitted.jitter
        self.log_marginal_likelihood_value_ = fitted.log_likelihood
        return self

    def log_marginal_likelihood(self, theta: Any = None, eval_gradient: bool = False) -> Any:
        r""":math:`\log p(y \mid X, \theta)` of the training data (and its gradient).

        Parameters
        ----------
        theta : array_like of shape (n_dims,), default=None
            Log hyperparameters (as ``kernel_.theta``); ``None`` returns
            ``log_marginal_likelihood_value_``.
        eval_gradient : bool, default=False
            Also return :math:`\partial \log p / \partial\theta` (needs ``theta``).

        Returns
        -------
        float, or (float, numpy.ndarray of shape (n_dims,))
            ``-inf`` where the covariance cannot be factored.

        Examples
        --------
        >>> import numpy as np
        >>> from mlequations.models.kernels import RBF, ConstantKernel
        >>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1.0, 0.0])
        >>> gp = GaussianProcessRegressor(ConstantKernel() * RBF(), optimizer=None).fit(X, y)
        >>> round(gp.log_marginal_likelihood(), 4)
        -3.6461
        >>> value, gradient = gp.log_marginal_likelihood(np.zeros(2), eval_gradient=True)
        >>> gradient.round(4)  # d/dlog(signal variance), d/dlog(length scale)
        array([-0.0793, -2.5076])
        """
        check_is_fitted(self)
        if theta is None:
            if eval_gradient:
                raise ValidationError("theta must be given when eval_gradient is True, got None")
            return self.log_marginal_likelihood_value_
        kernel = self.kernel_.clone_with_theta(theta)
        return log_marginal_likelihood(
            kernel, self.X_train_, self.y_train_, self._noise, eval_gradient=eval_gradient
        )

    # ------------------------------------------------------------------ prediction

    def predict(
        self, X: Any, return_std: bool = False, return_cov: bool = False, *, latent: bool = False
    ) -> Any:
        r"""Posterior mean at the rows of ``X``, with its standard deviation or covariance.

        Parameters
        ----------
        X : array_like of shape (n_queries, n_features)
        return_std : bool, default=False
            Also return :math:`\sigma_*`, the square root of the variance, which is
            clipped at 0 (rounding can make it slightly negative near training points).
        return_cov : bool, default=False
            Also return the covariance :math:`\Sigma_*` (diagonal clipped at 0).
        latent : bool, default=False
            Predict the latent function :math:`f` rather than a new observation: leave out
            the ``WhiteKernel`` noise, which otherwise adds :math:`\sigma_n^2` to each
            variance (scikit-learn includes it).

        Returns
        -------
        mean : numpy.ndarray of shape (n_queries,)
        std : numpy.ndarray of shape (n_queries,), if ``return_std``
        cov : numpy.ndarray of shape (n_queries, n_queries), if ``return_cov``
        """
        if return_std and return_cov:
            raise ValidationError("return_std and return_cov must not both be True, got both")
        Xs = self._scaled_inputs(X)
        fitted = (self.kernel_, self.X_train_, self.L_, self.alpha_, Xs, latent)
        with blas_threads(self.X_train_.shape[0], Xs.shape[0]):
            if return_cov:
                mean, covariance = posterior_covariance(*fitted)
                return mean * self.y_scale_ + self.y_mean_, covariance * self.y_scale_**2
            if return_std:
                mean, variance = posterior_variance(*fitted)
                return mean * self.y_scale_ + self.y_mean_, np.sqrt(variance) * self.y_scale_
            mean = self.kernel_._matrix(Xs, self.X_train_) @ self.alpha_
        return mean * self.y_scale_ + self.y_mean_

    def predict_with_gradient(self, X: Any, *, latent: bool = False) -> tuple[np.ndarray, ...]:
        r"""Posterior mean and standard deviation at the rows of ``X``, with their gradients.

        With :math:`k_x = k(X, x)`, in the units the kernel sees,

        .. math::

            \nabla\mu(x) = (\nabla_x k_x)^T a, \qquad
            \nabla\sigma(x) = -\frac{(\nabla_x k_x)^T K^{-1} k_x}{\sigma(x)}

        (:mod:`~mlequations.models.gp_posterior`), then multiplied by :math:`s_y / s_d` to
        undo the standardisations. Where :math:`\sigma(x) = 0` (a training point without
        noise) its gradient is set to 0. All kernels of :mod:`~mlequations.models.kernels`
        and their sums and products are stationary, so :math:`k(x, x)` is constant. Made for
        an optimiser's inner loop: the input check is lighter than :meth:`predict`'s.

        Parameters
        ----------
        X : array_like of shape (n_queries, n_features)
        latent : bool, default=False
            As in :meth:`predict`.

        Returns
        -------
        mean, std : numpy.ndarray of shape (n_queries,)
        mean_gradient, std_gradient : numpy.ndarray of shape (n_queries, n_features)

        Examples
        --------
        >>> import numpy as np
        >>> from mlequations.models.kernels import RBF, ConstantKernel
        >>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1.0, 0.0])
        >>> gp = GaussianProcessRegressor(ConstantKernel() * RBF(), optimizer=None).fit(X, y)
        >>> mean, std, mean_gradient, std_gradient = gp.predict_with_gradient([[0.5]])
        >>> mean_gradient.round(4), std_gradient.round(4)
        (array([[1.1843]]), array([[-0.047]]))
        """
        Xs = self._query_points(X)
        with blas_threads(self.X_train_.shape[0], Xs.shape[0]):
            mean, std, mean_gradient, std_gradient = posterior_mean_std_and_gradients(
                self.kernel_, self.X_train_, self.L_, self.alpha_, Xs, latent
            )
        scale = self.y_scale_ / self.X_scale_  # d/dx = (1 / s_x) d/dx_standardised
        return (
            mean * self.y_scale_ + self.y_mean_,
            std * self.y_scale_,
            mean_gradient * scale,
            std_gradient * scale,
        )

    def sample_y(self, X: Any, n_samples: int = 1, random_state: Any = 0) -> np.ndarray:
        r"""Draw functions from the posterior and evaluate them at the rows of ``X``.

        :math:`y^{(s)} = \mu_* + L_* z^{(s)}`, :math:`z^{(s)} \sim \mathcal N(0, I)`, with
        :math:`L_*` the Cholesky factor of the posterior covariance (jittered when it is
        singular, e.g. at training points without noise).

        Parameters
        ----------
        X : array_like of shape (n_queries, n_features)
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=0

        Returns
        -------
        numpy.ndarray of shape (n_queries, n_samples)

        Examples
        --------
        >>> import numpy as np
        >>> from mlequations.models.kernels import RBF
        >>> gp = GaussianProcessRegressor(RBF(), optimizer=None).fit([[0.0], [1.0]], [0.0, 1.0])
        >>> gp.sample_y([[0.5], [3.0]], n_samples=4, random_state=0).shape
        (2, 4)
        """
        n_samples = check_integer(n_samples, "n_samples", 1)
        rng = check_random_state(random_state)
        Xs = self._scaled_inputs(X)
        with blas_threads(self.X_train_.shape[0], Xs.shape[0]):
            mean, covariance = posterior_covariance(
                self.kernel_, self.X_train_, self.L_, self.alpha_, Xs
            )
            factor, _ = cholesky_with_jitter(covariance, check_finite=False)
            draws = mean[:, None] + factor @ rng.standard_normal((Xs.shape[0], n_samples))
        return draws * self.y_scale_ + self.y_mean_
