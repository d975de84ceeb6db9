r"""The :class:`Tensor`: a NumPy array that remembers how it was computed.

A tensor made by an operation on tensors that require gradients is a node of
the computational graph: it keeps its parents and a ``backward`` function, the
vector-Jacobian product of that one operation,

.. math::

    \bar{x}_i = \sum_j \bar{y}_j \frac{\partial y_j}{\partial x_i},

written next to its forward computation in the ``ops_*`` modules. The engine
(:mod:`mlequations.autodiff.engine`) walks the graph backwards and applies the
chain rule. Constants (``requires_grad=False``) and anything computed under
:func:`no_grad` record nothing.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError
from mlequations.autodiff import mode

__all__ = ["Tensor", "record"]

_FLOATING = (np.dtype(np.float32), np.dtype(np.float64))
_DTYPE_NAMES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}

#: The type of a backward function: upstream gradient -> one gradient (or None) per parent.
Backward = Callable[[np.ndarray], Sequence[np.ndarray | None]]


def _as_dtype(dtype: Any) -> np.dtype:
    try:
        resolved = np.dtype(_DTYPE_NAMES.get(dtype, dtype))
    except TypeError:
        resolved = None
    if resolved is None or resolved not in _FLOATING:  # None == np.dtype("float64") holds
        raise ArrayTypeError(f"dtype must be float32 or float64, got {dtype!r}")
    return resolved


def _as_data(data: Any, dtype: Any) -> np.ndarray:
    """A float32 or float64 NumPy array from ``data`` (integers and booleans become float64)."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as error:
        raise ArrayTypeError(f"data must be an array of real numbers, got {error}") from None
    if dtype is not None:
        target = _as_dtype(dtype)
    elif array.dtype in _FLOATING:
        target = array.dtype
    elif array.dtype.kind in "biu":
        target = np.dtype(np.float64)
    else:
        raise ArrayTypeError(
            f"data must hold real numbers (float32 or float64; integers and booleans become "
            f"float64), got dtype {array.dtype}"
        )
    return array.astype(target, copy=False)


