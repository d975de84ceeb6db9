r"""The machinery every covariance kernel shares: hyperparameters in log space, ``+`` and ``*``.

A kernel :math:`k(x, x')` has positive hyperparameters :math:`\eta` (length scales,
variances). Optimisers see them in log space, :math:`\theta = \log\eta`, with bounds
:math:`[\log\eta_{\min}, \log\eta_{\max}]`: a step in :math:`\theta` is a relative change
of :math:`\eta`, and positivity is automatic.

Kernels combine by the two operations that keep a kernel positive semi-definite:

.. math::

    (k_1 + k_2)(x, x') = k_1(x, x') + k_2(x, x'), \qquad
    (k_1 k_2)(x, x') = k_1(x, x')\, k_2(x, x') ,

with :math:`\theta = [\theta_1, \theta_2]` and the sum and product rules for the gradients.

Two kinds of derivative in :math:`\theta` are offered. ``kernel(X, eval_gradient=True)``
returns the whole tensor :math:`\partial K_{ij}/\partial\theta_p` (scikit-learn's
convention, shape (n, n, n_dims)). The likelihood only ever needs its contraction with
one matrix :math:`W`, the vector-Jacobian product of reverse-mode differentiation,

.. math::

    \bar\theta_p = \sum_{ij} W_{ij}\, \frac{\partial K_{ij}}{\partial \theta_p} ,

which ``covariance_and_pullback`` computes without the tensor (for a product,
:math:`\bar\theta_1` is the pullback of :math:`W \odot K_2` through :math:`k_1`). Each
public method checks its input and calls an unchecked ``_`` twin, which the Gaussian
process calls directly in its inner loops.
"""

from __future__ import annotations

import copy
import inspect
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError

__all__ = ["Hyperparameter", "Kernel", "Product", "Sum"]

#: A vector-Jacobian product: W of shape (n, n) -> sum_ij W_ij dK_ij/dtheta, shape (n_dims,).
Pullback = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Hyperparameter:
    """One named hyperparameter of a kernel: ``n_elements`` values and their bounds.

    ``bounds`` has shape ``(n_elements, 2)`` (in the parameter's own units, not log
    space), or is ``None`` when the hyperparameter is fixed (left out of ``theta``).
    """

    name: str
    n_elements: int
    bounds: np.ndarray | None

    @property
    def fixed(self) -> bool:
        return self.bounds is None


