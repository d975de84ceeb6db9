r"""Layer 1: noise schedules :math:`\beta_1, \dots, \beta_T` of a diffusion model.

A schedule says how much Gaussian noise each step of the forward process adds,
:math:`q(x_t \mid x_{t-1}) = \mathcal N(\sqrt{1 - \beta_t}\, x_{t-1}, \beta_t I)`;
its running product :math:`\bar\alpha_t = \prod_{s \le t} (1 - \beta_s)`
(:func:`mlequations.diffusion.alphas_cumprod`) is the signal left after
:math:`t` steps. Both schedules are built from Python numbers and returned as
float64 NumPy vectors, ``betas[t - 1]`` being :math:`\beta_t`; they are
re-exported by :mod:`mlequations.diffusion`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlequations._array import ValidationError
from mlequations._checks import check_integer, check_real_number

__all__ = ["cosine_beta_schedule", "linear_beta_schedule"]


def _fraction(value: Any, name: str) -> float:
    """A real number strictly between 0 and 1."""
    number = check_real_number(value, name)
    if not 0.0 < number < 1.0:
        raise ValidationError(f"{name} must lie in (0, 1), got {value}")
    return number


def linear_beta_schedule(T: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> np.ndarray:
    r"""DDPM's noise schedule: :math:`\beta_t` rising linearly from ``beta_start`` to ``beta_end``.

    .. math::

        \beta_t = \beta_{\text{start}}
        + \frac{t - 1}{T - 1}\,(\beta_{\text{end}} - \beta_{\text{start}}),
        \qquad t = 1, \dots, T

    Ho et al. use :math:`T = 1000`, :math:`10^{-4} \to 0.02`, which leaves
    :math:`\bar\alpha_T \approx 4 \cdot 10^{-5}`. For fewer steps the ends must
    grow with :math:`1000 / T` (as Nichol & Dhariwal do), or :math:`x_T` keeps
    a visible trace of the data: with :math:`T = 100` and the default ends
    :math:`\bar\alpha_T \approx 0.36`.

    Parameters
    ----------
    T : int
        Number of diffusion steps, at least 1 (``T = 1`` gives ``[beta_start]``).
    beta_start, beta_end : float
        :math:`\beta_1` and :math:`\beta_T`, each in (0, 1).

    Returns
    -------
    numpy.ndarray of shape (T,), float64
        ``betas[t - 1]`` is :math:`\beta_t`.

    Examples
    --------
    >>> linear_beta_schedule(5, 0.1, 0.5)
    array([0.1, 0.2, 0.3, 0.4, 0.5])
    """
    T = check_integer(T, "T", 1)
    start, end = _fraction(beta_start, "beta_start"), _fraction(beta_end, "beta_end")
    return np.linspace(start, end, T, dtype=np.float64)


def cosine_beta_schedule(T: int, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    r"""The cosine schedule of Nichol & Dhariwal (2021): :math:`\bar\alpha_t` falls like a cosine.

    .. math::

        \bar\alpha_t = \frac{f(t)}{f(0)}, \quad
        f(t) = \cos^2\!\Bigl(\frac{t / T + s}{1 + s} \cdot \frac{\pi}{2}\Bigr), \qquad
        \beta_t = \min\Bigl(1 - \frac{\bar\alpha_t}{\bar\alpha_{t-1}},\ 0.999\Bigr)

    :math:`\bar\alpha_t` goes from 1 to 0 smoothly, losing information
    gradually in the middle instead of almost all of it early (as the linear
    schedule does); the small offset :math:`s` keeps :math:`\beta_1` from being
    vanishingly small. As :math:`t \to T`, :math:`f(t) \to 0` and
    :math:`\beta_T \to 1`, so the paper clips the betas at 0.999 to avoid a
    singularity at the end of sampling; after the clip, the cumulative product
    of the betas is no longer exactly :math:`f(t)/f(0)` in the last step(s).

    Parameters
    ----------
    T : int
        Number of diffusion steps, at least 1.
    s : float, default 0.008
        The offset, non-negative and finite.
    max_beta : float, default 0.999
        The clip, in (0, 1).

    Returns
    -------
    numpy.ndarray of shape (T,), float64

    Examples
    --------
    >>> betas = cosine_beta_schedule(1000)
    >>> round(float(betas[0]), 8), float(betas[-1])
    (4.128e-05, 0.999)
    """
    T = check_integer(T, "T", 1)
    s = check_real_number(s, "s")
    if not (math.isfinite(s) and s >= 0):
        raise ValidationError(f"s must be a non-negative finite number, got {s}")
    max_beta = _fraction(max_beta, "max_beta")
    steps = np.arange(T + 1, dtype=np.float64) / T
    f = np.cos((steps + s) / (1 + s) * (math.pi / 2)) ** 2
    return np.minimum(1.0 - f[1:] / f[:-1], max_beta)
