r"""The surrogate model of the optimizer: a Gaussian process on the unit cube.

The kernel is scikit-optimize's choice, a scaled Matérn 5/2 with one length scale
per dimension, plus a fitted noise term:

.. math::

    k(u, u') = s^2\, k_{5/2}\big(r(u, u')\big) + \sigma_n^2\, \mathbb 1(u = u'),
    \qquad r^2 = \sum_j \frac{(u_j - u'_j)^2}{\ell_j^2},

with :math:`y` standardised (``normalize_y``), so :math:`s^2` and
:math:`\sigma_n^2` are in units of the variance of the data. (The optimizer passes
warped values :math:`g(y)`, see :mod:`~mlequations.bayesopt.warping`.) The hyperparameters
maximise the log marginal likelihood by L-BFGS-B, starting from the previous
fit's values (a warm start: they change little from one evaluation to the next)
and from ``N_RESTARTS`` random points within the bounds.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from mlequations.models.gaussian_process import GaussianProcessRegressor
from mlequations.models.kernels import ConstantKernel, Matern, WhiteKernel

__all__ = ["N_RESTARTS", "fit_surrogate", "surrogate_kernel"]

#: Random restarts of the hyperparameter search besides the warm start.
N_RESTARTS = 1
#: Bounds of the length scales in the unit cube, of the signal and the noise variance.
LENGTH_SCALE_BOUNDS = (1e-2, 1e2)
SIGNAL_BOUNDS = (1e-2, 1e2)
NOISE_BOUNDS = (1e-10, 1e-1)


def surrogate_kernel(n_dims: int) -> Any:
    """:math:`s^2 k_{5/2} + \\sigma_n^2 \\delta` with ARD length scales, at its initial values."""
    matern = Matern(np.full(n_dims, 0.5), LENGTH_SCALE_BOUNDS, nu=2.5)
    return ConstantKernel(1.0, SIGNAL_BOUNDS) * matern + WhiteKernel(1e-6, NOISE_BOUNDS)


def fit_surrogate(
    U: np.ndarray, y: np.ndarray, rng: np.random.Generator, theta: np.ndarray | None
) -> tuple[GaussianProcessRegressor, np.ndarray]:
    """Fit the Gaussian process to points ``U`` of the unit cube and values ``y``.

    ``theta`` (log hyperparameters of a previous fit, or None) is the first start
    of the likelihood search. Returns the fitted model and its ``theta``. A
    hyperparameter search stopped by its iteration limit is accepted silently:
    the optimizer only needs a good model, not the exact optimum.

    Examples
    --------
    >>> U = np.linspace(0.0, 1.0, 8)[:, None]
    >>> y = np.sin(6.0 * U[:, 0])
    >>> model, theta = fit_surrogate(U, y, np.random.default_rng(0), None)
    >>> bool(np.allclose(model.predict(U), y, atol=1e-3)), theta.shape  # s², ℓ, σ²_n
    (True, (3,))
    """
    kernel = surrogate_kernel(U.shape[1])
    if theta is not None and theta.shape == kernel.theta.shape:
        kernel.theta = np.clip(theta, kernel.bounds[:, 0], kernel.bounds[:, 1])
    model = GaussianProcessRegressor(
        kernel,
        alpha=1e-10,
        normalize_y=True,
        n_restarts_optimizer=N_RESTARTS,
        random_state=int(rng.integers(2**31 - 1)),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(U, y)
    return model, model.kernel_.theta.copy()
