r"""The acquisition an optimizer maximises, as a function of a point of the unit cube.

The layer-1 functions of :mod:`mlequations.acquisition` score a posterior
:math:`N(\mu, \sigma^2)`; here they are composed with a fitted surrogate, and the
gradient follows by the chain rule,

.. math::

    \nabla_u a\big(\mu(u), \sigma(u)\big)
    = \frac{\partial a}{\partial \mu} \nabla_u \mu
    + \frac{\partial a}{\partial \sigma} \nabla_u \sigma .

Each name maps to a quantity to *maximise*:

=========  ==========================================================
"log_ei"   :math:`\log \mathrm{EI}` (finite far from the data)
"ei"       :math:`\mathrm{EI}`
"pi"       :math:`\log \mathrm{PI}` (same maximiser as PI, no underflow)
"lcb"      :math:`-(\mu - \kappa\sigma)`
=========  ==========================================================

:math:`\sigma` is floored at :data:`SIGMA_FLOOR` times the scale of the data, so
the logarithms stay finite at evaluated points of a noise-free model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from mlequations.acquisition import (
    expected_improvement,
    log_expected_improvement,
    log_probability_of_improvement,
    lower_confidence_bound,
)

__all__ = ["ACQUISITIONS", "SIGMA_FLOOR", "acquisition_on_cube", "acquisition_values"]

#: The acquisition functions an optimizer can maximise.
ACQUISITIONS = ("log_ei", "ei", "pi", "lcb")

#: The smallest standard deviation used, relative to the model's scale of y.
SIGMA_FLOOR = 1e-9


def _score(
    name: str, mu: np.ndarray, sigma: np.ndarray, best: float, xi: float, kappa: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The value to maximise and its partial derivatives in mu and sigma."""
    if name == "log_ei":
        return log_expected_improvement(mu, sigma, best, xi, return_gradient=True)
    if name == "ei":
        return expected_improvement(mu, sigma, best, xi, return_gradient=True)
    if name == "pi":
        return log_probability_of_improvement(mu, sigma, best, xi, return_gradient=True)
    value, d_mu, d_sigma = lower_confidence_bound(mu, sigma, kappa, return_gradient=True)
    return -value, -d_mu, -d_sigma


def _floor(model: Any) -> float:
    scale = getattr(model, "y_scale_", 1.0)
    return SIGMA_FLOOR * float(scale)


def acquisition_on_cube(
    model: Any, name: str, best: float, xi: float, kappa: float
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``U -> (a(U), grad a(U))`` for points U (n, d) of the unit cube, to maximise.

    Examples
    --------
    >>> from mlequations.models.gaussian_process import GaussianProcessRegressor
    >>> U = np.array([[0.1], [0.5], [0.9]])
    >>> model = GaussianProcessRegressor(random_state=0).fit(U, [1.0, 0.0, 1.0])
    >>> acquisition = acquisition_on_cube(model, "ei", 0.0, 0.0, 1.96)
    >>> values, gradients = acquisition(np.array([[0.3], [0.5]]))
    >>> values.shape, gradients.shape, bool(values[0] > values[1])
    ((2,), (2, 1), True)
    """
    floor = _floor(model)

    def acquisition(U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu, sigma, d_mu_du, d_sigma_du = model.predict_with_gradient(U, latent=True)
        floored = sigma < floor
        sigma = np.where(floored, floor, sigma)
        d_sigma_du = np.where(floored[:, None], 0.0, d_sigma_du)
        value, d_mu, d_sigma = _score(name, mu, sigma, best, xi, kappa)
        gradient = d_mu[:, None] * d_mu_du + d_sigma[:, None] * d_sigma_du
        return value, gradient

    return acquisition


def acquisition_values(
    model: Any, U: np.ndarray, name: str, best: float, specs: Mapping[str, Any]
) -> np.ndarray:
    """The acquisition ``name`` at points U (n, d), with ``xi`` and ``kappa`` from ``specs``."""
    mu, sigma = model.predict(U, return_std=True, latent=True)
    sigma = np.maximum(sigma, _floor(model))
    xi, kappa = float(specs.get("xi", 0.01)), float(specs.get("kappa", 1.96))
    return _score(name, mu, sigma, best, xi, kappa)[0]
