r"""The :class:`Optimizer` base class: parameter groups, ``zero_grad``, ``step`` and its state.

An optimizer holds the parameters :math:`\theta` it updates, split into
*parameter groups* (plain dicts with a ``"params"`` list and one value of every
option, such as ``"lr"``), and a per-parameter *state* (momentum buffers,
moment estimates). :meth:`Optimizer.step` applies one update rule,

.. math::

    \theta \leftarrow \theta - \gamma\, d(\nabla_\theta L),

to every parameter whose ``.grad`` is set, in place on ``.data``. The names
follow :mod:`torch.optim`. Any object with a ``.data`` float NumPy array and a
``.grad`` attribute (an array of the same shape, or ``None``) is a parameter,
so optimizers do not depend on :mod:`mlequations.nn`.

:meth:`~Optimizer.state_dict` holds only NumPy arrays, Python numbers,
booleans, lists and dicts, so it can be saved without pickle.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ShapeError, ValidationError
from mlequations._checks import check_real_number
from mlequations.autodiff.mode import enable_grad, no_grad

__all__ = ["Optimizer", "check_fraction", "check_nonnegative_number"]

#: Keys a parameter group may hold besides "params" and the optimizer's options.
_EXTRA_GROUP_KEYS = frozenset({"initial_lr"})


def check_nonnegative_number(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is a finite real number >= 0.

    Examples
    --------
    >>> check_nonnegative_number(-0.1, "lr")
    Traceback (most recent call last):
    ...
    mlequations._array.ValidationError: lr must be a non-negative finite number, got -0.1
    """
    number = check_real_number(value, name)
    if not (math.isfinite(number) and number >= 0):
        raise ValidationError(f"{name} must be a non-negative finite number, got {value}")
    return number


def check_fraction(value: Any, name: str) -> float:
    """Return ``value`` as a float if it lies in [0, 1) (a decay rate such as a beta)."""
    number = check_real_number(value, name)
    if not 0.0 <= number < 1.0:
        raise ValidationError(f"{name} must lie in [0, 1), got {value}")
    return number


def _is_parameter(value: Any) -> bool:
    return hasattr(value, "data") and hasattr(value, "grad")


def _check_parameter(value: Any, where: str) -> Any:
    if not _is_parameter(value):
        raise ArrayTypeError(
            f"{where} must be a parameter (an object with .data and .grad, such as "
            f"Tensor(..., requires_grad=True)), got {type(value).__name__}"
        )
    data = value.data
    if not isinstance(data, np.ndarray) or data.dtype not in (np.float32, np.float64):
        kind = getattr(data, "dtype", type(data).__name__)
        raise ArrayTypeError(f"{where}.data must be a float32 or float64 NumPy array, got {kind}")
    return value