def as_inputs(X: Any, name: str) -> np.ndarray:
    """``X`` as a finite float64 matrix of shape (n_points, n_features)."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ArrayTypeError(f"{name} must be an array of real numbers, got {error}") from None
    if X.ndim != 2:
        raise ShapeError(f"{name} must be 2-D (n_points, n_features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise NonFiniteError(f"{name} must be finite, got NaN or infinity")
    return X


def _check_pair(x: np.ndarray, X: np.ndarray, name: str) -> None:
    if x.shape[1] != X.shape[1]:
        raise ShapeError(f"{name} must have {x.shape[1]} features, got shape {X.shape}")


class Kernel:
    r"""Base class of the covariance kernels :math:`k(x, x')`.

    Subclasses implement the unchecked methods ``_matrix(X, Y)``,
    ``_matrix_and_gradient(X)`` (gradient of shape (n_dims, n, n)),
    ``_matrix_and_pullback(X)``, ``_diag(X, include_noise)``,
    ``_matrix_and_gradient_x(x, X)`` (gradient of shape (d, m, n)), ``n_dims``,
    ``hyperparameters``, ``theta`` and ``_set_theta``. ``Y=None`` means "the same points
    as ``X``", where a ``WhiteKernel`` adds its noise.
    """

    # ------------------------------------------------------------------ checked interface

    def __call__(self, X: Any, Y: Any = None, eval_gradient: bool = False) -> Any:
        r"""The covariance matrix :math:`K_{ij} = k(X_i, Y_j)` (and its gradient in :math:`\theta`).

        Parameters
        ----------
        X : array_like of shape (n, d)
        Y : array_like of shape (n_y, d), default=None
            ``None`` means ``X`` itself, including any white noise on the diagonal.
        eval_gradient : bool, default=False
            Also return :math:`\partial K_{ij}/\partial\theta_p` (only with ``Y=None``).

        Returns
        -------
        K : numpy.ndarray of shape (n, n_y)
        K_gradient : numpy.ndarray of shape (n, n, n_dims), if ``eval_gradient``
        """
        X = as_inputs(X, "X")
        if Y is not None:
            if eval_gradient:
                raise ValidationError(
                    "eval_gradient must be False when Y is given (the gradient is of "
                    "K(X, X)), got True"
                )
            Y = as_inputs(Y, "Y")
            _check_pair(X, Y, "Y")
            return self._matrix(X, Y)
        if not eval_gradient:
            return self._matrix(X, None)
        K, gradient = self._matrix_and_gradient(X)
        return K, np.moveaxis(gradient, 0, -1)

    def covariance_and_pullback(self, X: Any) -> tuple[np.ndarray, Pullback]:
        r""":math:`K = k(X, X)` and its vector-Jacobian product in :math:`\theta`.

        Returns ``K`` and a function mapping :math:`W` of shape (n, n) to
        :math:`\bar\theta_p = \sum_{ij} W_{ij}\,\partial K_{ij}/\partial\theta_p`, equal to
        ``np.einsum("ij,ijp->p", W, kernel(X, eval_gradient=True)[1])`` at a fraction of
        the cost. ``W`` need not be symmetric.

        Examples
        --------
        >>> import numpy as np
        >>> from mlequations.models.kernels import RBF
        >>> K, pullback = RBF(1.0).covariance_and_pullback(np.array([[0.0], [1.0]]))
        >>> pullback(np.ones((2, 2)))  # 2 r^2 exp(-r^2 / 2) at r = 1
        array([1.21306132])
        """
        return self._matrix_and_pullback(as_inputs(X, "X"))

    def diag(self, X: Any, *, include_noise: bool = True) -> np.ndarray:
        """:math:`k(x, x)` for each row of ``X`` (without white noise if not ``include_noise``)."""
        return self._diag(as_inputs(X, "X"), include_noise)

    def value_and_gradient_x(self, x: Any, X: Any) -> tuple[np.ndarray, np.ndarray]:
        r""":math:`k(x_i, X_j)` and its gradient in the query point :math:`x_i`.

        Parameters
        ----------
        x : array_like of shape (m, d)
            Query points.
        X : array_like of shape (n, d)
            Fixed points (the training inputs of a Gaussian process).

        Returns
        -------
        K : numpy.ndarray of shape (m, n)
        gradient : numpy.ndarray of shape (m, n, d)
            Entry ``[i, j, :]`` is :math:`\nabla_{x_i} k(x_i, X_j)`.

        Examples
        --------
        >>> import numpy as np
        >>> from mlequations.models.kernels import RBF
        >>> X = np.array([[0.0], [1.0]])
        >>> K, gradient = RBF(1.0).value_and_gradient_x(np.array([[0.5]]), X)
        >>> gradient[0, :, 0].round(4)  # -(x - x') k(x, x')
        array([-0.4412,  0.4412])
        """
        x, X = as_inputs(x, "x"), as_inputs(X, "X")
        _check_pair(x, X, "X")
        K, gradient = self._matrix_and_gradient_x(x, X)
        return K, np.moveaxis(gradient, 0, -1)

    def gradient_x(self, x: Any, X: Any) -> np.ndarray:
        r""":math:`\nabla_{x_i} k(x_i, X_j)`, shape (m, n, d) (see :meth:`value_and_gradient_x`)."""
        return self.value_and_gradient_x(x, X)[1]

    # ------------------------------------------------------------------ hyperparameters

    @property
    def bounds(self) -> np.ndarray:
        """Log-space bounds of ``theta``, shape (n_dims, 2)."""
        rows = [np.log(h.bounds) for h in self.hyperparameters if not h.fixed]
        return np.vstack(rows) if rows else np.empty((0, 2))

    @property
    def theta(self) -> np.ndarray:
        """The free hyperparameters in log space, shape (n_dims,)."""
        return self._get_theta()

    @theta.setter
    def theta(self, theta: Any) -> None:
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.n_dims,):
            raise ShapeError(f"theta must have shape ({self.n_dims},), got {theta.shape}")
        if not np.all(np.abs(theta) < 700.0):  # exp(theta) must be a finite positive float
            raise NonFiniteError(
                f"theta must be finite with |theta| < 700 (log scale), got {theta}"
            )
        self._set_theta(theta)

    def clone_with_theta(self, theta: Any) -> Kernel:
        """A copy of the kernel with log hyperparameters ``theta``."""
        clone = copy.deepcopy(self)
        clone.theta = theta
        return clone

    def __sklearn_clone__(self) -> Kernel:
        return copy.deepcopy(self)

    # ------------------------------------------------------------------ parameters

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor arguments (and with ``deep`` those of the parts, as ``k1__name``)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        params = {name: getattr(self, name) for name in names}
        if deep:
            for name, value in list(params.items()):
                if isinstance(value, Kernel):
                    params.update({f"{name}__{k}": v for k, v in value.get_params().items()})
        return params

    def set_params(self, **params: Any) -> Kernel:
        """Set constructor arguments (``k1__length_scale=2.0`` reaches into a part)."""
        own = self.get_params(deep=False)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in own:
                raise ValidationError(
                    f"{key} is not a parameter of {type(self).__name__}; valid: {sorted(own)}"
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                own[name] = value
        for name, sub_params in nested.items():
            own[name] = copy.deepcopy(own[name]).set_params(**sub_params)
        type(self).__init__(self, **own)
        return self

    # ------------------------------------------------------------------ algebra

    def __add__(self, other: Any) -> Kernel:
        if isinstance(other, Kernel):
            return Sum(self, other)
        return Sum(self, _constant(other)) if _is_real(other) else NotImplemented

    def __radd__(self, other: Any) -> Kernel:
        return Sum(_constant(other), self) if _is_real(other) else NotImplemented

    def __mul__(self, other: Any) -> Kernel:
        if isinstance(other, Kernel):
            return Product(self, other)
        return Product(self, _constant(other)) if _is_real(other) else NotImplemented

    def __rmul__(self, other: Any) -> Kernel:
        return Product(_constant(other), self) if _is_real(other) else NotImplemented


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _constant(value: Any) -> Kernel:
    from mlequations.models.kernels import ConstantKernel  # the leaves build on this module

    return ConstantKernel(float(value))


# --------------------------------------------------------------------------- operators


class _KernelOperator(Kernel):
    """Two kernels joined by an operation; ``theta = [k1.theta, k2.theta]``."""

    _symbol = "?"

    def __init__(self, k1: Kernel, k2: Kernel):
        for name, part in (("k1", k1), ("k2", k2)):
            if not isinstance(part, Kernel):
                raise ArrayTypeError(f"{name} must be a Kernel, got {type(part).__name__}")
        self.k1 = k1
        self.k2 = k2

    @property
    def hyperparameters(self) -> list[Hyperparameter]:
        return [
            Hyperparameter(f"{prefix}__{h.name}", h.n_elements, h.bounds)
            for prefix, part in (("k1", self.k1), ("k2", self.k2))
            for h in part.hyperparameters
        ]

    @property
    def n_dims(self) -> int:
        return self.k1.n_dims + self.k2.n_dims

    def _get_theta(self) -> np.ndarray:
        return np.concatenate([self.k1._get_theta(), self.k2._get_theta()])

    def _set_theta(self, theta: np.ndarray, start: int = 0) -> int:
        return self.k2._set_theta(theta, self.k1._set_theta(theta, start))

    def __repr__(self) -> str:
        return f"{self._operand(self.k1)} {self._symbol} {self._operand(self.k2)}"

    def _operand(self, part: Kernel) -> str:
        return f"({part!r})" if isinstance(part, Sum) and isinstance(self, Product) else repr(part)


class Sum(_KernelOperator):
    r"""The sum of two kernels, :math:`k(x, x') = k_1(x, x') + k_2(x, x')`.

    Usually written ``k1 + k2``. :math:`\partial K/\partial\theta_1 = \partial K_1/\partial
    \theta_1` (and the same for :math:`\theta_2`).

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations.models.kernels import RBF, WhiteKernel
    >>> kernel = RBF(1.0) + WhiteKernel(0.1)
    >>> kernel(np.array([[0.0], [1.0]])).round(4)
    array([[1.1   , 0.6065],
           [0.6065, 1.1   ]])
    """

    _symbol = "+"

    def _matrix(self, X: np.ndarray, Y: np.ndarray | None) -> np.ndarray:
        return self.k1._matrix(X, Y) + self.k2._matrix(X, Y)

    def _matrix_and_gradient(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        K1, dK1 = self.k1._matrix_and_gradient(X)
        K2, dK2 = self.k2._matrix_and_gradient(X)
        return K1 + K2, np.concatenate([dK1, dK2])

    def _matrix_and_pullback(self, X: np.ndarray) -> tuple[np.ndarray, Pullback]:
        K1, pullback1 = self.k1._matrix_and_pullback(X)
        K2, pullback2 = self.k2._matrix_and_pullback(X)
        return K1 + K2, lambda W: np.concatenate([pullback1(W), pullback2(W)])

    def _diag(self, X: np.ndarray, include_noise: bool) -> np.ndarray:
        return self.k1._diag(X, include_noise) + self.k2._diag(X, include_noise)

    def _matrix_and_gradient_x(self, x: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, ...]:
        K1, G1 = self.k1._matrix_and_gradient_x(x, X)
        K2, G2 = self.k2._matrix_and_gradient_x(x, X)
        return K1 + K2, G1 + G2


class Product(_KernelOperator):
    r"""The product of two kernels, :math:`k(x, x') = k_1(x, x')\,k_2(x, x')`.

    Usually written ``k1 * k2``; ``ConstantKernel(s2) * RBF(l)`` is an RBF kernel of
    signal variance :math:`s^2`. By the product rule
    :math:`\partial K/\partial\theta_1 = (\partial K_1/\partial\theta_1) \odot K_2`, and the
    pullback of :math:`W` through :math:`k_1` is taken at :math:`W \odot K_2`.

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations.models.kernels import RBF, ConstantKernel
    >>> kernel = ConstantKernel(2.0) * RBF(1.0)
    >>> kernel(np.array([[0.0], [1.0]])).round(4)
    array([[2.    , 1.2131],
           [1.2131, 2.    ]])
    """

    _symbol = "*"

    def _matrix(self, X: np.ndarray, Y: np.ndarray | None) -> np.ndarray:
        return self.k1._matrix(X, Y) * self.k2._matrix(X, Y)

    def _matrix_and_gradient(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        K1, dK1 = self.k1._matrix_and_gradient(X)
        K2, dK2 = self.k2._matrix_and_gradient(X)
        return K1 * K2, np.concatenate([dK1 * K2, K1 * dK2])

    def _matrix_and_pullback(self, X: np.ndarray) -> tuple[np.ndarray, Pullback]:
        K1, pullback1 = self.k1._matrix_and_pullback(X)
        K2, pullback2 = self.k2._matrix_and_pullback(X)
        free1, free2 = self.k1.n_dims > 0, self.k2.n_dims > 0

        def pullback(W: np.ndarray) -> np.ndarray:
            theta1 = pullback1(W * K2) if free1 else np.empty(0)
            theta2 = pullback2(W * K1) if free2 else np.empty(0)
            return np.concatenate([theta1, theta2])

        return K1 * K2, pullback

    def _diag(self, X: np.ndarray, include_noise: bool) -> np.ndarray:
        return self.k1._diag(X, include_noise) * self.k2._diag(X, include_noise)

    def _matrix_and_gradient_x(self, x: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, ...]:
        K1, G1 = self.k1._matrix_and_gradient_x(x, X)
        K2, G2 = self.k2._matrix_and_gradient_x(x, X)
        return K1 * K2, G1 * K2 + K1 * G2
