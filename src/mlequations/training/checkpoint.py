"""Training checkpoints: everything a run needs to go on exactly, in one ``.npz`` file.

A checkpoint holds NumPy arrays only, so it loads with ``allow_pickle=False``:

* ``model/<name>``: the model's ``state_dict()``;
* ``optimizer/<index>/<name>``: the arrays of the optimizer's state;
* ``history/<series>``: the :class:`~mlequations.training.History` so far;
* ``meta``: one JSON string with the counters (completed epochs, updates), the
  run's settings, the optimizer's parameter groups and counts, the scheduler's
  state, and the states of the shuffling generator and of
  :func:`mlequations.nn.get_rng_state` (the dropout masks).

It is written to a temporary file beside the target and moved over it with
:func:`os.replace`, so a run killed while saving leaves the previous
checkpoint whole.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlequations._array import ValidationError
from mlequations.training.history import History

__all__ = ["FORMAT", "Checkpoint", "load_checkpoint", "save_checkpoint"]

#: The format tag written into every checkpoint and required when reading one.
FORMAT = "mlequations.training.checkpoint/1"

_META_KEYS = (
    "format",
    "epoch",
    "global_step",
    "config",
    "optimizer",
    "scheduler",
    "shuffle_rng",
    "nn_rng",
)


@dataclass
class Checkpoint:
    """The contents of a checkpoint, ready to load into a model, optimizer and scheduler."""

    epoch: int
    global_step: int
    config: dict[str, Any]
    model_state: dict[str, np.ndarray]
    optimizer_state: dict[str, Any]
    scheduler_state: dict[str, Any] | None
    shuffle_rng_state: dict[str, Any]
    nn_rng_state: dict[str, Any]
    history: History


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot be saved in a checkpoint")


def _split_optimizer(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The optimizer's state_dict as (JSON part, arrays under 'optimizer/<index>/<name>')."""
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, entries in state["state"].items():
        scalars[str(index)] = {}
        for name, value in entries.items():
            if isinstance(value, np.ndarray):
                arrays[f"optimizer/{index}/{name}"] = value
            else:
                scalars[str(index)][name] = value
    return {"param_groups": state["param_groups"], "state": scalars}, arrays


def save_checkpoint(path: str | os.PathLike[str], checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically (a temporary file, then :func:`os.replace`)."""
    optimizer_json, optimizer_arrays = _split_optimizer(checkpoint.optimizer_state)
    meta = {
        "format": FORMAT,
        "epoch": checkpoint.epoch,
        "global_step": checkpoint.global_step,
        "config": checkpoint.config,
        "optimizer": optimizer_json,
        "scheduler": checkpoint.scheduler_state,
        "shuffle_rng": checkpoint.shuffle_rng_state,
        "nn_rng": checkpoint.nn_rng_state,
    }
    arrays = {"meta": np.array(json.dumps(meta, default=_json_default))}
    arrays.update({f"model/{k}": v for k, v in checkpoint.model_state.items()})
    arrays.update(optimizer_arrays)
    arrays.update({f"history/{k}": v for k, v in checkpoint.history.to_arrays().items()})
    target = os.fspath(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=os.path.dirname(os.path.abspath(target)), prefix=".checkpoint-", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _read_arrays(path: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ValidationError(f"checkpoint {path!r} is not a readable .npz file: {error}") from None


def _read_meta(path: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    if "meta" not in arrays or arrays["meta"].dtype.kind != "U" or arrays["meta"].ndim != 0:
        raise ValidationError(
            f"checkpoint {path!r} has no 'meta' entry: it is no training checkpoint"
        )
    try:
        meta = json.loads(str(arrays["meta"][()]))
    except json.JSONDecodeError as error:
        raise ValidationError(f"checkpoint {path!r} has a corrupt 'meta' entry: {error}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ValidationError(f"checkpoint {path!r} has format {found!r}, expected {FORMAT!r}")
    missing = [key for key in _META_KEYS if key not in meta]
    if missing:
        raise ValidationError(f"checkpoint {path!r} lacks the entries {missing} in 'meta'")
    for key in ("epoch", "global_step"):
        if not isinstance(meta[key], int) or isinstance(meta[key], bool) or meta[key] < 0:
            raise ValidationError(f"checkpoint {path!r} has {key}={meta[key]!r}, not a count")
    return meta


def _join_optimizer(path: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict:
    part = meta["optimizer"]
    if not isinstance(part, dict) or set(part) != {"param_groups", "state"}:
        raise ValidationError(f"checkpoint {path!r} has a malformed optimizer entry in 'meta'")
    state: dict[int, dict[str, Any]] = {}
    for index, scalars in part["state"].items():
        state[int(index)] = dict(scalars)
    for key, value in arrays.items():
        if key.startswith("optimizer/"):
            _, index, name = key.split("/", 2)
            if int(index) not in state:
                raise ValidationError(f"checkpoint {path!r} has {key!r} for an unknown parameter")
            state[int(index)][name] = value
    return {"param_groups": part["param_groups"], "state": state}


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`, checking its format.

    Only the file's own structure is checked here; whether it fits a model
    and optimizer is checked when they load their parts.

    Raises
    ------
    ValidationError
        Naming the file and what is wrong with it.

    Examples
    --------
    >>> import os, tempfile
    >>> state = {"param_groups": [{"lr": 0.1, "params": [0]}], "state": {0: {"step": 2}}}
    >>> saved = Checkpoint(
    ...     epoch=1, global_step=2, config={}, model_state={"w": np.ones(2)},
    ...     optimizer_state=state, scheduler_state=None, shuffle_rng_state={},
    ...     nn_rng_state={}, history=History(train_loss=[0.5], step_loss=[0.7, 0.3]),
    ... )
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "run.npz")
    ...     save_checkpoint(path, saved)
    ...     loaded = load_checkpoint(path)
    >>> loaded.optimizer_state == state, loaded.history == saved.history
    (True, True)
    """
    target = os.fspath(path)
    arrays = _read_arrays(target)
    meta = _read_meta(target, arrays)
    prefix = {"model": "model/", "history": "history/"}
    parts = {
        part: {k[len(p) :]: v for k, v in arrays.items() if k.startswith(p)}
        for part, p in prefix.items()
    }
    try:
        optimizer_state = _join_optimizer(target, meta, arrays)
    except ValidationError:
        raise
    except (AttributeError, TypeError, ValueError) as error:
        raise ValidationError(
            f"checkpoint {target!r} has a malformed optimizer state: {error}"
        ) from None
    return Checkpoint(
        epoch=meta["epoch"],
        global_step=meta["global_step"],
        config=meta["config"],
        model_state=parts["model"],
        optimizer_state=optimizer_state,
        scheduler_state=meta["scheduler"],
        shuffle_rng_state=meta["shuffle_rng"],
        nn_rng_state=meta["nn_rng"],
        history=History.from_arrays(parts["history"]),
    )
