"""Saving and loading a module's parameters as a NumPy ``.npz`` archive (no pickle).

:func:`save` writes ``module.state_dict()`` (one array per dotted name);
:func:`load_state` reads it back with ``allow_pickle=False``, so a file can
only ever hold plain numeric arrays, never code. Loading into a model goes
through :meth:`~mlequations.nn.Module.load_state_dict`, which checks every
name, shape and dtype::

    nn.save(model, "model.npz")
    model.load_state_dict(nn.load_state("model.npz"))
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ValidationError
from mlequations.autodiff import Tensor
from mlequations.nn.module import Module

__all__ = ["load_state", "save"]


def _arrays(obj: Module | Mapping[str, Any]) -> dict[str, np.ndarray]:
    if isinstance(obj, Module):
        return dict(obj.state_dict())
    if not isinstance(obj, Mapping):
        raise ArrayTypeError(f"module must be a Module or a state dict, got {type(obj).__name__}")
    arrays = {}
    for name, value in obj.items():
        if not isinstance(name, str):
            raise ArrayTypeError(f"state dict keys must be strings, got {name!r}")
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "biuf":
            raise ArrayTypeError(
                f"state[{name!r}] must be a numeric array, got dtype {array.dtype}"
            )
        arrays[name] = array
    return arrays


def save(module: Module | Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the parameters of ``module`` (or a state dict) to the ``.npz`` file ``path``.

    The file is written beside its destination and then renamed over it, so an
    interrupted save never leaves half a checkpoint. The path is used exactly
    as given (no ``.npz`` is appended).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from mlequations import nn
    >>> model = nn.Linear(3, 2)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "linear.npz"
    >>> nn.save(model, path)
    >>> sorted(nn.load_state(path))
    ['bias', 'weight']
    """
    arrays = _arrays(module)
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_state(path: str | os.PathLike[str]) -> OrderedDict[str, np.ndarray]:
    """Read a state dict written by :func:`save`, refusing anything pickled.

    Returns
    -------
    OrderedDict of str to numpy.ndarray
        In the order the arrays were saved.

    Raises
    ------
    ValidationError
        If the file is not an ``.npz`` archive or holds a pickled object.
    """
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as error:
        raise ValidationError(
            f"{os.fspath(path)} is not an .npz archive of plain arrays (pickled data is "
            f"refused, allow_pickle=False): {error}"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValidationError(
            f"{os.fspath(path)} must be an .npz archive written by nn.save, got a single .npy array"
        )
    with archive:
        state: OrderedDict[str, np.ndarray] = OrderedDict()
        for name in archive.files:
            try:
                state[name] = archive[name]
            except ValueError as error:
                raise ValidationError(
                    f"{os.fspath(path)}: entry {name!r} is a pickled object array, which is "
                    f"refused (allow_pickle=False): {error}"
                ) from None
    return state
