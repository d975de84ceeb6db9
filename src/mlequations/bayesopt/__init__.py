r"""Layer 4: Bayesian optimization of costly black boxes.

A Gaussian process models the objective from the evaluations so far (its values
above their median compressed logarithmically, :mod:`~mlequations.bayesopt.warping`,
so a few huge values do not blur the model where the minimum lies); an
acquisition function (:mod:`mlequations.acquisition`) scores where to evaluate
next, trading a low predicted value against uncertainty; the best point is
evaluated and the model refitted. A few dozen evaluations usually suffice for a
handful of dimensions, which makes it the tool for tuning hyperparameters.

>>> import numpy as np
>>> from mlequations.bayesopt import minimize
>>> def branin(x):
...     b, c, t = 5.1 / (4 * np.pi**2), 5 / np.pi, 1 / (8 * np.pi)
...     u, v = x
...     return float((v - b * u**2 + c * u - 6) ** 2 + 10 * (1 - t) * np.cos(u) + 10)
>>> result = minimize(branin, [(-5.0, 10.0), (0.0, 15.0)], n_calls=30, random_state=0)
>>> bool(result.fun < 0.397887 + 0.01)  # the minimum, 0.397887, is reached at three points
True

* :func:`minimize` (like ``skopt.gp_minimize``) and the ask-and-tell
  :class:`BayesianOptimizer` (``ask``, ``tell``, ``run``, ``save``, ``load``);
* :class:`OptimizeResult` with scikit-optimize's names (``x``, ``fun``,
  ``x_iters``, ``func_vals``, ``models``);
* stoppers :class:`DeadlineStopper`, :class:`DeltaYStopper`, :class:`DeltaXStopper`;
* plots :func:`plot_gp_1d` and :func:`plot_convergence`.
"""

from mlequations.bayesopt.callbacks import DeadlineStopper, DeltaXStopper, DeltaYStopper
from mlequations.bayesopt.criteria import ACQUISITIONS
from mlequations.bayesopt.minimize import minimize
from mlequations.bayesopt.optimizer import ON_NONFINITE, BayesianOptimizer
from mlequations.bayesopt.plots import plot_convergence, plot_gp_1d
from mlequations.bayesopt.result import OptimizeResult
from mlequations.bayesopt.space import SearchSpace

__all__ = [
    "ACQUISITIONS",
    "ON_NONFINITE",
    "BayesianOptimizer",
    "DeadlineStopper",
    "DeltaXStopper",
    "DeltaYStopper",
    "OptimizeResult",
    "SearchSpace",
    "minimize",
    "plot_convergence",
    "plot_gp_1d",
]
