"""Layer 0: the array namespace and the input validation every equation uses.

Every public function of layer 1 starts the same way::

    xp, p, q = as_arrays(p, q, names=("p", "q"))

which turns Python lists and scalars into float64 NumPy arrays, keeps array-API
arrays (NumPy, PyTorch, CuPy, JAX, Dask, array-api-strict) of the caller's kind,
promotes integer and boolean arrays to the namespace's default floating type,
and returns the namespace ``xp`` that the rest of the function uses.

The checks raise :class:`ValidationError` subclasses (which are ``ValueError``)
or :class:`ArrayTypeError` (a ``TypeError``) with a message that names the
argument, says what was expected and what came, e.g.
``p must sum to 1 along axis -1, got 0.4``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import array_api_compat
import numpy as np

__all__ = [
    "PROBABILITY_ATOL",
    "ArrayTypeError",
    "EmptyInputError",
    "NonFiniteError",
    "ProbabilityError",
    "ShapeError",
    "ValidationError",
    "array_namespace",
    "as_array",
    "as_arrays",
    "as_vector",
    "broadcast_together",
    "check_finite",
    "check_in_range",
    "check_matrix",
    "check_nonempty",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_same_shape",
    "erf",
    "first_where",
    "float_dtype",
    "is_numpy_namespace",
    "native",
    "normalize_axis",
    "to_numpy",
    "xlogy",
]

#: Default tolerance on the sum of a probability vector: |sum - 1| <= atol.
PROBABILITY_ATOL = 1e-6


class ValidationError(ValueError):
    """A value is outside what the equation is defined for."""


class ShapeError(ValidationError):
    """Arrays have shapes that do not fit together."""


class EmptyInputError(ValidationError):
    """An array that must hold at least one element is empty."""


class NonFiniteError(ValidationError):
    """An array holds NaN or infinity where only finite numbers are allowed."""


class ProbabilityError(ValidationError):
    """An array is not a valid probability vector or table."""


class ArrayTypeError(TypeError):
    """A value is not an array of real numbers."""


# --------------------------------------------------------------------------- namespaces


def _is_array(value: Any) -> bool:
    return array_api_compat.is_array_api_obj(value) and not isinstance(value, numbers.Number)


def array_namespace(*values: Any) -> Any:
    """Return the array-API namespace shared by ``values``.

    Python scalars, lists, tuples and ``None`` are ignored (they become NumPy
    arrays); if nothing else is given the namespace is NumPy's.

    Examples
    --------
    >>> array_namespace([1.0, 2.0]).__name__
    'array_api_compat.numpy'
    """
    arrays = [v for v in values if _is_array(v)]
    if not arrays:
        return array_api_compat.array_namespace(np.empty(0))
    return array_api_compat.array_namespace(*arrays)


def is_numpy_namespace(xp: Any) -> bool:
    """True when ``xp`` is NumPy (or array-api-compat's wrapper of it)."""
    return array_api_compat.is_numpy_namespace(xp)


def native(xp: Any, value: Any) -> Any:
    """Return ``value`` as an array of ``xp``'s kind.

    NumPy's reductions give NumPy scalars (``np.float64``) rather than 0-d
    arrays; every other library gives arrays. This hands NumPy callers a 0-d
    ``ndarray`` so that every layer-1 function returns the caller's array kind.

    Examples
    --------
    >>> import numpy as np
    >>> type(native(np, np.sum(np.ones(3)))).__name__
    'ndarray'
    """
    return np.asarray(value) if is_numpy_namespace(xp) else value


def float_dtype(xp: Any, x: Any) -> Any:
    """The floating dtype ``x`` computes in: its own if floating, else float64."""
    if xp.isdtype(x.dtype, "real floating"):
        return x.dtype
    return xp.float64


def as_array(value: Any, name: str, xp: Any | None = None) -> Any:
    """Convert ``value`` to a real floating array of namespace ``xp``.

    Lists and scalars become float64; integer and boolean arrays become
    float64; float32 stays float32. Complex, string and object data raise
    :class:`ArrayTypeError` naming ``name``.

    Examples
    --------
    >>> as_array([1, 2], "x")
    array([1., 2.])
    >>> as_array("abc", "x")
    Traceback (most recent call last):
    ...
    mlequations._array.ArrayTypeError: x must be an array of real numbers, got str
    """
    if xp is None:
        xp = array_namespace(value)
    if isinstance(value, np.generic):  # a NumPy scalar such as x[0]: keep its precision
        if is_numpy_namespace(xp):
            value = np.asarray(value)
        elif value.dtype.kind in "biuf":
            value = value.item()
    if _is_array(value):
        array = value
        if not array_api_compat.is_numpy_array(array) or array.dtype.kind in "biuf":
            dtype = array.dtype
            if xp.isdtype(dtype, "bool") or xp.isdtype(dtype, "integral"):
                return xp.astype(array, xp.float64)
            if xp.isdtype(dtype, "real floating"):
                return array
        raise ArrayTypeError(
            f"{name} must be an array of real numbers, got an array of dtype {array.dtype}"
        )
    if isinstance(value, bool | numbers.Integral | numbers.Real) and not isinstance(value, complex):
        return xp.asarray(float(value), dtype=xp.float64)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        try:
            converted = np.asarray(value)
        except ValueError as error:  # ragged nested lists
            raise ArrayTypeError(
                f"{name} must be a rectangular array of real numbers, got a ragged sequence"
            ) from error
        if converted.dtype.kind not in "biuf":
            raise ArrayTypeError(
                f"{name} must be an array of real numbers, got a sequence of {converted.dtype}"
            )
        return xp.asarray(converted.astype(np.float64))
    raise ArrayTypeError(f"{name} must be an array of real numbers, got {type(value).__name__}")


def _is_floating(value: Any, xp: Any) -> bool:
    return xp.isdtype(value.dtype, "real floating")


def as_arrays(*values: Any, names: Sequence[str]) -> tuple[Any, ...]:
    """Return ``(xp, *arrays)``: the shared namespace and every value as a float array.

    When arrays of different floating precision meet, all are promoted to the
    wider one, so float32 inputs give float32 results and nothing upcasts
    silently unless the caller mixed precisions.

    Examples
    --------
    >>> xp, a, b = as_arrays([1, 2], 3.0, names=("a", "b"))
    >>> a.dtype, b.shape
    (dtype('float64'), ())
    >>> import numpy as np
    >>> _, labels, p = as_arrays(np.array([0, 1]), np.array([0.2, 0.9], np.float32), names="tp")
    >>> labels.dtype, p.dtype
    (dtype('float32'), dtype('float32'))
    """
    if len(values) != len(names):
        raise ValueError("as_arrays needs one name per value")
    xp = array_namespace(*values)
    arrays = [as_array(v, n, xp) for v, n in zip(values, names, strict=True)]
    # Python scalars, lists and integer or boolean arrays (labels, counts) adopt the
    # precision of the floating arrays they meet.
    floating = [
        a
        for a, v in zip(arrays, values, strict=True)
        if (_is_array(v) or (isinstance(v, np.generic) and is_numpy_namespace(xp)))
        and _is_floating(v, xp)
    ]
    if floating:
        dtype = xp.result_type(*[a.dtype for a in floating])
        arrays = [a if a.dtype == dtype else xp.astype(a, dtype) for a in arrays]
    return (xp, *arrays)


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any array-API library to a NumPy array (for plotting and reports)."""
    if isinstance(x, np.ndarray):
        return x
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    try:
        return np.from_dlpack(x)
    except (TypeError, RuntimeError, AttributeError, BufferError):
        return np.asarray(x)


def as_vector(value: Any, name: str) -> np.ndarray:
    """Copy ``value`` to a finite, non-empty 1-D NumPy vector (for NumPy-only iterations).

    Converted as by :func:`as_array` (lists and integers become float64,
    float32 stays float32), then copied, so the caller may modify it freely.

    Examples
    --------
    >>> as_vector([1, 2], "x")
    array([1., 2.])
    >>> as_vector([[1.0, 2.0]], "x")
    Traceback (most recent call last):
    ...
    mlequations._array.ShapeError: x must be a 1-D vector, got shape (1, 2)
    """
    vector = np.array(to_numpy(as_array(value, name)), copy=True)
    if vector.ndim != 1:
        raise ShapeError(f"{name} must be a 1-D vector, got shape {vector.shape}")
    check_nonempty(vector, name)
    check_finite(vector, name, np)
    return vector


# --------------------------------------------------------------------------- checks


def _shape(x: Any) -> str:
    return str(tuple(int(d) for d in x.shape))


def _describe(value: Any) -> str:
    number = float(value)
    return f"{number:.6g}"


def normalize_axis(axis: int, ndim: int, name: str = "axis") -> int:
    """Return ``axis`` as a non-negative index, or raise a clear error."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ArrayTypeError(f"{name} must be an integer, got {type(axis).__name__}")
    if ndim == 0:
        raise ShapeError(f"{name} must be None for a scalar (an array of 0 dimensions), got {axis}")
    if not -ndim <= axis < ndim:
        raise ShapeError(
            f"{name} must be in [{-ndim}, {ndim}) for an array of {ndim} dimension(s), got {axis}"
        )
    return int(axis) % ndim


def check_nonempty(x: Any, name: str) -> None:
    """Raise :class:`EmptyInputError` if ``x`` has no elements."""
    if math.prod(int(d) for d in x.shape) == 0:
        raise EmptyInputError(f"{name} must not be empty, got shape {_shape(x)}")


def check_finite(x: Any, name: str, xp: Any | None = None) -> None:
    """Raise :class:`NonFiniteError` if ``x`` holds NaN or infinity."""
    xp = xp or array_namespace(x)
    if not bool(xp.all(xp.isfinite(x))):
        kind = "NaN" if bool(xp.any(xp.isnan(x))) else "infinity"
        raise NonFiniteError(f"{name} must be finite, got {kind}")


def check_nonnegative(x: Any, name: str, xp: Any | None = None) -> None:
    """Raise :class:`ValidationError` if any element of ``x`` is negative."""
    xp = xp or array_namespace(x)
    if bool(xp.any(x < 0)):
        raise ValidationError(f"{name} must be non-negative, got {_describe(xp.min(x))}")


def check_positive(x: Any, name: str, xp: Any | None = None) -> None:
    """Raise :class:`ValidationError` if any element of ``x`` is zero or negative."""
    xp = xp or array_namespace(x)
    if bool(xp.any(x <= 0)):
        raise ValidationError(f"{name} must be positive, got {_describe(xp.min(x))}")


def check_in_range(
    x: Any, name: str, low: float, high: float, xp: Any | None = None, *, closed: bool = True
) -> None:
    """Raise :class:`ValidationError` unless every element lies in [low, high] (or (low, high))."""
    xp = xp or array_namespace(x)
    inside = (x >= low) & (x <= high) if closed else (x > low) & (x < high)
    if not bool(xp.all(inside)):
        bad = xp.min(x) if bool(xp.any(x < low if closed else x <= low)) else xp.max(x)
        interval = f"[{low}, {high}]" if closed else f"({low}, {high})"
        raise ValidationError(f"{name} must lie in {interval}, got {_describe(bad)}")


def check_matrix(A: Any, name: str, *, square: bool = False, stacked: bool = True) -> None:
    """Raise :class:`ShapeError` unless ``A`` is a matrix (square if ``square``).

    With ``stacked`` (the default) a leading batch ``(..., m, n)`` is allowed;
    without it ``A`` must be exactly 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> check_matrix(np.ones((2, 3)), "A", square=True)
    Traceback (most recent call last):
    ...
    mlequations._array.ShapeError: A must be square, got shape (2, 3)
    """
    if A.ndim < 2 or (not stacked and A.ndim != 2):
        wanted = "a matrix (..., m, n)" if stacked else "a 2-D matrix"
        raise ShapeError(f"{name} must be {wanted}, got shape {tuple(A.shape)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"{name} must be square, got shape {tuple(A.shape)}")


def check_same_shape(a: Any, b: Any, name_a: str, name_b: str) -> None:
    """Raise :class:`ShapeError` unless ``a`` and ``b`` have the same shape."""
    if tuple(a.shape) != tuple(b.shape):
        raise ShapeError(
            f"{name_a} and {name_b} must have the same shape, got {_shape(a)} and {_shape(b)}"
        )


def broadcast_together(arrays: Sequence[Any], names: Sequence[str], xp: Any) -> list[Any]:
    """Broadcast ``arrays`` to one shape, or raise a :class:`ShapeError` naming them.

    Examples
    --------
    >>> import numpy as np
    >>> [a.shape for a in broadcast_together((np.ones(3), np.ones((2, 1))), "ab", np)]
    [(2, 3), (2, 3)]
    """
    shapes = [tuple(int(d) for d in a.shape) for a in arrays]
    try:
        target = np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(f"{n} {s}" for n, s in zip(names, shapes, strict=True))
        raise ShapeError(f"{' and '.join(names)} must broadcast together, got {listed}") from None
    return [a if tuple(a.shape) == target else xp.broadcast_to(a, target) for a in arrays]


def first_where(values: Any, mask: Any, xp: Any) -> float:
    """The first element of ``values`` where ``mask`` is true, as a float (for error messages).

    Examples
    --------
    >>> import numpy as np
    >>> first_where(np.asarray([0.5, -2.0, -3.0]), np.asarray([False, True, True]), np)
    -2.0
    """
    flat_mask = xp.astype(xp.reshape(mask, (-1,)), xp.int8)
    index = int(xp.argmax(flat_mask))
    return float(xp.reshape(values, (-1,))[index])


def check_probability(
    p: Any,
    name: str,
    xp: Any | None = None,
    *,
    axis: int | None = -1,
    atol: float | None = None,
) -> None:
    """Check that ``p`` is a probability vector or table.

    Every element must be finite and non-negative, and the sum along ``axis``
    (over all elements when ``axis`` is None) must equal 1 within ``atol``.
    By default ``atol`` is the larger of :data:`PROBABILITY_ATOL` and the
    rounding a sum of n numbers of ``p``'s dtype can carry, n · eps: a float32
    softmax over 50,000 classes sums to 1 only within a few 1e-6.

    Examples
    --------
    >>> check_probability([0.1, 0.3], "p")
    Traceback (most recent call last):
    ...
    mlequations._array.ProbabilityError: p must sum to 1 along axis -1, got 0.4
    """
    xp = xp or array_namespace(p)
    if not _is_array(p):
        p = as_array(p, name, xp)
    check_nonempty(p, name)
    if not bool(xp.all(xp.isfinite(p))):
        kind = "NaN" if bool(xp.any(xp.isnan(p))) else "infinity"
        raise ProbabilityError(f"{name} must hold finite probabilities, got {kind}")
    if bool(xp.any(p < 0)):
        raise ProbabilityError(
            f"{name} must hold non-negative probabilities, got {_describe(xp.min(p))}"
        )
    if axis is None:
        totals = xp.reshape(xp.sum(p), (1,))
        where, count = "over all elements", math.prod(int(d) for d in p.shape)
    else:
        count = int(p.shape[normalize_axis(axis, p.ndim)])
        totals = xp.reshape(xp.sum(p, axis=axis), (-1,))
        where = f"along axis {axis}"
    if atol is None:
        atol = max(PROBABILITY_ATOL, count * float(xp.finfo(p.dtype).eps))
    deviation = xp.abs(totals - 1.0)
    if bool(xp.any(deviation > atol)):
        worst = int(xp.argmax(deviation))
        digits = 15 if p.dtype == xp.float64 else 7  # enough to show a small gap, no noise
        total = f"{float(totals[worst]):.{digits}g}"
        raise ProbabilityError(f"{name} must sum to 1 {where}, got {total}")


# --------------------------------------------------------------------------- shared kernels


def xlogy(x: Any, y: Any, xp: Any) -> Any:
    """``x * log(y)`` with the convention ``0 * log(y) = 0`` (also for y = 0).

    The logarithm is only taken where ``x != 0``, so no warning is raised and
    gradients (e.g. PyTorch's autograd) stay finite at ``x = 0``. Where ``x > 0``
    and ``y = 0`` the result is ``-inf``.

    Examples
    --------
    >>> import numpy as np
    >>> xlogy(np.asarray([0.0, 0.5, 1.0]), np.asarray([0.0, 0.25, 0.0]), np)
    array([ 0.        , -0.69314718,        -inf])
    """
    zero_x = x == 0
    zero_y = (y == 0) & ~zero_x
    safe_y = xp.where(zero_x | zero_y, xp.ones_like(y), y)
    product = x * xp.log(safe_y)
    product = xp.where(zero_y, xp.full_like(product, -math.inf), product)
    return xp.where(zero_x, xp.zeros_like(product), product)


def erf(x: Any, xp: Any) -> Any:
    """The error function in the namespace of ``x``.

    The array API standard has no ``erf``; this dispatches to SciPy for NumPy,
    ``torch.special.erf`` for PyTorch (so autograd flows), JAX's and CuPy's
    own, and otherwise computes through NumPy/SciPy by DLPack and converts back.
    """
    if is_numpy_namespace(xp):
        from scipy import special

        return xp.asarray(special.erf(x), dtype=x.dtype)
    if array_api_compat.is_torch_array(x):
        import torch

        return torch.special.erf(x)
    if array_api_compat.is_jax_array(x):
        from jax.scipy import special as jax_special

        return jax_special.erf(x)
    if array_api_compat.is_cupy_array(x):
        from cupyx.scipy import special as cupy_special

        return cupy_special.erf(x)
    from scipy import special

    values = special.erf(to_numpy(x))
    return xp.asarray(values, dtype=x.dtype)
