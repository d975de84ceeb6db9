r"""Layer 2: reverse-mode automatic differentiation on NumPy arrays.

The third way to a gradient, beside the symbolic and the numerical ones of
:mod:`mlequations.calculus`: record the computational graph of the forward
pass, then apply the chain rule backwards through it, one local derivative at
a time. The result is exact (up to rounding) like the symbolic derivative and
costs about as much as one more forward pass, whatever the number of inputs.

>>> from mlequations.autodiff import Tensor
>>> theta = Tensor([1.0, -1.0, 1.0], requires_grad=True)
>>> g = theta[0] ** 2 + 2 * theta[1] ** 2 - theta[2] ** 2
>>> g.backward()
>>> theta.grad
array([ 2., -4., -2.])

Names follow PyTorch: :class:`Tensor` with ``.grad``, ``.backward()``,
``.detach()``; :func:`no_grad`; broadcasting, float32 and float64.
"""

from mlequations.autodiff.engine import sum_to_shape
from mlequations.autodiff.functional import GradcheckError, grad, gradcheck
from mlequations.autodiff.graph import Graph
from mlequations.autodiff.mode import enable_grad, is_grad_enabled, no_grad
from mlequations.autodiff.ops_activations import (
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    swish,
    tanh,
)
from mlequations.autodiff.ops_arithmetic import (
    add,
    divide,
    linear,
    matmul,
    multiply,
    negative,
    power,
    subtract,
)
from mlequations.autodiff.ops_elementwise import abs, clip, exp, log, sqrt, where
from mlequations.autodiff.ops_reductions import max, mean, sum
from mlequations.autodiff.ops_shape import (
    concatenate,
    gather,
    getitem,
    reshape,
    stack,
    transpose,
)
from mlequations.autodiff.tensor import Tensor, record

__all__ = [
    "GradcheckError",
    "Graph",
    "Tensor",
    "abs",
    "add",
    "clip",
    "concatenate",
    "divide",
    "enable_grad",
    "exp",
    "gather",
    "gelu",
    "getitem",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "leaky_relu",
    "linear",
    "log",
    "log_softmax",
    "matmul",
    "max",
    "mean",
    "multiply",
    "negative",
    "no_grad",
    "power",
    "record",
    "relu",
    "reshape",
    "sigmoid",
    "silu",
    "softmax",
    "sqrt",
    "stack",
    "subtract",
    "sum",
    "sum_to_shape",
    "swish",
    "tanh",
    "transpose",
    "where",
]
