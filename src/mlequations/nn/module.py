"""The :class:`Module`: the base of every layer and network, as ``torch.nn.Module``.

A module owns :class:`~mlequations.nn.Parameter` objects and sub-modules,
registered when they are assigned as attributes, in assignment order. Its
parameters are found recursively under dotted names that match PyTorch's
(``"0.weight"``, ``"net.1.bias"``), so a state dict copies between the two one
to one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations.autodiff import Tensor
from mlequations.nn.parameter import Parameter

__all__ = ["IncompatibleKeys", "Module"]


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` did not match (only non-empty when ``strict=False``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _check_name(name: Any, kind: str) -> str:
    if not isinstance(name, str):
        raise ArrayTypeError(f"{kind} name must be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise ValidationError(f"{kind} name must be non-empty and contain no '.', got {name!r}")
    return name


def _listed(names: list[Any], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _indented(text: str, spaces: int = 2) -> str:
    """Every line of ``text`` after the first indented by ``spaces``."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


class Module:
    """Base class of layers and networks: parameters, sub-modules, modes and state.

    Subclasses call ``super().__init__()`` first, assign parameters and
    sub-modules as attributes, and define :meth:`forward`; calling the module
    calls ``forward``.

    Examples
    --------
    >>> from mlequations import nn
    >>> class Affine(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = nn.Parameter([2.0])
    ...         self.inner = nn.Linear(3, 1)
    ...     def forward(self, x):
    ...         return self.inner(x) * self.scale
    >>> [name for name, _ in Affine().named_parameters()]
    ['scale', 'inner.weight', 'inner.bias']
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    # ----------------------------------------------------------------------- calling

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ----------------------------------------------------------------------- registration

    def _stores(self) -> tuple[dict[str, Any], dict[str, Any]]:
        parameters = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        if parameters is None or modules is None:
            raise AttributeError(
                f"cannot assign parameters or sub-modules to {type(self).__name__} before "
                f"Module.__init__() is called (call super().__init__() first)"
            )
        return parameters, modules

    def _forget(self, name: str, keep: dict[str, Any]) -> None:
        """Remove ``name`` from everywhere but ``keep`` (where a reassignment keeps its place)."""
        for store in self._stores():
            if store is not keep:
                store.pop(name, None)
        self.__dict__.pop(name, None)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            parameters, _ = self._stores()
            self._forget(name, keep=parameters)
            parameters[name] = value
        elif isinstance(value, Module):
            _, modules = self._stores()
            self._forget(name, keep=modules)
            modules[name] = value
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise ArrayTypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__} (a Parameter or None expected)"
                )
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise ArrayTypeError(
                    f"cannot assign {type(value).__name__} as sub-module {name!r} of "
                    f"{type(self).__name__} (a Module or None expected)"
                )
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Called only when ordinary lookup fails: parameters and sub-modules live in their stores.
        for store in ("_parameters", "_modules"):
            entries = self.__dict__.get(store)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for store in ("_parameters", "_modules"):
            entries = self.__dict__.get(store)
            if entries is not None and name in entries:
                del entries[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or an absent parameter, None) under ``name``."""
        _check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise ArrayTypeError(f"param must be a Parameter or None, got {type(param).__name__}")
        parameters, _ = self._stores()
        self._forget(name, keep=parameters)
        parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as a sub-module under ``name``."""
        _check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise ArrayTypeError(f"module must be a Module or None, got {type(module).__name__}")
        _, modules = self._stores()
        self._forget(name, keep=modules)
        modules[name] = module

    # ----------------------------------------------------------------------- traversal

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every sub-module (each once), depth first, with dotted names."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{key}" if name else key, child)
                for key, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every sub-module, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their names."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter (a shared one once) with its dotted name, as PyTorch names it."""
        seen: set[int] = set()
        owners = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for owner, module in owners:
            for key, param in module._parameters.items():
                if param is not None and id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{owner}.{key}" if owner else key), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter, for an optimiser: ``SGD(model.parameters(), lr=0.1)``."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module and then on this one (e.g. to initialise weights)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------------- modes and gradients

    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active) on this module and all sub-modules."""
        if not isinstance(mode, bool):
            raise ArrayTypeError(f"mode must be True or False, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode (dropout is the identity): ``train(False)``."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Clear the gradient of every parameter (set ``.grad`` to None)."""
        for param in self.parameters():
            param.grad = None

    # ----------------------------------------------------------------------- state

    def _state_items(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter slot under its dotted name, as PyTorch's state_dict walks them."""
        for key, param in self._parameters.items():
            if param is not None:
                yield prefix + key, param
        for key, child in self._modules.items():
            if child is not None:
                yield from child._state_items(f"{prefix}{key}.")

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Every parameter's values as a copy, under PyTorch's names.

        Examples
        --------
        >>> from mlequations import nn
        >>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
        >>> {name: value.shape for name, value in model.state_dict().items()}
        {'0.weight': (3, 4), '0.bias': (3,), '2.weight': (2, 3), '2.bias': (2,)}
        """
        return OrderedDict(
            (name, np.array(param.data, copy=True)) for name, param in self._state_items()
        )

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state`` into the parameters, after checking all of them.

        Parameters
        ----------
        state : mapping of str to array
            As returned by :meth:`state_dict` or :func:`mlequations.nn.load_state`.
        strict : bool, default True
            Require exactly the module's names: no key missing, none unexpected.

        Returns
        -------
        IncompatibleKeys
            The missing and unexpected keys (empty lists when ``strict``).

        Raises
        ------
        ValidationError
            Naming the missing and unexpected keys (with ``strict``).
        ShapeError, ArrayTypeError
            Naming the entry whose shape or dtype differs from its parameter's.
            Nothing is copied unless every entry fits.
        """
        if not isinstance(state, Mapping):
            raise ArrayTypeError(
                f"state must be a mapping of names to arrays, got {type(state).__name__}"
            )
        if not isinstance(strict, bool):
            raise ArrayTypeError(f"strict must be True or False, got {strict!r}")
        own = dict(self._state_items())
        missing = [name for name in own if name not in state]
        unexpected = [name for name in state if name not in own]
        if strict and (missing or unexpected):
            problems = [f"missing key(s) {_listed(missing)}"] if missing else []
            problems += [f"unexpected key(s) {_listed(unexpected)}"] if unexpected else []
            raise ValidationError(
                f"state does not match {type(self).__name__}: {'; '.join(problems)} "
                f"(expected keys: {_listed(list(own))})"
            )
        values = {
            name: _checked(name, state[name], param) for name, param in own.items() if name in state
        }
        for name, value in values.items():
            param = own[name]
            if param.data.flags.writeable:
                np.copyto(param.data, value)
            else:
                param.data = np.array(value, copy=True)
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------------- printing

    def extra_repr(self) -> str:
        """The arguments shown inside the parentheses of :meth:`__repr__`."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr().split("\n") if self.extra_repr() else []
        children = [
            f"({name}): {_indented(repr(child))}"
            for name, child in self._modules.items()
            if child is not None
        ]
        if len(extra) == 1 and not children:
            return f"{type(self).__name__}({extra[0]})"
        lines = extra + children
        body = "\n  " + "\n  ".join(lines) + "\n" if lines else ""
        return f"{type(self).__name__}({body})"


def _checked(name: str, value: Any, param: Parameter) -> np.ndarray:
    """``value`` as an array with the parameter's shape and dtype, or an error naming ``name``."""
    if isinstance(value, Tensor):
        value = value.data
    if not isinstance(value, np.ndarray):
        raise ArrayTypeError(f"state[{name!r}] must be a NumPy array, got {type(value).__name__}")
    if value.shape != param.shape:
        raise ShapeError(
            f"state[{name!r}] must have shape {param.shape} like parameter {name!r}, "
            f"got {value.shape}"
        )
    if value.dtype != param.dtype:
        raise ArrayTypeError(
            f"state[{name!r}] must have dtype {param.dtype} like parameter {name!r}, "
            f"got {value.dtype}"
        )
    return value
