r"""The log marginal likelihood of a Gaussian process, its gradient, and its maximisation.

With :math:`K = k(X, X) + \sigma^2 I` (``alpha`` = :math:`\sigma^2` plus any
``WhiteKernel`` inside :math:`k`), the targets are :math:`y \sim \mathcal N(0, K)`,
so (Rasmussen & Williams, eq. 2.30 and 5.9)

.. math::

    \log p(y \mid X, \theta) &= -\tfrac12 y^T K^{-1} y - \tfrac12 \log\det K
                               - \tfrac n2 \log 2\pi , \\
    \frac{\partial \log p}{\partial \theta_j} &= \tfrac12 \operatorname{tr}\!\left(
        (a a^T - K^{-1}) \frac{\partial K}{\partial \theta_j} \right),
        \qquad a = K^{-1} y .

Everything goes through the Cholesky factor :math:`K = LL^T`
(:func:`~mlequations.cholesky.cholesky_with_jitter`): :math:`a = L^{-T}L^{-1}y` and
:math:`\log\det K = 2\sum_i \log L_{ii}`. The hyperparameters :math:`\theta` (log
space) are fitted by L-BFGS-B on :math:`-\log p` with this analytic gradient, from
the kernel's own :math:`\theta` and from ``n_restarts`` log-uniform draws inside the
bounds; the best optimum wins.
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from mlequations.cholesky import (
    NotPositiveDefiniteError,
    cholesky_inverse,
    cholesky_solve,
    cholesky_with_jitter,
)
from mlequations.models.kernel_base import Kernel

__all__ = [
    "Posterior",
    "blas_threads",
    "fit_hyperparameters",
    "log_marginal_likelihood",
    "posterior",
]

_LOG_2PI = math.log(2.0 * math.pi)
_SMALL = 400  # up to this many training points, linear algebra runs on one BLAS thread


@dataclass(frozen=True)
class Posterior:
    r"""The Cholesky factor :math:`L` of :math:`K + \epsilon I`, :math:`a = K^{-1}y`,
    the jitter :math:`\epsilon` and :math:`\log p(y \mid X)`."""

    L: np.ndarray
    alpha: np.ndarray
    jitter: float
    log_likelihood: float


def _factor(K: np.ndarray, y: np.ndarray) -> Posterior:
    L, jitter = cholesky_with_jitter(K, check_finite=False)
    alpha = cholesky_solve(L, y)
    log_det_half = float(np.sum(np.log(np.diagonal(L))))  # = log(det K) / 2
    log_likelihood = -0.5 * float(y @ alpha) - log_det_half - 0.5 * y.shape[0] * _LOG_2PI
    return Posterior(L, alpha, jitter, log_likelihood)


def posterior(kernel: Kernel, X: np.ndarray, y: np.ndarray, noise: Any) -> Posterior:
    """Factor :math:`K = k(X, X) + \\text{noise}\\,I` and solve for :math:`a = K^{-1}y`.

    Raises :class:`~mlequations.cholesky.NotPositiveDefiniteError` when even the
    largest jitter does not make :math:`K` positive definite.
    """
    K = kernel._matrix(X, None)
    K.flat[:: K.shape[0] + 1] += noise
    if not np.all(np.isfinite(K)):
        raise NotPositiveDefiniteError(f"the kernel {kernel!r} gives non-finite covariances")
    return _factor(K, y)


def log_marginal_likelihood(
    kernel: Kernel, X: np.ndarray, y: np.ndarray, noise: Any, eval_gradient: bool = False
) -> Any:
    r""":math:`\log p(y \mid X, \theta)` of the kernel's current :math:`\theta` (and its gradient).

    Returns ``-inf`` (and a zero gradient) where :math:`K` cannot be factored, so that
    an optimiser steps back.

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations.models.kernels import RBF
    >>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1.0, 0.0])
    >>> round(log_marginal_likelihood(RBF(1.0), X, y, noise=1e-10), 4)
    -3.6461
    """
    if eval_gradient:
        K, pullback = kernel._matrix_and_pullback(X)
    else:
        K = kernel._matrix(X, None)
    K.flat[:: K.shape[0] + 1] += noise
    try:
        if not np.all(np.isfinite(K)):
            raise NotPositiveDefiniteError("non-finite covariance")
        result = _factor(K, y)
    except NotPositiveDefiniteError:
        return (-np.inf, np.zeros(kernel.n_dims)) if eval_gradient else -np.inf
    if not eval_gradient:
        return result.log_likelihood
    # W = a a^T - K^{-1}, with K^{-1} = T + T^T - diag(T) folded to 2T - diag(T): dK/dtheta
    # is symmetric, so only the sum of W_ij and W_ji matters
    lower = cholesky_inverse(result.L, lower_only=True)
    inner = np.outer(result.alpha, result.alpha)
    inner -= 2.0 * lower
    inner.flat[:: inner.shape[0] + 1] += np.diagonal(lower)
    return result.log_likelihood, 0.5 * pullback(inner)


# --------------------------------------------------------------------------- optimisation


@functools.cache
def _thread_pools() -> ThreadpoolController:
    return ThreadpoolController()


def blas_threads(n_samples: int, n_queries: int = 2) -> Any:
    """A context with one BLAS thread for small problems, where threads cost more than they save.

    On a busy machine a multi-threaded triangular solve with a 100 x 100 factor can take
    milliseconds instead of microseconds. A single query point (matrix-vector work, never
    threaded) needs no limit.
    """
    if n_samples > _SMALL or n_queries < 2:
        return contextlib.nullcontext()
    return _thread_pools().limit(limits=1, user_api="blas")


def _run(optimizer: Any, objective: Callable, start: np.ndarray, bounds: np.ndarray) -> tuple:
    if optimizer == "fmin_l_bfgs_b":
        return _lbfgsb(objective, start, bounds)
    theta, value = optimizer(objective, start, bounds)
    return np.asarray(theta, dtype=np.float64), float(value), 0


def _lbfgsb(objective: Callable, theta: np.ndarray, bounds: np.ndarray) -> tuple[Any, float, int]:
    theta = np.clip(theta, bounds[:, 0], bounds[:, 1])
    result = scipy.optimize.minimize(objective, theta, method="L-BFGS-B", jac=True, bounds=bounds)
    return result.x, float(result.fun), int(result.status)


def fit_hyperparameters(
    kernel: Kernel,
    X: np.ndarray,
    y: np.ndarray,
    noise: Any,
    optimizer: Any,
    n_restarts: int,
    rng: np.random.RandomState,
) -> tuple[np.ndarray, float]:
    r"""Maximise :math:`\log p(y \mid X, \theta)` over :math:`\theta` within ``kernel.bounds``.

    Starts from ``kernel.theta``, then from ``n_restarts`` draws
    :math:`\theta_0 \sim \mathcal U(\log\eta_{\min}, \log\eta_{\max})` (log-uniform
    hyperparameters, the draws of scikit-learn's ``GaussianProcessRegressor``). ``optimizer``
    is ``"fmin_l_bfgs_b"`` or a callable ``optimizer(obj_func, initial_theta, bounds)``
    returning ``(theta, obj_func_min)`` (scikit-learn's protocol). ``kernel`` is modified in
    place during the search; returns the best :math:`\theta` and its log likelihood.
    """
    bounds = kernel.bounds

    def objective(theta: np.ndarray, eval_gradient: bool = True) -> Any:
        kernel._set_theta(np.asarray(theta, dtype=np.float64))
        if not eval_gradient:
            return -log_marginal_likelihood(kernel, X, y, noise)
        value, gradient = log_marginal_likelihood(kernel, X, y, noise, eval_gradient=True)
        return -value, -gradient

    starts = [kernel.theta] + [rng.uniform(bounds[:, 0], bounds[:, 1]) for _ in range(n_restarts)]
    best_theta, best_value, best_status = starts[0], np.inf, 0
    with blas_threads(X.shape[0]):
        for start in starts:
            theta, value, status = _run(optimizer, objective, start, bounds)
            if value < best_value:
                best_theta, best_value, best_status = theta, value, status
    if best_status == 1:
        warnings.warn(
            "L-BFGS-B reached its iteration limit while maximising the log marginal "
            "likelihood; the hyperparameters may not be optimal (rescale X or y, or narrow "
            "the kernel's bounds)",
            ConvergenceWarning,
            stacklevel=3,
        )
    return np.asarray(best_theta, dtype=np.float64), -best_value