class Optimizer:
    r"""Base class of the optimizers: parameter groups, gradient reset, update, saved state.

    Parameters
    ----------
    params : iterable of parameters, or iterable of dicts
        The tensors to optimise, or parameter groups: dicts with a ``"params"``
        entry and any options that differ from ``defaults`` (``{"params": head,
        "lr": 0.01}``).
    defaults : dict
        The value of every option of the optimizer, used where a group does
        not set it.

    Notes
    -----
    A subclass defines :meth:`_check_options` (validate and normalise one
    group's options), :meth:`_state_names` (the per-parameter state entries)
    and :meth:`_update_group` (the update rule).

    Examples
    --------
    Sign descent, :math:`\theta \leftarrow \theta - \gamma\,\operatorname{sign} g`:

    >>> from mlequations.autodiff import Tensor
    >>> class SignDescent(Optimizer):
    ...     def __init__(self, params, lr):
    ...         super().__init__(params, {"lr": lr})
    ...     def _update_group(self, group):
    ...         for p in group["params"]:
    ...             if p.grad is not None:
    ...                 p.data -= group["lr"] * np.sign(p.grad)
    >>> theta = Tensor([3.0, -2.0], requires_grad=True)
    >>> optimizer = SignDescent([theta], lr=0.5)
    >>> (theta**2).sum().backward()
    >>> optimizer.step()
    >>> theta.data
    array([ 2.5, -1.5])
    """

    #: Per-parameter state entries that are step counts (integers), not arrays.
    _count_names: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Any, dict[str, Any]] = {}
        self._workspace: dict[int, np.ndarray] = {}
        if _is_parameter(params) or isinstance(params, np.ndarray | dict):
            raise ArrayTypeError(
                "params must be an iterable of parameters or of dicts (parameter groups), "
                f"got a single {type(params).__name__}"
            )
        groups = list(params)
        if not groups:
            raise ValidationError("params must not be empty: the optimizer got no parameters")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------------- groups

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones from ``defaults``)."""
        if not isinstance(param_group, dict):
            raise ArrayTypeError(
                f"a parameter group must be a dict, got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValidationError("a parameter group must have a 'params' entry")
        where = f"param_groups[{len(self.param_groups)}]"
        params = param_group["params"]
        params = [params] if _is_parameter(params) else list(params)
        if not params:
            raise ValidationError(f"{where}['params'] must not be empty")
        params = [_check_parameter(p, f"{where}['params'][{i}]") for i, p in enumerate(params)]
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if len({id(p) for p in params}) != len(params) or seen & {id(p) for p in params}:
            raise ValidationError(f"{where}: a parameter appears more than once in the optimizer")
        options = {k: v for k, v in param_group.items() if k != "params"}
        group = {"params": params, **self._options(options, where)}
        self.param_groups.append(group)

    def _options(self, options: dict[str, Any], where: str) -> dict[str, Any]:
        """The full, validated options of a group: its own, then the defaults."""
        unknown = set(options) - set(self.defaults) - _EXTRA_GROUP_KEYS
        if unknown:
            raise ValidationError(
                f"{where} has unknown option(s) {sorted(unknown)}; "
                f"{type(self).__name__} takes {sorted(self.defaults)}"
            )
        merged = {**self.defaults, **options}
        extras = {k: check_nonnegative_number(v, k) for k, v in merged.items() if k == "initial_lr"}
        return {**self._check_options(merged), **extras}

    def _check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Validate one group's options and return them normalised (subclasses override)."""
        return options

    def _state_names(self, group: dict[str, Any]) -> tuple[str, ...]:
        """The entries of a parameter's state after its first step (subclasses override)."""
        return ()

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define _update_group")

    # ----------------------------------------------------------------------- the step

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: ``None`` (the default) or zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place; return ``closure()`` if given.

        ``closure`` re-evaluates the model and returns the loss (with its
        gradients computed); it runs with gradient recording on, the update
        without.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _gradient(self, p: Any) -> np.ndarray | None:
        """The gradient of ``p`` as an array of its shape, or None to skip it."""
        grad = p.grad
        if grad is None:
            return None
        if getattr(grad, "shape", None) != p.data.shape:
            raise ShapeError(
                f"a parameter of shape {p.data.shape} has a gradient of shape "
                f"{getattr(grad, 'shape', type(grad).__name__)}"
            )
        return grad

    def _work(self, p: Any) -> np.ndarray:
        """A scratch array shaped like ``p.data``, kept between steps to spare allocations."""
        work = self._workspace.get(id(p))
        if work is None or work.shape != p.data.shape or work.dtype != p.data.dtype:
            work = self._workspace[id(p)] = np.empty_like(p.data)
        return work

    # ----------------------------------------------------------------------- saved state

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as NumPy arrays (copies) and plain Python values.

        ``{"state": {index: {name: value}}, "param_groups": [{option: value,
        "params": [index, ...]}]}``, where parameters are numbered in the order
        of the groups, as in PyTorch.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            numbers_ = [index.setdefault(id(p), len(index)) for p in group["params"]]
            options = {k: list(v) if isinstance(v, tuple) else v for k, v in group.items()}
            groups.append({**options, "params": numbers_})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {
                        name: value.copy() if isinstance(value, np.ndarray) else value
                        for name, value in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`, after checking that it fits these parameters.

        Raises
        ------
        ValidationError, ShapeError, ArrayTypeError
            Another number of groups or of parameters, unknown options or
            state entries, arrays of another shape or dtype than the parameter.
        """
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValidationError(
                f"state_dict must be a dict with keys 'state' and 'param_groups', got {got}"
            )
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValidationError(
                f"state_dict has {len(saved_groups)} parameter group(s), the optimizer has "
                f"{len(self.param_groups)}"
            )
        groups, by_index = self._loaded_groups(saved_groups)
        state = self._loaded_state(state_dict["state"], by_index, groups)
        self.param_groups = groups
        self.state = state

    def _loaded_groups(self, saved: list[Any]) -> tuple[list[dict[str, Any]], dict[Any, Any]]:
        groups, by_index = [], {}
        for g, (old, new) in enumerate(zip(self.param_groups, saved, strict=True)):
            where = f"state_dict['param_groups'][{g}]"
            if not isinstance(new, dict) or "params" not in new:
                raise ValidationError(f"{where} must be a dict with a 'params' entry")
            indices = list(new["params"])
            if len(indices) != len(old["params"]):
                raise ValidationError(
                    f"{where} has {len(indices)} parameter(s), the optimizer's group {g} has "
                    f"{len(old['params'])}"
                )
            for i, p in zip(indices, old["params"], strict=True):
                if isinstance(i, bool) or not isinstance(i, numbers.Integral) or i in by_index:
                    raise ValidationError(f"{where}['params'] must be distinct integers, got {i!r}")
                by_index[int(i)] = (p, len(groups))
            options = {k: v for k, v in new.items() if k != "params"}
            missing = set(self.defaults) - set(options)
            if missing:
                raise ValidationError(f"{where} lacks the option(s) {sorted(missing)}")
            groups.append({"params": old["params"], **self._options(options, where)})
        return groups, by_index

    def _loaded_state(
        self, saved: Any, by_index: dict[Any, Any], groups: list[dict[str, Any]]
    ) -> dict[Any, dict[str, Any]]:
        if not isinstance(saved, dict):
            raise ValidationError(f"state_dict['state'] must be a dict, got {type(saved).__name__}")
        state: dict[Any, dict[str, Any]] = {}
        for index, entries in saved.items():
            if index not in by_index:
                raise ValidationError(
                    f"state_dict['state'] has an entry for parameter {index!r}, which no group has"
                )
            p, g = by_index[index]
            where = f"state_dict['state'][{index!r}]"
            state[p] = self._loaded_entries(entries, p, groups[g], where)
        return state

    def _loaded_entries(
        self, entries: Any, p: Any, group: dict[str, Any], where: str
    ) -> dict[str, Any]:
        names = self._state_names(group)
        if not isinstance(entries, dict) or set(entries) != set(names):
            got = sorted(entries) if isinstance(entries, dict) else type(entries).__name__
            raise ValidationError(f"{where} must hold the entries {sorted(names)}, got {got}")
        loaded: dict[str, Any] = {}
        for name, value in entries.items():
            if name in self._count_names:
                if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                    raise ValidationError(f"{where}[{name!r}] must be a count >= 0, got {value!r}")
                loaded[name] = int(value)
                continue
            if not isinstance(value, np.ndarray):
                raise ArrayTypeError(
                    f"{where}[{name!r}] must be a NumPy array, got {type(value).__name__}"
                )
            if value.shape != p.data.shape or value.dtype != p.data.dtype:
                raise ShapeError(
                    f"{where}[{name!r}] must have the parameter's shape {p.data.shape} and dtype "
                    f"{p.data.dtype}, got {value.shape} {value.dtype}"
                )
            loaded[name] = value.copy()
        return loaded

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])