class Tensor:
    """A float32 or float64 NumPy array with reverse-mode automatic differentiation.

    Parameters
    ----------
    data : array_like
        The values. Python numbers, lists, integer and boolean arrays become
        float64; float32 and float64 arrays keep their precision.
    requires_grad : bool, default False
        Whether gradients with respect to this tensor are wanted. Only such
        tensors (and the results of operations on them) enter the graph.
    dtype : {"float32", "float64"} or numpy dtype, optional
        Convert ``data`` to this precision.
    name : str, optional
        A label for :meth:`graph` (``"θ1"``).

    Examples
    --------
    >>> theta = Tensor([1.0, -1.0, 1.0], requires_grad=True)
    >>> g = (theta**2 * Tensor([1.0, 2.0, -1.0])).sum()
    >>> g.backward()
    >>> theta.grad
    array([ 2., -4., -2.])
    """

    __slots__ = (
        "__weakref__",
        "_backward",
        "_op",
        "_parents",
        "data",
        "grad",
        "name",
        "requires_grad",
    )
    # NumPy defers to our reflected operators: ``array + tensor`` is a tensor.
    __array_ufunc__ = None

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if not isinstance(requires_grad, bool | np.bool_):
            raise ArrayTypeError(f"requires_grad must be True or False, got {requires_grad!r}")
        self.data: np.ndarray = _as_data(data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Backward | None = None
        self._op: str = ""

    # ----------------------------------------------------------------------- properties

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an operation on the graph."""
        return self._backward is None

    @property
    def op(self) -> str:
        """The name of the operation that made this tensor (``""`` for a leaf)."""
        return self._op

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The tensors this one was computed from (empty for a leaf or a constant)."""
        return self._parents

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = [f"dtype={self.dtype}"] if self.dtype != np.float64 else []
        if self._backward is not None:
            extras.append(f"op={self._op.replace('{}', '·')}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    # ----------------------------------------------------------------------- leaving the graph

    def detach(self) -> Tensor:
        """The same values (shared memory) as a constant: no gradient flows through it."""
        return Tensor(self.data)

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shared memory, like ``torch.Tensor.numpy``)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ShapeError(f"item() needs a tensor with one element, got shape {self.data.shape}")
        return float(self.data.reshape(()))

    def tolist(self) -> Any:
        return self.data.tolist()

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set :attr:`requires_grad` on a leaf in place and return it."""
        if self._backward is not None:
            raise ValueError(
                f"requires_grad can only be changed on a leaf; this tensor was made by {self._op}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self) -> None:
        """Clear the accumulated gradient (set :attr:`grad` to ``None``)."""
        self.grad = None

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __float__(self) -> float:
        return self.item()

    # ----------------------------------------------------------------------- differentiation

    def backward(self, gradient: Any = None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of every leaf it needs.

        Parameters
        ----------
        gradient : array_like, optional
            The gradient of the final objective with respect to this tensor
            (``∂L/∂self``), of this tensor's shape. May be left out for a
            tensor with one element, where it is 1.

        Notes
        -----
        As in PyTorch, leaf gradients accumulate over calls: call
        :meth:`zero_grad` (or ``optimizer.zero_grad()``) between steps. The graph
        is kept, so calling ``backward`` twice adds the gradient twice (PyTorch's
        ``retain_graph=True``).
        """
        from mlequations.autodiff.engine import backpropagate

        backpropagate(self, gradient)

    def graph(self) -> Any:
        """The computational graph that produced this tensor.

        Returns a :class:`~mlequations.autodiff.graph.Graph`; ``.to_dot()`` is
        Graphviz DOT text and ``.trace()`` lists, node by node, the forward value,
        the local derivative and the gradient that flows back.
        """
        from mlequations.autodiff.graph import Graph

        return Graph.of(self)

    # ----------------------------------------------------------------------- arithmetic

    def __add__(self, other: Any) -> Tensor:
        return ops_arithmetic.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops_arithmetic.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops_arithmetic.subtract(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops_arithmetic.subtract(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops_arithmetic.multiply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops_arithmetic.multiply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops_arithmetic.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops_arithmetic.divide(other, self)

    def __pow__(self, exponent: Any) -> Tensor:
        return ops_arithmetic.power(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return ops_arithmetic.power(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops_arithmetic.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops_arithmetic.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops_arithmetic.negative(self)

    def __pos__(self) -> Tensor:
        return self

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _values(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _values(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _values(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _values(other)

    __hash__ = object.__hash__

    # ----------------------------------------------------------------------- element-wise

    def exp(self) -> Tensor:
        return ops_elementwise.exp(self)

    def log(self) -> Tensor:
        return ops_elementwise.log(self)

    def sqrt(self) -> Tensor:
        return ops_elementwise.sqrt(self)

    def abs(self) -> Tensor:
        return ops_elementwise.abs(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        return ops_elementwise.clip(self, min, max)

    def relu(self) -> Tensor:
        return ops_activations.relu(self)

    def sigmoid(self) -> Tensor:
        return ops_activations.sigmoid(self)

    def tanh(self) -> Tensor:
        return ops_activations.tanh(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return ops_activations.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return ops_activations.log_softmax(self, axis)

    # ----------------------------------------------------------------------- reductions

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return ops_reductions.sum(self, axis, keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return ops_reductions.mean(self, axis, keepdims)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return ops_reductions.max(self, axis, keepdims)

    # ----------------------------------------------------------------------- shape

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return ops_shape.reshape(self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        return ops_shape.transpose(self, axes or None)

    def permute(self, *axes: Any) -> Tensor:
        """Reorder the axes (``torch.permute``); the same as :meth:`transpose` with axes."""
        return self.transpose(*axes)

    @property
    def T(self) -> Tensor:  # noqa: N802 - the name NumPy and PyTorch use
        """The axes reversed, as NumPy's ``.T``."""
        return ops_shape.transpose(self, None)

    def __getitem__(self, index: Any) -> Tensor:
        return ops_shape.getitem(self, index)

    def gather(self, axis: int, index: Any) -> Tensor:
        return ops_shape.gather(self, axis, index)


def _values(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def record(op: str, data: np.ndarray, parents: tuple[Tensor, ...], backward: Backward) -> Tensor:
    """Wrap the result ``data`` of operation ``op`` and, if it needs a gradient, link it.

    ``op`` names the operation for :meth:`Tensor.graph`: a function name
    (``"exp"``, shown as ``exp(x)``) or a template with ``{}`` for the input
    (``"{} ** 2"``, shown as ``x ** 2``).

    ``backward(g)`` receives ``∂L/∂result`` (the result's shape) and returns one
    array or ``None`` per parent: ``∂L/∂parent`` before broadcasting is undone,
    which the engine does in one place (:func:`~mlequations.autodiff.engine.sum_to_shape`).
    The arrays returned must be new (or views of ``g``): a leaf may keep one as
    its ``.grad`` without copying, so an array the backward function holds on to
    (a cached constant) must be copied before it is returned.
    A result records its parents only when gradients are enabled and some
    parent requires one; constants cost nothing.
    """
    out = Tensor.__new__(Tensor)
    # NumPy gives a scalar, not an array, for a 0-d result (np.exp(np.asarray(1.0))).
    out.data = data if isinstance(data, np.ndarray) else np.asarray(data)
    out.grad = None
    out.name = None
    if mode.enabled and any(p.requires_grad for p in parents):
        out.requires_grad = True
        out._parents = parents
        out._backward = backward
        out._op = op
    else:
        out.requires_grad = False
        out._parents = ()
        out._backward = None
        out._op = ""
    return out


def lift(value: Any, like: np.dtype) -> Tensor:
    """``value`` as a tensor; Python numbers and integer arrays take the dtype ``like``.

    So ``tensor32 * 2`` and ``tensor32 + np.arange(3)`` stay float32, while two
    tensors of different precision promote as NumPy does.
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, np.floating):
        return Tensor(np.asarray(value, dtype=like))
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        return Tensor(array.astype(like))
    return Tensor(array)


# The operations import Tensor from this module; importing them last closes the cycle.
from mlequations.autodiff import (  # noqa: E402
    ops_activations,
    ops_arithmetic,
    ops_elementwise,
    ops_reductions,
    ops_shape,
)
