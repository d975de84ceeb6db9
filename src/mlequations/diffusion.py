r"""Layer 1: the forward (noising) process of a denoising diffusion model and its posterior.

A diffusion model (Ho, Jain & Abbeel, 2020, "DDPM") destroys data with a fixed
Markov chain that adds a little Gaussian noise at each of :math:`T` steps,

.. math::

    q(x_t \mid x_{t-1}) = \mathcal N\bigl(\sqrt{1 - \beta_t}\, x_{t-1},\ \beta_t I\bigr),
    \qquad t = 1, \dots, T,

and learns to run it backwards. With :math:`\alpha_t = 1 - \beta_t` and
:math:`\bar\alpha_t = \prod_{s=1}^{t} \alpha_s` the chain collapses to one step
from the data, which is what makes training cheap (:func:`q_sample`):

.. math::

    q(x_t \mid x_0) = \mathcal N\bigl(\sqrt{\bar\alpha_t}\, x_0,\ (1 - \bar\alpha_t) I\bigr),
    \qquad x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon,
    \quad \varepsilon \sim \mathcal N(0, I).

Steps are counted from 1, as in the paper
-----------------------------------------
``t`` is the step of the equations: :math:`t = 1, \dots, T`, and ``t = 0``
(where :func:`q_sample` and :func:`predict_x0_from_noise` accept it) is the
clean data, :math:`\bar\alpha_0 = 1`. The arrays are stored 0-based, so
``betas[t - 1]`` is :math:`\beta_t` and ``alphas_cumprod(betas)[t - 1]`` is
:math:`\bar\alpha_t`. Libraries that count time steps from 0 (diffusers'
``timesteps``, most PyTorch code) use ``k = t - 1`` for the same step.

``t`` is a Python integer (one step for everything) or an integer array of
per-sample steps whose shape is the leading part of the data's shape: for data
of shape ``(batch, 2)``, ``t`` of shape ``(batch,)`` gives each row its own step
(the coefficient broadcasts over the trailing dimensions).

Every function is array-API generic (NumPy, PyTorch with autograd,
array-api-strict, ...) and computes in the dtype of the data (float32 stays
float32; the schedule is cast to it). The schedules are built from Python
numbers and are float64 NumPy arrays.

Examples
--------
>>> import numpy as np
>>> betas = linear_beta_schedule(1000)
>>> alpha_bar = alphas_cumprod(betas)
>>> float(alpha_bar[-1]) < 1e-4   # after 1000 steps almost nothing of x0 is left
True
>>> x_t = q_sample(np.array([1.0, -1.0]), 1000, alpha_bar, np.zeros(2))
>>> bool(np.all(np.abs(x_t) < 0.01))
True
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

from mlequations._array import (
    ArrayTypeError,
    ShapeError,
    ValidationError,
    _is_array,
    array_namespace,
    as_array,
    as_arrays,
    is_numpy_namespace,
    native,
)
from mlequations._checks import (
    broadcast_together,
    check_in_range,
    check_integer,
    check_nonempty,
)
from mlequations.noise_schedules import cosine_beta_schedule, linear_beta_schedule

__all__ = [
    "GaussianPosterior",
    "alphas_cumprod",
    "cosine_beta_schedule",  # re-exported from mlequations.noise_schedules
    "linear_beta_schedule",  # re-exported from mlequations.noise_schedules
    "predict_x0_from_noise",
    "q_posterior_mean_variance",
    "q_sample",
]


class GaussianPosterior(NamedTuple):
    r"""Mean and variance of :math:`q(x_{t-1} \mid x_t, x_0)`; ``variance`` broadcasts."""

    mean: Any
    variance: Any


# --------------------------------------------------------------------------- schedules


def _schedule(values: Any, name: str, xp: Any) -> Any:
    """A 1-D, non-empty schedule as an array of ``xp`` (a NumPy schedule moves to ``xp``)."""
    if isinstance(values, np.ndarray) and not is_numpy_namespace(xp):
        values = xp.asarray(values)
    schedule = as_array(values, name, xp)
    if schedule.ndim != 1:
        raise ShapeError(f"{name} must be a 1-D schedule, got shape {tuple(schedule.shape)}")
    check_nonempty(schedule, name)
    return schedule


def _betas(betas: Any, xp: Any) -> Any:
    betas = _schedule(betas, "betas", xp)
    check_in_range(betas, "betas", 0.0, 1.0, xp, closed=False)
    return betas


def alphas_cumprod(betas: Any) -> Any:
    r"""The signal kept after :math:`t` steps: :math:`\bar\alpha_t = \prod_{s=1}^t (1 - \beta_s)`.

    Parameters
    ----------
    betas : array_like of shape (T,)
        The schedule, every :math:`\beta_t` in (0, 1).

    Returns
    -------
    array of shape (T,), same kind and dtype as ``betas``
        ``result[t - 1]`` is :math:`\bar\alpha_t`, decreasing from
        :math:`1 - \beta_1` towards 0.

    Examples
    --------
    >>> alphas_cumprod([0.1, 0.2, 0.5])
    array([0.9 , 0.72, 0.36])
    """
    xp = array_namespace(betas)
    return xp.cumulative_prod(1.0 - _betas(betas, xp))


# --------------------------------------------------------------------------- the step t


def _steps(t: Any, T: int, low: int, xp: Any) -> Any:
    """``t`` as a Python int or an integer array of ``xp``, every step in [low, T]."""
    counting = "t = 0 is the clean data" if low == 0 else "steps are counted from 1"
    hint = f" ({counting}; the schedule has T = {T})"
    if isinstance(t, numbers.Integral) and not isinstance(t, bool):
        return check_integer(t, "t", low, T, hint)
    if not _is_array(t):
        t = np.asarray(t) if isinstance(t, list | tuple) else t
        if not (isinstance(t, np.ndarray) and t.dtype.kind in "iu"):
            raise ArrayTypeError(
                f"t must be an integer or an array of integers, got {type(t).__name__}"
            )
    if isinstance(t, np.ndarray) and not is_numpy_namespace(xp):
        t = xp.asarray(t)
    if not xp.isdtype(t.dtype, "integral"):
        raise ArrayTypeError(f"t must be an integer or an array of integers, got dtype {t.dtype}")
    if math.prod(int(d) for d in t.shape) > 0:
        smallest, largest = int(xp.min(t)), int(xp.max(t))
        if smallest < low or largest > T:
            bad = smallest if smallest < low else largest
            raise ValidationError(f"t must lie in [{low}, {T}]{hint}, got {bad}")
    return t


def _at_step(table: Any, t: Any, offset: int, shape: tuple[int, ...], xp: Any) -> Any:
    """``table[t - offset]``, shaped to broadcast over data of ``shape`` (t: leading dims)."""
    if isinstance(t, int):
        return table[t - offset]
    steps_shape = tuple(int(d) for d in t.shape)
    coefficient_shape = steps_shape + (1,) * (len(shape) - len(steps_shape))
    try:
        fits = len(steps_shape) <= len(shape)
        fits = fits and np.broadcast_shapes(coefficient_shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"t holds one step per sample, so its shape {steps_shape} must match the leading "
            f"dimensions of the data, got data of shape {shape}"
        )
    values = xp.take(table, xp.reshape(t, (-1,)) - offset, axis=0)
    return xp.reshape(values, coefficient_shape)


def _data(values: tuple[Any, ...], names: tuple[str, ...]) -> tuple[Any, ...]:
    """``(xp, *arrays)`` broadcast together, in their common floating dtype."""
    xp, *arrays = as_arrays(*values, names=names)
    return (xp, *broadcast_together(arrays, names, xp))


def _signal_and_noise_scales(alpha_bar: Any, t: Any, data: Any, xp: Any) -> tuple[Any, Any]:
    r"""Return :math:`\sqrt{\bar\alpha_t}` and :math:`\sqrt{1 - \bar\alpha_t}` in ``data``'s dtype.

    They are computed in the schedule's precision (a float64 schedule gives
    accurate float32 coefficients), from the table ``[1, ᾱ_1, ..., ᾱ_T]``.
    """
    alpha_bar = _schedule(alpha_bar, "alphas_cumprod", xp)
    check_in_range(alpha_bar, "alphas_cumprod", 0.0, 1.0, xp)
    if bool(xp.any(alpha_bar == 0)):
        raise ValidationError("alphas_cumprod must lie in (0, 1], got 0")
    table = xp.concat([xp.ones(1, dtype=alpha_bar.dtype), alpha_bar])
    steps = _steps(t, int(alpha_bar.shape[0]), 0, xp)
    alpha_bar_t = _at_step(table, steps, 0, tuple(int(d) for d in data.shape), xp)
    signal, noise = xp.sqrt(alpha_bar_t), xp.sqrt(1.0 - alpha_bar_t)
    return xp.astype(signal, data.dtype), xp.astype(noise, data.dtype)


# --------------------------------------------------------------------------- the process


def q_sample(x0: Any, t: Any, alphas_cumprod: Any, noise: Any) -> Any:
    r"""Noise data in one jump from :math:`x_0` to :math:`x_t` (the forward process).

    .. math::

        x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon

    This is a draw from :math:`q(x_t \mid x_0) = \mathcal N(\sqrt{\bar\alpha_t}\, x_0,
    (1 - \bar\alpha_t) I)` when ``noise`` is standard normal: the mean shrinks
    the data towards 0 and the variance grows towards 1, so :math:`x_T` is
    close to pure noise when :math:`\bar\alpha_T \approx 0`. Training a DDPM
    draws :math:`t` and :math:`\varepsilon`, forms :math:`x_t` this way and
    teaches a network to recover :math:`\varepsilon`.

    Parameters
    ----------
    x0 : array_like
        Clean data, e.g. shape ``(batch, features)``.
    t : int or integer array
        The step, :math:`0 \le t \le T` (``t = 0`` returns ``x0``), or one step
        per sample with the shape of the leading dimensions of ``x0``.
    alphas_cumprod : array_like of shape (T,)
        :math:`\bar\alpha_1, \dots, \bar\alpha_T` in (0, 1], from :func:`alphas_cumprod`.
    noise : array_like
        :math:`\varepsilon`, broadcastable with ``x0`` (the caller draws it, so the
        function stays deterministic).

    Returns
    -------
    array of the broadcast shape of ``x0`` and ``noise``

    Raises
    ------
    ValidationError
        If ``t`` is outside [0, T] or ``alphas_cumprod`` outside (0, 1].
    ShapeError
        If ``x0`` and ``noise`` do not broadcast, or ``t`` does not fit the batch.

    Examples
    --------
    The guide's example, :math:`x_0 = 1`, :math:`\bar\alpha_t = 0.9`, with
    :math:`\varepsilon = 0.5`: :math:`\sqrt{0.9} + \sqrt{0.1} \cdot 0.5`.

    >>> round(float(q_sample(1.0, 1, [0.9], 0.5)), 6)
    1.106797
    >>> q_sample([[1.0, 1.0], [1.0, 1.0]], [0, 2], [0.9, 0.5], [0.0, 1.0]).round(4)
    array([[1.    , 1.    ],
           [0.7071, 1.4142]])
    """
    xp, x0, noise = _data((x0, noise), ("x0", "noise"))
    signal_scale, noise_scale = _signal_and_noise_scales(alphas_cumprod, t, x0, xp)
    return native(xp, signal_scale * x0 + noise_scale * noise)


def predict_x0_from_noise(x_t: Any, t: Any, alphas_cumprod: Any, noise: Any) -> Any:
    r"""Invert :func:`q_sample` for :math:`x_0` given the noise: the sampler's estimate of the data.

    .. math::

        \hat x_0 = \frac{x_t - \sqrt{1 - \bar\alpha_t}\, \hat\varepsilon}{\sqrt{\bar\alpha_t}}

    With the true :math:`\varepsilon` this recovers :math:`x_0` exactly; with a
    network's prediction :math:`\hat\varepsilon_\theta(x_t, t)` it is the
    denoised guess that the reverse step feeds to
    :func:`q_posterior_mean_variance`. Early in sampling (large :math:`t`)
    :math:`\sqrt{\bar\alpha_t}` is small and the estimate is very noisy.

    Parameters
    ----------
    x_t : array_like
    t : int or integer array
        As in :func:`q_sample`, :math:`0 \le t \le T`.
    alphas_cumprod : array_like of shape (T,)
    noise : array_like
        :math:`\hat\varepsilon`, broadcastable with ``x_t``.

    Examples
    --------
    >>> x_t = q_sample([1.0, 2.0], 1, [0.9], [0.3, -0.4])
    >>> predict_x0_from_noise(x_t, 1, [0.9], [0.3, -0.4]).round(12)
    array([1., 2.])
    """
    xp, x_t, noise = _data((x_t, noise), ("x_t", "noise"))
    signal_scale, noise_scale = _signal_and_noise_scales(alphas_cumprod, t, x_t, xp)
    return native(xp, (x_t - noise_scale * noise) / signal_scale)


def q_posterior_mean_variance(x0: Any, x_t: Any, t: Any, betas: Any) -> GaussianPosterior:
    r"""The reverse step when :math:`x_0` is known: :math:`q(x_{t-1} \mid x_t, x_0)`, a Gaussian.

    .. math::

        q(x_{t-1} \mid x_t, x_0) &= \mathcal N\bigl(\tilde\mu_t, \tilde\beta_t I\bigr), \\
        \tilde\mu_t &= \frac{\sqrt{\bar\alpha_{t-1}}\, \beta_t}{1 - \bar\alpha_t}\, x_0
            + \frac{\sqrt{\alpha_t}\, (1 - \bar\alpha_{t-1})}{1 - \bar\alpha_t}\, x_t, \\
        \tilde\beta_t &= \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}\, \beta_t,
        \qquad \bar\alpha_0 = 1

    Bayes' rule on :math:`q(x_t \mid x_{t-1})\, q(x_{t-1} \mid x_0)`, both
    Gaussian, gives a Gaussian whose mean interpolates between the data and
    the current noisy point. A DDPM's reverse model
    :math:`p_\theta(x_{t-1} \mid x_t)` is this posterior with :math:`x_0`
    replaced by the network's estimate (:func:`predict_x0_from_noise`). At
    :math:`t = 1` the variance is 0 and the mean is :math:`x_0`: the last step
    is deterministic.

    Parameters
    ----------
    x0, x_t : array_like
        Broadcastable data and noisy data.
    t : int or integer array
        The step :math:`1 \le t \le T` (``T = len(betas)``), or one per sample.
    betas : array_like of shape (T,)
        The schedule, every :math:`\beta_t` in (0, 1).

    Returns
    -------
    GaussianPosterior
        ``mean`` of the broadcast shape of ``x0`` and ``x_t``; ``variance`` of
        the shape of ``t`` followed by ones, which broadcasts against ``mean``.

    Examples
    --------
    >>> posterior = q_posterior_mean_variance([1.0], [0.5], 2, [0.1, 0.2])
    >>> posterior.mean.round(6), round(float(posterior.variance), 6)
    (array([0.83735]), 0.071429)
    """
    xp, x0, x_t = _data((x0, x_t), ("x0", "x_t"))
    betas = _betas(betas, xp)
    alpha_bar = xp.cumulative_prod(1.0 - betas)
    alpha_bar_previous = xp.concat([xp.ones(1, dtype=betas.dtype), alpha_bar[:-1]])
    steps = _steps(t, int(betas.shape[0]), 1, xp)
    shape = tuple(int(d) for d in x0.shape)

    def at(table: Any) -> Any:
        return _at_step(table, steps, 1, shape, xp)

    beta, alpha_bar_t, alpha_bar_s = at(betas), at(alpha_bar), at(alpha_bar_previous)
    data_weight = xp.sqrt(alpha_bar_s) * beta / (1.0 - alpha_bar_t)
    noisy_weight = xp.sqrt(1.0 - beta) * (1.0 - alpha_bar_s) / (1.0 - alpha_bar_t)
    variance = (1.0 - alpha_bar_s) / (1.0 - alpha_bar_t) * beta
    data_weight, noisy_weight, variance = (
        xp.astype(c, x0.dtype) for c in (data_weight, noisy_weight, variance)
    )
    mean = data_weight * x0 + noisy_weight * x_t
    return GaussianPosterior(native(xp, mean), native(xp, variance))
