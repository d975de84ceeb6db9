r"""Maximising an acquisition function over the unit cube, never returning an evaluated point.

The acquisition :math:`a(u)` of a Bayesian optimizer is cheap but multimodal. It is
maximised in two stages:

1. **Candidates.** :math:`a` is evaluated on many points: a scrambled Sobol set
   filling :math:`[0, 1]^d` plus Gaussian perturbations of the best points seen
   so far (where the optimum is usually refined).
2. **Multi-start L-BFGS-B.** The best few candidates start L-BFGS-B within the
   cube with the analytic gradient. The starts are independent, so they are run
   as one problem over the stacked points, maximising
   :math:`\sum_k a(u_k)`: its gradient in :math:`u_k` is :math:`\nabla a(u_k)`,
   and each surrogate prediction serves every start at once.

The refined starts and the candidates are ranked by :math:`a`; the best point at
Euclidean distance at least ``tolerance`` from every evaluated point is
returned. A duplicate would add no information to the surrogate (and makes its
kernel matrix singular), so it is replaced by the best non-duplicate instead of
being evaluated again.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize as scipy_minimize
from scipy.spatial.distance import cdist
from scipy.stats import qmc

__all__ = ["maximize_acquisition", "nearest_distance"]

#: ``acquisition(U) -> (values, gradients)`` for points U of shape (n, d): values of
#: shape (n,) and their gradients with respect to U, shape (n, d).
AcquisitionWithGradient = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def nearest_distance(U: np.ndarray, evaluated: np.ndarray) -> np.ndarray:
    """Euclidean distance from each row of ``U`` to its nearest row of ``evaluated``."""
    if len(evaluated) == 0:
        return np.full(len(U), np.inf)
    return cdist(U, evaluated).min(axis=1)


def _candidates(n_candidates: int, best: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A Sobol set of about ``n_candidates`` points and perturbations of the ``best`` points."""
    n_dims = best.shape[1]
    sobol = qmc.Sobol(n_dims, scramble=True, rng=rng)
    spread = sobol.random_base2(max(1, math.ceil(math.log2(n_candidates))))[:n_candidates]
    n_local = max(1, n_candidates // (4 * len(best)))
    scales = np.array([0.01, 0.05, 0.2])[rng.integers(0, 3, size=(len(best), n_local, 1))]
    local = best[:, None, :] + scales * rng.standard_normal((len(best), n_local, n_dims))
    return np.vstack([spread, np.clip(local.reshape(-1, n_dims), 0.0, 1.0)])


def _refine(
    acquisition: AcquisitionWithGradient, starts: np.ndarray, max_iterations: int
) -> np.ndarray:
    """Run L-BFGS-B on :math:`-\\sum_k a(u_k)` from ``starts`` (k, d); return the k end points."""
    shape = starts.shape

    def negative_total(flat: np.ndarray) -> tuple[float, np.ndarray]:
        values, gradients = acquisition(flat.reshape(shape))
        return -float(np.sum(values)), -gradients.ravel()

    solution = scipy_minimize(
        negative_total,
        starts.ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * starts.size,
        options={"maxiter": max_iterations},
    )
    return np.clip(solution.x.reshape(shape), 0.0, 1.0)


def maximize_acquisition(
    acquisition: AcquisitionWithGradient,
    evaluated: np.ndarray,
    best: np.ndarray,
    rng: np.random.Generator,
    n_candidates: int = 512,
    n_restarts: int = 5,
    tolerance: float = 1e-6,
    max_iterations: int = 200,
) -> np.ndarray:
    """The point of :math:`[0, 1]^d` with the largest acquisition that was not evaluated.

    Parameters
    ----------
    acquisition : callable
        ``acquisition(U) -> (values, gradients)``, to be maximised.
    evaluated : ndarray, shape (n, d)
        The points evaluated so far, in the unit cube.
    best : ndarray, shape (m, d)
        The best evaluated points (perturbations of them join the candidates).
    rng : numpy.random.Generator
        The source of the candidates.
    n_candidates : int
        The number of space-filling candidates (rounded up to a power of two).
    n_restarts : int
        The number of L-BFGS-B starts: the best distinct candidates.
    tolerance : float
        A point closer than this (Euclidean, in the cube) to an evaluated one is a duplicate.
    max_iterations : int
        The L-BFGS-B iteration limit.

    Returns
    -------
    ndarray, shape (d,)
        The suggestion. If every ranked point is a duplicate (an acquisition peaked
        on evaluated points everywhere), the candidate farthest from the evaluated
        points is returned.

    Examples
    --------
    >>> def bump(U):  # a(u) = -|u - 0.3|², peaked at u = 0.3
    ...     return -np.sum((U - 0.3) ** 2, axis=1), -2.0 * (U - 0.3)
    >>> rng = np.random.default_rng(0)
    >>> u = maximize_acquisition(bump, np.array([[0.9]]), np.array([[0.9]]), rng)
    >>> round(float(u[0]), 6)
    0.3
    >>> # 0.3 itself was evaluated: the best point at least 1e-6 away is returned.
    >>> u = maximize_acquisition(bump, np.array([[0.3]]), np.array([[0.3]]), rng)
    >>> bool(1e-6 <= abs(u[0] - 0.3) < 1e-2)
    True
    """
    candidates = _candidates(n_candidates, best, rng)
    values, _ = acquisition(candidates)
    order = np.argsort(-values, kind="stable")
    starts = candidates[order[: max(1, n_restarts)]]
    refined = _refine(acquisition, starts, max_iterations)
    refined_values, _ = acquisition(refined)
    pool = np.vstack([refined, candidates])
    pool_values = np.concatenate([refined_values, values])
    pool_values = np.where(np.isfinite(pool_values), pool_values, -np.inf)
    distance = nearest_distance(pool, evaluated)
    fresh = distance >= tolerance
    if not np.any(fresh):
        return pool[int(np.argmax(distance))]
    ranked = np.flatnonzero(fresh)[np.argsort(-pool_values[fresh], kind="stable")]
    return pool[ranked[0]]
