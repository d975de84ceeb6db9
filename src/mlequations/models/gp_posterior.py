r"""The posterior of a Gaussian process at query points, from one Cholesky factor.

With training inputs :math:`X`, :math:`K = k(X, X) + \sigma^2 I = LL^T` and
:math:`a = K^{-1} y` (Rasmussen & Williams, algorithm 2.1), the posterior at query points
:math:`X_*` is Gaussian with

.. math::

    \mu_* = k(X_*, X)\, a, \qquad
    \Sigma_* = k(X_*, X_*) - V^T V, \quad V = L^{-1} k(X, X_*) .

The variances :math:`\operatorname{diag}\Sigma_*` are clipped at 0: rounding can make
them slightly negative at and near noise-free training points. For a query point
:math:`x` with :math:`k_x = k(X, x)` and a stationary kernel (:math:`k(x, x)` constant),
the gradients are

.. math::

    \nabla\mu(x) = (\nabla_x k_x)^T a , \qquad
    \nabla\sigma(x) = -\frac{(\nabla_x k_x)^T K^{-1} k_x}{\sigma(x)} ,

set to 0 where :math:`\sigma(x) = 0`. All functions work in the units the kernel sees
(standardised inputs and targets, if the estimator standardises them); ``latent=True``
leaves out ``WhiteKernel`` noise, giving the posterior of :math:`f` rather than of a new
observation :math:`y = f + \varepsilon`.
"""

from __future__ import annotations

import numpy as np

from mlequations.cholesky import triangular_solve
from mlequations.models.kernel_base import Kernel

__all__ = ["posterior_covariance", "posterior_mean_std_and_gradients", "posterior_variance"]


def _variance(kernel: Kernel, Xs: np.ndarray, V: np.ndarray, latent: bool) -> np.ndarray:
    variance = kernel._diag(Xs, not latent) - np.einsum("ij,ij->j", V, V)
    return np.maximum(variance, 0.0)


def posterior_variance(
    kernel: Kernel,
    X_train: np.ndarray,
    L: np.ndarray,
    alpha: np.ndarray,
    Xs: np.ndarray,
    latent: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`\mu_*` and :math:`\operatorname{diag}\Sigma_* \ge 0` at the rows of ``Xs``."""
    K_cross = kernel._matrix(Xs, X_train)
    V = triangular_solve(L, K_cross.T)  # L^{-1} k(X, X_*)
    return K_cross @ alpha, _variance(kernel, Xs, V, latent)


def posterior_covariance(
    kernel: Kernel,
    X_train: np.ndarray,
    L: np.ndarray,
    alpha: np.ndarray,
    Xs: np.ndarray,
    latent: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`\mu_*` and :math:`\Sigma_*` (diagonal clipped at 0) at the rows of ``Xs``."""
    K_cross = kernel._matrix(Xs, X_train)
    V = triangular_solve(L, K_cross.T)
    prior = kernel._matrix(Xs, Xs if latent else None)  # WhiteKernel acts only on Y=None
    covariance = prior - V.T @ V
    np.fill_diagonal(covariance, np.maximum(np.diagonal(covariance), 0.0))
    return K_cross @ alpha, covariance


def posterior_mean_std_and_gradients(
    kernel: Kernel,
    X_train: np.ndarray,
    L: np.ndarray,
    alpha: np.ndarray,
    Xs: np.ndarray,
    latent: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r""":math:`\mu`, :math:`\sigma` and their gradients at the rows of ``Xs`` (m of them).

    Returns arrays of shapes (m,), (m,), (m, d) and (m, d): :math:`\mu`, :math:`\sigma`,
    :math:`\nabla\mu` and :math:`\nabla\sigma`.
    """
    K_cross, K_gradient = kernel._matrix_and_gradient_x(Xs, X_train)  # (m, n), (d, m, n)
    V = triangular_solve(L, K_cross.T)
    weights = triangular_solve(L, V, transpose=True)  # K^{-1} k(X, x), (n, m)
    std = np.sqrt(_variance(kernel, Xs, V, latent))
    variance_gradient = -2.0 * np.einsum("dmn,nm->md", K_gradient, weights)
    positive = std > 0.0
    std_gradient = np.zeros_like(variance_gradient)
    std_gradient[positive] = variance_gradient[positive] / (2.0 * std[positive, None])
    return K_cross @ alpha, std, (K_gradient @ alpha).T, std_gradient
