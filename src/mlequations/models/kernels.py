r"""Covariance kernels of Gaussian processes: RBF, Matérn, constant and white noise.

A Gaussian process model of :math:`f` says that any values :math:`f(x_1), \dots,
f(x_n)` are jointly Gaussian with covariance :math:`K_{ij} = k(x_i, x_j)`. The
stationary kernels here depend only on the scaled distance

.. math::

    r(x, x') = \sqrt{\sum_{d=1}^D \frac{(x_d - x'_d)^2}{\ell_d^2}} ,

with one length scale :math:`\ell_d` per input dimension (ARD, automatic relevance
determination: a long :math:`\ell_d` makes :math:`f` nearly constant along dimension
:math:`d`) or one shared :math:`\ell`. A typical model multiplies by a signal variance
and adds observation noise::

    ConstantKernel(1.0) * Matern(length_scale=[1.0, 1.0], nu=2.5) + WhiteKernel(1e-2)

Every kernel gives, analytically:

* ``kernel(X, eval_gradient=True)``: :math:`K` and :math:`\partial K/\partial\theta`
  over the log hyperparameters :math:`\theta = \log\eta` (shape (n, n, n_dims), as in
  scikit-learn);
* ``kernel.gradient_x(x, X)``: :math:`\nabla_x k(x, X_j)`, which the Bayesian
  optimiser needs to climb the acquisition function.

For the stationary kernels, with :math:`g(r) = -\frac{1}{r}\frac{dk}{dr}` and
:math:`D_d = (x_d - x'_d)^2 / \ell_d^2`, both gradients have one form:

.. math::

    \frac{\partial k}{\partial \log \ell_d} = g(r)\, D_d , \qquad
    \frac{\partial k}{\partial x_d} = -g(r)\, \frac{x_d - x'_d}{\ell_d^2} .

The names and parameters are scikit-learn's (``RBF``, ``Matern``, ``ConstantKernel``,
``WhiteKernel``, default bounds :math:`(10^{-5}, 10^5)`), so a kernel maps one to one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist, pdist, squareform

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.models.kernel_base import Hyperparameter, Kernel, Product, Pullback, Sum

__all__ = ["RBF", "ConstantKernel", "Kernel", "Matern", "Product", "Sum", "WhiteKernel"]

_DEFAULT_BOUNDS = (1e-5, 1e5)


# --------------------------------------------------------------------------- validation


def _positive_values(value: Any, name: str) -> float | np.ndarray:
    """A positive finite number, or a 1-D array of them (per-dimension values)."""
    try:
        if isinstance(value, str | bool):
            raise TypeError
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArrayTypeError(f"{name} must be a positive number or array, got {value!r}") from None
    if array.ndim > 1 or array.size == 0:
        raise ShapeError(f"{name} must be a positive number or a 1-D array of them, got {value!r}")
    if not (np.all(np.isfinite(array)) and np.all(array > 0)):
        raise ValidationError(f"{name} must be positive and finite, got {value!r}")
    return float(array) if array.ndim == 0 else array.copy()


def _check_bounds(bounds: Any, name: str, n_elements: int) -> Any:
    """``"fixed"``, a pair ``(low, high)`` or an ``(n_elements, 2)`` array with 0 < low < high."""
    if isinstance(bounds, str):
        if bounds != "fixed":
            raise ValidationError(f'{name} must be "fixed" or (low, high), got {bounds!r}')
        return bounds
    array = np.asarray(bounds, dtype=np.float64)
    if array.shape not in ((2,), (n_elements, 2)):
        raise ShapeError(
            f'{name} must be "fixed", (low, high) or of shape ({n_elements}, 2), '
            f"got shape {array.shape}"
        )
    low, high = array.reshape(-1, 2).T
    if not (np.all(np.isfinite(array)) and np.all(low > 0) and np.all(low < high)):
        raise ValidationError(
            f'{name} must satisfy 0 < low < high < inf (or be "fixed"), got {bounds!r}'
        )
    return (float(low[0]), float(high[0])) if array.shape == (2,) else array.copy()


def _format(value: Any) -> str:
    if np.ndim(value) == 0:
        return f"{float(value):.4g}"
    return "[" + ", ".join(f"{v:.4g}" for v in value) + "]"


# --------------------------------------------------------------------------- leaves


class LeafKernel(Kernel):
    """A kernel with its own hyperparameters ``name`` and their bounds ``name_bounds``."""

    _hyperparameter_names: tuple[str, ...] = ()
    _shown_options: tuple[str, ...] = ()

    def _free(self) -> list[tuple[str, Any]]:
        """``(name, value)`` of each hyperparameter that is not fixed."""
        return [
            (name, getattr(self, name))
            for name in self._hyperparameter_names
            if not isinstance(getattr(self, name + "_bounds"), str)
        ]

    @property
    def hyperparameters(self) -> list[Hyperparameter]:
        result = []
        for name in self._hyperparameter_names:
            n_elements = int(np.size(getattr(self, name)))
            bounds = getattr(self, f"{name}_bounds")
            matrix = None if isinstance(bounds, str) else np.broadcast_to(bounds, (n_elements, 2))
            result.append(Hyperparameter(name, n_elements, matrix))
        return result

    @property
    def n_dims(self) -> int:
        return sum(value.size if isinstance(value, np.ndarray) else 1 for _, value in self._free())

    def _get_theta(self) -> np.ndarray:
        values = [np.log(np.atleast_1d(value)) for _, value in self._free()]
        return np.concatenate(values) if values else np.empty(0)

    def _set_theta(self, theta: np.ndarray, start: int = 0) -> int:
        for name, old in self._free():
            if isinstance(old, np.ndarray):
                setattr(self, name, np.exp(theta[start : start + old.size]))
                start += old.size
            else:
                setattr(self, name, math.exp(theta[start]))
                start += 1
        return start

    def __repr__(self) -> str:
        shown = (*self._hyperparameter_names, *self._shown_options)
        body = ", ".join(f"{name}={_format(getattr(self, name))}" for name in shown)
        return f"{type(self).__name__}({body})"


def _no_gradient_x(x: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.zeros((x.shape[1], x.shape[0], X.shape[0]))


class ConstantKernel(LeafKernel):
    r"""A constant covariance, :math:`k(x, x') = c`: the signal variance as a factor.

    ``ConstantKernel(s2) * RBF(l)`` has prior variance :math:`s^2` everywhere;
    ``ConstantKernel(c) + k`` adds an unknown constant offset of variance :math:`c`.
    :math:`\partial k / \partial \log c = c`.

    Parameters
    ----------
    constant_value : float, default=1.0
        :math:`c > 0`.
    constant_value_bounds : (float, float) or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> import numpy as np
    >>> ConstantKernel(2.0)(np.zeros((2, 1)))
    array([[2., 2.],
           [2., 2.]])
    """

    _hyperparameter_names = ("constant_value",)

    def __init__(self, constant_value: float = 1.0, constant_value_bounds: Any = _DEFAULT_BOUNDS):
        self.constant_value = _positive_number(constant_value, "constant_value")
        self.constant_value_bounds = _check_bounds(
            constant_value_bounds, "constant_value_bounds", 1
        )

    def _matrix(self, X: np.ndarray, Y: np.ndarray | None) -> np.ndarray:
        return np.full((X.shape[0], X.shape[0] if Y is None else Y.shape[0]), self.constant_value)

    def _matrix_and_gradient(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        K = self._matrix(X, None)
        return K, (K[None].copy() if self.n_dims else np.empty((0, *K.shape)))

    def _matrix_and_pullback(self, X: np.ndarray) -> tuple[np.ndarray, Pullback]:
        c, free = self.constant_value, self.n_dims > 0
        return self._matrix(X, None), lambda W: np.array([c * W.sum()] if free else [])

    def _diag(self, X: np.ndarray, include_noise: bool) -> np.ndarray:
        return np.full(X.shape[0], self.constant_value)

    def _matrix_and_gradient_x(self, x: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, ...]:
        return self._matrix(x, X), _no_gradient_x(x, X)


class WhiteKernel(LeafKernel):
    r"""Independent observation noise, :math:`k(x_i, x_j) = \sigma_n^2\,[i = j]`.

    Adds ``noise_level`` :math:`\sigma_n^2` to the diagonal of :math:`K(X, X)` (called
    with ``Y=None``) and nothing to the covariance between two sets of points, so
    ``kernel(X, X_train)`` is noise-free (as in scikit-learn).
    ``diag(X, include_noise=False)`` is 0: the variance of the latent function.

    Parameters
    ----------
    noise_level : float, default=1.0
        :math:`\sigma_n^2 > 0`.
    noise_level_bounds : (float, float) or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> import numpy as np
    >>> WhiteKernel(0.5)(np.zeros((2, 1)))
    array([[0.5, 0. ],
           [0. , 0.5]])
    """

    _hyperparameter_names = ("noise_level",)

    def __init__(self, noise_level: float = 1.0, noise_level_bounds: Any = _DEFAULT_BOUNDS):
        self.noise_level = _positive_number(noise_level, "noise_level")
        self.noise_level_bounds = _check_bounds(noise_level_bounds, "noise_level_bounds", 1)

    def _matrix(self, X: np.ndarray, Y: np.ndarray | None) -> np.ndarray:
        if Y is not None:
            return np.zeros((X.shape[0], Y.shape[0]))
        return self.noise_level * np.eye(X.shape[0])

    def _matrix_and_gradient(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        K = self._matrix(X, None)
        return K, (K[None].copy() if self.n_dims else np.empty((0, *K.shape)))

    def _matrix_and_pullback(self, X: np.ndarray) -> tuple[np.ndarray, Pullback]:
        noise, free = self.noise_level, self.n_dims > 0
        return self._matrix(X, None), lambda W: np.array([noise * np.trace(W)] if free else [])

    def _diag(self, X: np.ndarray, include_noise: bool) -> np.ndarray:
        return np.full(X.shape[0], self.noise_level if include_noise else 0.0)

    def _matrix_and_gradient_x(self, x: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, ...]:
        return np.zeros((x.shape[0], X.shape[0])), _no_gradient_x(x, X)


def _positive_number(value: Any, name: str) -> float:
    number = _positive_values(value, name)
    if np.ndim(number) != 0:
        raise ShapeError(f"{name} must be a number, got {value!r}")
    return number


# --------------------------------------------------------------------------- stationary kernels


class _StationaryKernel(LeafKernel):
    r"""A kernel :math:`k(r)` of the scaled distance :math:`r`, with (ARD) length scales.

    Subclasses give :math:`k` and :math:`g = -k'(r)/r` as functions of :math:`r^2`; this
    class turns them into :math:`K`, :math:`\partial K/\partial\log\ell`, its pullback and
    :math:`\nabla_x k`.
    """

    _hyperparameter_names = ("length_scale",)

    def __init__(self, length_scale: Any = 1.0, length_scale_bounds: Any = _DEFAULT_BOUNDS):
        self.length_scale = _positive_values(length_scale, "length_scale")
        self.length_scale_bounds = _check_bounds(
            length_scale_bounds, "length_scale_bounds", int(np.size(self.length_scale))
        )

    @property
    def anisotropic(self) -> bool:
        """True with one length scale per input dimension (ARD)."""
        return np.ndim(self.length_scale) == 1

    def _profile(self, r2: np.ndarray, gradient: bool) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        if self.anisotropic and X.shape[1] != self.length_scale.size:
            raise ShapeError(
                f"X must have {self.length_scale.size} features, one per length scale, "
                f"got shape {X.shape}"
            )
        return X / self.length_scale

    def _matrix(self, X: np.ndarray, Y: np.ndarray | None) -> np.ndarray:
        if Y is None:
            return self._profile(squareform(pdist(self._scaled(X), "sqeuclidean")), False)[0]
        return self._profile(cdist(self._scaled(X), self._scaled(Y), "sqeuclidean"), False)[0]

    def _matrix_and_gradient(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.n_dims:
            K = self._matrix(X, None)
            return K, np.empty((0, *K.shape))
        Xs = self._scaled(X).T
        if not self.anisotropic:
            r2 = squareform(pdist(Xs.T, "sqeuclidean"))
            K, g = self._profile(r2, True)
            return K, (g * r2)[None]
        squares = Xs[:, :, None] - Xs[:, None, :]
        np.square(squares, out=squares)  # D_d = (x_d - x'_d)^2 / l_d^2, shape (d, n, n)
        K, g = self._profile(squares.sum(axis=0), True)
        return K, np.multiply(squares, g, out=squares)

    def _matrix_and_pullback(self, X: np.ndarray) -> tuple[np.ndarray, Pullback]:
        Xs = self._scaled(X)
        r2 = squareform(pdist(Xs, "sqeuclidean"))
        K, g = self._profile(r2, True)
        if not self.n_dims:
            return K, lambda W: np.empty(0)
        if not self.anisotropic:
            return K, lambda W: np.array([np.vdot(W * g, r2)])
        centred = Xs - Xs.mean(axis=0)  # differences are unchanged; fewer digits cancel

        def pullback(W: np.ndarray) -> np.ndarray:
            # sum_ij M_ij (z_i - z_j)^2 = sum_i z_i^2 (M 1 + M^T 1)_i - 2 z^T M z, M = W * g
            M = W * g
            weights = M.sum(axis=1) + M.sum(axis=0)
            return weights @ np.square(centred) - 2.0 * np.einsum("id,id->d", centred, M @ centred)

        return K, pullback

    def _diag(self, X: np.ndarray, include_noise: bool) -> np.ndarray:
        return np.ones(X.shape[0])

    def _matrix_and_gradient_x(self, x: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, ...]:
        # d k / d x = -g(r) (x - x') / l^2; at r = 0 the gradient is 0 (exact for RBF and
        # Matern 3/2, 5/2; a subgradient for Matern 1/2)
        difference = self._scaled(x).T[:, :, None] - self._scaled(X).T[:, None, :]  # (d, m, n)
        K, g = self._profile(np.einsum("dmn,dmn->mn", difference, difference), True)
        difference *= -g
        length_scale = self.length_scale
        difference /= length_scale[:, None, None] if self.anisotropic else length_scale
        return K, difference


class RBF(_StationaryKernel):
    r"""The squared-exponential (radial basis function) kernel, infinitely smooth.

    .. math::

        k(x, x') = \exp\!\left(-\tfrac12 r^2\right), \qquad g(r) = k(x, x') .

    Parameters
    ----------
    length_scale : float or array_like of shape (n_features,), default=1.0
        :math:`\ell` (one for all dimensions) or :math:`(\ell_1, \dots, \ell_D)` (ARD).
    length_scale_bounds : (float, float), array of shape (n, 2) or "fixed", default=(1e-5, 1e5)

    Examples
    --------
    >>> import numpy as np
    >>> kernel = RBF(length_scale=[1.0, 2.0])
    >>> bool(kernel(np.array([[0.0, 0.0]]), np.array([[1.0, 2.0]]))[0, 0] == np.exp(-1.0))
    True
    >>> kernel.theta  # log length scales
    array([0.        , 0.69314718])
    """

    def _profile(self, r2: np.ndarray, gradient: bool) -> tuple[np.ndarray, Any]:
        K = np.exp(-0.5 * r2)
        return K, (K.copy() if gradient else None)  # the caller may modify K


class Matern(_StationaryKernel):
    r"""The Matérn kernel of smoothness :math:`\nu \in \{1/2, 3/2, 5/2\}`.

    Samples are :math:`\lceil\nu\rceil - 1` times differentiable, rougher than the RBF's
    (the limit :math:`\nu \to \infty`); :math:`\nu = 5/2` is the usual choice for
    Bayesian optimisation.

    .. math::

        k_{1/2} &= e^{-r}, & g &= e^{-r} / r, \\
        k_{3/2} &= (1 + \sqrt3\,r)\, e^{-\sqrt3\,r}, & g &= 3\, e^{-\sqrt3\,r}, \\
        k_{5/2} &= \left(1 + \sqrt5\,r + \tfrac53 r^2\right) e^{-\sqrt5\,r}, &
        g &= \tfrac53 (1 + \sqrt5\,r)\, e^{-\sqrt5\,r}.

    (:math:`g = -k'(r)/r`; for :math:`\nu = 1/2` it is set to 0 at :math:`r = 0`, where it
    multiplies :math:`D_d = 0` or :math:`x - x' = 0`.)

    Parameters
    ----------
    length_scale : float or array_like of shape (n_features,), default=1.0
    length_scale_bounds : (float, float), array of shape (n, 2) or "fixed", default=(1e-5, 1e5)
    nu : {0.5, 1.5, 2.5}, default=1.5

    Examples
    --------
    >>> import numpy as np
    >>> kernel = Matern(length_scale=1.0, nu=1.5)
    >>> k = float(kernel(np.array([[0.0]]), np.array([[1.0]]))[0, 0])
    >>> bool(np.isclose(k, (1 + np.sqrt(3)) * np.exp(-np.sqrt(3))))
    True
    """

    _shown_options = ("nu",)

    def __init__(
        self,
        length_scale: Any = 1.0,
        length_scale_bounds: Any = _DEFAULT_BOUNDS,
        nu: float = 1.5,
    ):
        super().__init__(length_scale, length_scale_bounds)
        if isinstance(nu, bool) or nu not in (0.5, 1.5, 2.5):
            raise ValidationError(f"nu must be 0.5, 1.5 or 2.5 (RBF is nu = inf), got {nu!r}")
        self.nu = float(nu)

    def _profile(self, r2: np.ndarray, gradient: bool) -> tuple[np.ndarray, Any]:
        r = np.sqrt(r2)
        if self.nu == 0.5:
            K = np.exp(-r)
            g = np.divide(K, r, out=np.zeros_like(r), where=r > 0) if gradient else None
            return K, g
        if self.nu == 1.5:
            exponential = np.exp(-math.sqrt(3.0) * r)
            K = (1.0 + math.sqrt(3.0) * r) * exponential
            return K, (3.0 * exponential if gradient else None)
        exponential = np.exp(-math.sqrt(5.0) * r)
        linear = 1.0 + math.sqrt(5.0) * r
        K = (linear + (5.0 / 3.0) * r2) * exponential
        return K, ((5.0 / 3.0) * linear * exponential if gradient else None)
