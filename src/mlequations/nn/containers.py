"""Containers: :class:`Sequential` (modules applied in order) and the :class:`MLP` built on it.

A sequential network is the composition :math:`f_L \\circ \\dots \\circ f_1`;
its children are named ``"0"``, ``"1"``, ... so its parameters are
``"0.weight"``, ``"0.bias"``, ``"2.weight"``, ... exactly as in PyTorch.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer
from mlequations.nn.activation import GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Tanh
from mlequations.nn.linear import Linear
from mlequations.nn.module import Module

__all__ = ["MLP", "Sequential"]


class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b)(x) == b(a(x))``.

    Parameters
    ----------
    *modules : Module
        The layers in order (named ``"0"``, ``"1"``, ...), or one
        :class:`collections.OrderedDict` of names to modules.

    Examples
    --------
    >>> import numpy as np
    >>> from mlequations import nn
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> len(model), model[1], model(np.ones((5, 3))).shape
    (3, ReLU(), (5, 2))
    >>> model
    Sequential(
      (0): Linear(in_features=3, out_features=4, bias=True)
      (1): ReLU()
      (2): Linear(in_features=4, out_features=2, bias=True)
    )
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for module in modules:
                self.append(module)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position) and return the container."""
        if not isinstance(module, Module):
            raise ArrayTypeError(f"Sequential takes Module instances, got {type(module).__name__}")
        self.add_module(str(len(self._modules)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        if isinstance(index, bool) or not isinstance(index, int):
            raise ArrayTypeError(f"index must be an integer or a slice, got {type(index).__name__}")
        if not -len(items) <= index < len(items):
            raise IndexError(
                f"index {index} is out of range for a Sequential of length {len(items)}"
            )
        return items[index][1]

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


#: The activations :class:`MLP` accepts by name.
ACTIVATION_LAYERS: dict[str, Callable[[], Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "gelu": GELU,
    "silu": SiLU,
}


class MLP(Sequential):
    """A multilayer perceptron: Linear layers between consecutive ``sizes``, activations between.

    ``MLP([784, 256, 10])`` is ``Sequential(Linear(784, 256), ReLU(), Linear(256, 10))``
    with the same parameter names (``"0.weight"``, ``"2.bias"``, ...); no
    activation follows the last layer, whose outputs are the logits.

    Parameters
    ----------
    sizes : sequence of int
        The width of every layer, input first; at least two.
    activation : str or callable, default "relu"
        One of ``relu, leaky_relu, sigmoid, tanh, gelu, silu``, or a callable
        with no arguments returning a Module (e.g. ``nn.Tanh``).
    bias : bool, default True
    dtype : {"float32", "float64"}, default "float32"

    Examples
    --------
    >>> from mlequations import nn
    >>> model = nn.MLP([4, 8, 3], activation="tanh")
    >>> [name for name, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> model[1]
    Tanh()
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Callable[[], Module] = "relu",
        bias: bool = True,
        dtype: Any = "float32",
    ) -> None:
        super().__init__()
        if isinstance(sizes, str) or not isinstance(sizes, Sequence) or len(sizes) < 2:
            raise ValidationError(
                f"sizes must be a sequence of at least two layer widths, got {sizes!r}"
            )
        sizes = [check_integer(size, "sizes entries", 1) for size in sizes]
        make_activation = _activation_factory(activation)
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            if i > 0:
                self.append(_made(make_activation))
            self.append(Linear(fan_in, fan_out, bias=bias, dtype=dtype))
        self.sizes = tuple(sizes)


def _activation_factory(activation: Any) -> Callable[[], Module]:
    if isinstance(activation, str):
        if activation not in ACTIVATION_LAYERS:
            raise ValidationError(
                f"activation must be one of {sorted(ACTIVATION_LAYERS)} or a callable returning "
                f"a Module, got {activation!r}"
            )
        return ACTIVATION_LAYERS[activation]
    if isinstance(activation, Module):
        raise ArrayTypeError(
            f"activation must be a name or a callable making a new Module (nn.Tanh, not "
            f"nn.Tanh()), got the instance {activation!r}"
        )
    if not callable(activation):
        raise ArrayTypeError(f"activation must be a name or a callable, got {activation!r}")
    return activation


def _made(factory: Callable[[], Module]) -> Module:
    module = factory()
    if not isinstance(module, Module):
        raise ArrayTypeError(f"activation() must return a Module, got {type(module).__name__}")
    return module
