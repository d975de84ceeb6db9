"""Gaussian-process kernels against scikit-learn's, finite differences and the kernel algebra."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.gaussian_process import kernels as sk

from mlequations._array import ArrayTypeError, NonFiniteError, ShapeError, ValidationError
from mlequations.models.kernels import (
    RBF,
    ConstantKernel,
    Kernel,
    Matern,
    Product,
    Sum,
    WhiteKernel,
)


def to_sklearn(kernel: Kernel) -> sk.Kernel:
    """The scikit-learn kernel with the same structure, values and bounds."""
    if isinstance(kernel, Sum):
        return to_sklearn(kernel.k1) + to_sklearn(kernel.k2)
    if isinstance(kernel, Product):
        return to_sklearn(kernel.k1) * to_sklearn(kernel.k2)
    if isinstance(kernel, ConstantKernel):
        return sk.ConstantKernel(kernel.constant_value, kernel.constant_value_bounds)
    if isinstance(kernel, WhiteKernel):
        return sk.WhiteKernel(kernel.noise_level, kernel.noise_level_bounds)
    if isinstance(kernel, Matern):
        return sk.Matern(kernel.length_scale, kernel.length_scale_bounds, nu=kernel.nu)
    return sk.RBF(kernel.length_scale, kernel.length_scale_bounds)


ARD = [0.6, 1.7, 3.0]


def kernels() -> dict[str, Kernel]:
    return {
        "rbf": RBF(0.8),
        "rbf-ard": RBF(ARD),
        "matern-0.5": Matern(0.9, nu=0.5),
        "matern-0.5-ard": Matern(ARD, nu=0.5),
        "matern-1.5-ard": Matern(ARD, nu=1.5),
        "matern-2.5": Matern(1.1, nu=2.5),
        "matern-2.5-ard": Matern(ARD, nu=2.5),
        "constant": ConstantKernel(2.5),
        "white": WhiteKernel(0.3),
        "signal*rbf+noise": ConstantKernel(1.7) * RBF(ARD) + WhiteKernel(0.05),
        "signal*matern+noise": ConstantKernel(0.4) * Matern(ARD, nu=2.5) + WhiteKernel(1e-3),
        "rbf*matern": RBF(1.3) * Matern(ARD, nu=1.5),
        "sum-in-product": ConstantKernel(2.0) * (RBF(0.5) + Matern(2.0, nu=0.5)),
        "fixed-parts": ConstantKernel(2.0, "fixed") * RBF(ARD) + WhiteKernel(0.1, "fixed"),
        "all-fixed": ConstantKernel(2.0, "fixed") * RBF(1.0, "fixed"),
    }


NAMES = sorted(kernels())


@pytest.fixture
def points(rng):
    return rng.uniform(-2.0, 2.0, size=(12, 3)), rng.uniform(-2.0, 2.0, size=(5, 3))


# --------------------------------------------------------------------------- against scikit-learn


@pytest.mark.parametrize("name", NAMES)
def test_values_match_sklearn(name, points):
    X, Y = points
    ours, theirs = kernels()[name], to_sklearn(kernels()[name])
    assert_allclose(ours(X), theirs(X), rtol=1e-12, atol=1e-14)
    assert_allclose(ours(X, Y), theirs(X, Y), rtol=1e-12, atol=1e-14)
    assert_allclose(ours.diag(X), theirs.diag(X), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_theta_bounds_and_gradient_match_sklearn(name, points):
    X, _ = points
    ours, theirs = kernels()[name], to_sklearn(kernels()[name])
    assert_allclose(ours.theta, theirs.theta, rtol=1e-14)
    assert_allclose(ours.bounds, theirs.bounds.reshape(-1, 2), rtol=1e-14)
    assert ours.n_dims == theirs.n_dims
    K, gradient = ours(X, eval_gradient=True)
    K_sk, gradient_sk = theirs(X, eval_gradient=True)
    assert_allclose(K, K_sk, rtol=1e-12, atol=1e-14)
    assert gradient.shape == (12, 12, ours.n_dims)
    assert_allclose(gradient, gradient_sk, rtol=1e-10, atol=1e-12)


def test_hyperparameter_names_follow_sklearn():
    kernel = ConstantKernel(1.0) * RBF(ARD) + WhiteKernel(0.1)
    names = [h.name for h in kernel.hyperparameters]
    assert names == [h.name for h in to_sklearn(kernel).hyperparameters]
    assert names == ["k1__k1__constant_value", "k1__k2__length_scale", "k2__noise_level"]
    assert [h.n_elements for h in kernel.hyperparameters] == [1, 3, 1]


# --------------------------------------------------------------------------- analytic gradients


def central_difference(function, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """d function / d x_p by central differences, stacked along the last axis."""
    columns = []
    for p in range(x.size):
        shift = np.zeros_like(x)
        shift.flat[p] = step
        columns.append((function(x + shift) - function(x - shift)) / (2.0 * step))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("name", NAMES)
def test_theta_gradient_matches_finite_differences(name, points):
    X, _ = points
    kernel = kernels()[name]
    if kernel.n_dims == 0:
        assert kernel(X, eval_gradient=True)[1].shape == (12, 12, 0)
        return
    numeric = central_difference(lambda theta: kernel.clone_with_theta(theta)(X), kernel.theta)
    assert_allclose(kernel(X, eval_gradient=True)[1], numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_pullback_is_the_contracted_gradient(name, points, rng):
    X, _ = points
    kernel = kernels()[name]
    W = rng.normal(size=(12, 12))  # need not be symmetric
    K, pullback = kernel.covariance_and_pullback(X)
    K_full, gradient = kernel(X, eval_gradient=True)
    assert_allclose(K, K_full, rtol=1e-14)
    expected = np.einsum("ij,ijp->p", W, gradient)
    assert_allclose(pullback(W), expected, rtol=1e-10, atol=1e-12)


def test_pullback_is_accurate_for_inputs_far_from_the_origin(rng):
    X = 1e4 + rng.uniform(0.0, 1.0, size=(10, 2))  # centring keeps the expansion exact
    kernel = RBF([0.3, 0.5])
    W = rng.normal(size=(10, 10))
    expected = np.einsum("ij,ijp->p", W, kernel(X, eval_gradient=True)[1])
    assert_allclose(kernel.covariance_and_pullback(X)[1](W), expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_x_matches_finite_differences(name, points):
    X, Y = points
    kernel = kernels()[name]
    K, gradient = kernel.value_and_gradient_x(Y, X)
    assert_allclose(K, kernel(Y, X), rtol=1e-14)
    assert gradient.shape == (5, 12, 3)
    for i in range(Y.shape[0]):
        numeric = central_difference(lambda y, i=i: kernel(y[None, :], X)[0], Y[i])
        assert_allclose(gradient[i], numeric, rtol=1e-6, atol=1e-8)
    assert_allclose(kernel.gradient_x(Y, X), gradient)


@pytest.mark.parametrize("nu", [0.5, 1.5, 2.5])
def test_gradients_at_zero_distance_are_finite_zeros(nu):
    X = np.array([[0.0, 1.0], [0.0, 1.0], [2.0, 0.0]])
    kernel = Matern([1.0, 2.0], nu=nu)
    gradient = kernel(X, eval_gradient=True)[1]
    assert np.all(np.isfinite(gradient))
    assert np.all(gradient[0, 1] == 0.0)
    assert np.all(gradient[0, 0] == 0.0)
    assert np.all(kernel.gradient_x(X[:1], X)[0, :2] == 0.0)


# --------------------------------------------------------------------------- algebra


def test_sum_and_product_of_values_and_gradients(points):
    X, Y = points
    k1, k2 = RBF(ARD), Matern(1.2, nu=2.5)
    K1, dK1 = k1(X, eval_gradient=True)
    K2, dK2 = k2(X, eval_gradient=True)
    K, dK = (k1 + k2)(X, eval_gradient=True)
    assert_allclose(K, K1 + K2, rtol=1e-14)
    assert_allclose(dK, np.concatenate([dK1, dK2], axis=2), rtol=1e-14)
    K, dK = (k1 * k2)(X, eval_gradient=True)
    assert_allclose(K, K1 * K2, rtol=1e-14)
    assert_allclose(dK, np.concatenate([dK1 * K2[..., None], K1[..., None] * dK2], axis=2))
    assert_allclose((k1 * k2)(X, Y), k1(X, Y) * k2(X, Y), rtol=1e-14)
    assert_allclose((k1 + k2).diag(X), k1.diag(X) + k2.diag(X))


def test_numbers_become_constant_kernels(points):
    X, _ = points
    rbf = RBF(0.7)
    for kernel, expected in [
        (2.0 * rbf, 2.0 * rbf(X)),
        (rbf * 2.0, 2.0 * rbf(X)),
        (rbf + 0.5, rbf(X) + 0.5),
        (0.5 + rbf, rbf(X) + 0.5),
    ]:
        assert_allclose(kernel(X), expected, rtol=1e-14)
        assert kernel.n_dims == 2
    assert isinstance((2 * rbf).k1, ConstantKernel)


def test_theta_concatenates_and_sets_the_parts():
    kernel = ConstantKernel(2.0) * Matern(ARD, nu=1.5) + WhiteKernel(0.1)
    assert_allclose(kernel.theta, np.log([2.0, *ARD, 0.1]))
    kernel.theta = np.log([3.0, 1.0, 2.0, 4.0, 0.5])
    assert kernel.k1.k1.constant_value == pytest.approx(3.0)
    assert_allclose(kernel.k1.k2.length_scale, [1.0, 2.0, 4.0])
    assert kernel.k2.noise_level == pytest.approx(0.5)
    assert isinstance(kernel.k1.k1.constant_value, float)
    clone = kernel.clone_with_theta(np.zeros(5))
    assert_allclose(clone.theta, np.zeros(5))
    assert kernel.k2.noise_level == pytest.approx(0.5)  # the original is untouched


def test_fixed_hyperparameters_leave_theta():
    kernel = ConstantKernel(2.0, "fixed") * RBF(ARD) + WhiteKernel(0.1, "fixed")
    assert kernel.n_dims == 3
    assert_allclose(kernel.theta, np.log(ARD))
    assert [h.fixed for h in kernel.hyperparameters] == [True, False, True]


def test_white_noise_acts_only_on_the_same_points(points):
    X, _ = points
    kernel = RBF(1.0) + WhiteKernel(0.3)
    assert_allclose(kernel(X) - kernel(X, X), 0.3 * np.eye(12), atol=1e-15)
    assert_allclose(kernel.diag(X, include_noise=False), np.ones(12))
    assert_allclose(kernel.diag(X), np.full(12, 1.3))


def test_kernel_matrices_are_positive_semidefinite(points):
    X, _ = points
    for name in NAMES:
        eigenvalues = np.linalg.eigvalsh(kernels()[name](X))
        assert eigenvalues.min() > -1e-10, name


def test_params_and_repr():
    kernel = ConstantKernel(2.0) * Matern([1.0, 2.0], nu=2.5)
    params = kernel.get_params()
    assert params["k2__nu"] == 2.5
    assert_allclose(params["k2__length_scale"], [1.0, 2.0])
    kernel.set_params(k2__length_scale=3.0, k1__constant_value=0.5)
    assert kernel.k2.length_scale == 3.0
    assert repr(kernel) == "ConstantKernel(constant_value=0.5) * Matern(length_scale=3, nu=2.5)"
    assert repr(2.0 * (RBF() + WhiteKernel())) == (
        "ConstantKernel(constant_value=2) * (RBF(length_scale=1) + WhiteKernel(noise_level=1))"
    )
    with pytest.raises(ValidationError, match="nu2 is not a parameter of Matern"):
        Matern().set_params(nu2=1.0)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: RBF(-1.0), ValidationError, "length_scale must be positive"),
        (lambda: RBF([[1.0]]), ShapeError, "length_scale must be a positive number or a 1-D"),
        (lambda: RBF(1.0, (2.0, 1.0)), ValidationError, "length_scale_bounds must satisfy"),
        (lambda: RBF(1.0, (0.0, 1.0)), ValidationError, "length_scale_bounds must satisfy"),
        (lambda: RBF(1.0, "free"), ValidationError, 'must be "fixed" or'),
        (lambda: RBF([1.0, 2.0], np.ones((3, 2))), ShapeError, r"of shape \(2, 2\)"),
        (lambda: RBF("wide"), ArrayTypeError, "length_scale must be a positive number or array"),
        (lambda: Matern(nu=3.0), ValidationError, "nu must be 0.5, 1.5 or 2.5"),
        (lambda: ConstantKernel([1.0, 2.0]), ShapeError, "constant_value must be a number"),
        (lambda: WhiteKernel(np.inf), ValidationError, "noise_level must be positive and finite"),
        (lambda: Sum(RBF(), 1.0), ArrayTypeError, "k2 must be a Kernel"),
    ],
)
def test_bad_hyperparameters(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_bad_inputs():
    kernel = RBF([1.0, 2.0])
    with pytest.raises(ShapeError, match="X must be 2-D"):
        kernel(np.ones(3))
    with pytest.raises(ShapeError, match="X must have 2 features, one per length scale"):
        kernel(np.ones((3, 3)))
    with pytest.raises(ShapeError, match="Y must have 2 features"):
        kernel(np.ones((3, 2)), np.ones((3, 1)))
    with pytest.raises(ValidationError, match="eval_gradient must be False when Y is given"):
        kernel(np.ones((3, 2)), np.ones((3, 2)), eval_gradient=True)
    with pytest.raises(NonFiniteError, match="X must be finite"):
        kernel(np.array([[np.nan, 1.0]]))
    with pytest.raises(ArrayTypeError, match="X must be an array of real numbers"):
        kernel([["a", "b"]])
    with pytest.raises(ShapeError, match=r"theta must have shape \(2,\)"):
        kernel.theta = [0.0]
    with pytest.raises(NonFiniteError, match="theta must be finite"):
        kernel.theta = [np.nan, 0.0]
    with pytest.raises(TypeError):
        kernel + "noise"
