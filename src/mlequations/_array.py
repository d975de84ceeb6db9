"""Layer 0: the array namespace, conversion to arrays, and the errors every equation raises.

Every public function of layer 1 starts the same way::

    xp, p, q = as_arrays(p, q, names=("p", "q"))

which turns Python lists and scalars into float64 NumPy arrays, keeps array-API
arrays (NumPy, PyTorch, CuPy, JAX, Dask, array-api-strict) of the caller's kind,
promotes integer and boolean arrays to the namespace's default floating type,
and returns the namespace ``xp`` that the rest of the function uses.

The checks of :mod:`mlequations._checks` raise :class:`ValidationError`
subclasses (which are ``ValueError``) or :class:`ArrayTypeError` (a
``TypeError``) with a message that names the argument, says what was expected
and what came, e.g.
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
    "ArrayTypeError",
    "EmptyInputError",
    "NonFiniteError",
    "ProbabilityError",
    "ShapeError",
    "ValidationError",
    "array_namespace",
    "as_array",
    "as_arrays",
    "erf",
    "float_dtype",
    "is_numpy_namespace",
    "native",
    "to_numpy",
    "xlogy",
]


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


_NUMPY = array_api_compat.array_namespace(np.empty(0))
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _all_same_float_ndarrays(values: Sequence[Any]) -> bool:
    """True when every value is a NumPy ndarray of one floating dtype (nothing to convert)."""
    first = values[0] if values else None
    if type(first) is not np.ndarray or first.dtype not in _FLOAT_DTYPES:
        return False
    return all(type(v) is np.ndarray and v.dtype == first.dtype for v in values)


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
    if _all_same_float_ndarrays(values):
        return (_NUMPY, *values)  # the common case, checked in a few hundred nanoseconds
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
