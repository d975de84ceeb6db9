"""The state of a Bayesian optimization as one JSON file, so a run resumes where it stopped.

The file holds only what determines the rest of the run:

* ``format``: ``"mlequations.bayesopt.state/1"``;
* ``bounds``: the ``(low, high)`` pairs;
* ``settings``: the optimizer's arguments (acquisition, ``xi``, ``kappa``, ...);
* ``entropy``: the integer every random draw of the run is derived from;
* ``initial_points``: the initial design in the unit cube;
* ``x_iters``, ``func_vals``: every evaluation so far (NaN and infinities as the
  strings ``"nan"``, ``"inf"``, ``"-inf"``, which strict JSON lacks);
* ``pending``: a suggestion asked for but not yet told, or ``null``;
* ``queued``: points queued to be asked for next (``x0`` of ``minimize``);
* ``kernel_theta``: the surrogate's last fitted hyperparameters, or ``null``;
* ``output_warping``: the threshold and scale of the output warping once it is
  fixed (:mod:`~mlequations.bayesopt.warping`), or ``null`` (optional: a file
  without it reads as ``null``).

Floats are written with Python's shortest round-trip representation, so a
loaded state equals the saved one bit for bit. The file is written beside the
target and moved over it with :func:`os.replace`: a run killed while saving
leaves the previous state whole. Loading checks every key, type and shape.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from mlequations._array import NonFiniteError, ShapeError, ValidationError

__all__ = ["FORMAT", "read_state", "write_state"]

#: The format tag written into every state file and required when reading one.
FORMAT = "mlequations.bayesopt.state/1"

_KEYS = (
    "format",
    "bounds",
    "settings",
    "entropy",
    "initial_points",
    "x_iters",
    "func_vals",
    "pending",
    "queued",
    "kernel_theta",
)
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _encode_value(value: float) -> float | str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _decode_value(value: Any, where: str) -> float:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{where} must be a number or 'nan'/'inf'/'-inf', got {value!r}")
    return float(value)


def write_state(path: str | os.PathLike[str], state: dict[str, Any]) -> Path:
    """Write ``state`` (a dict with the keys above) to ``path`` as JSON, atomically."""
    target = Path(path)
    document = dict(state, format=FORMAT)
    document["func_vals"] = [_encode_value(float(v)) for v in state["func_vals"]]
    text = json.dumps(document, indent=1, allow_nan=False)
    folder = target.parent if str(target.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _matrix(value: Any, name: str, n_columns: int) -> list[list[float]]:
    """A list of rows of ``n_columns`` finite numbers, or a clear error."""
    if not isinstance(value, list):
        raise ValidationError(f"{name} must be a list of points, got {type(value).__name__}")
    rows = []
    for index, row in enumerate(value):
        if not isinstance(row, list) or len(row) != n_columns:
            raise ShapeError(f"{name}[{index}] must be a list of {n_columns} numbers, got {row!r}")
        numbers = [_decode_value(v, f"{name}[{index}]") for v in row]
        if not all(math.isfinite(v) for v in numbers):
            raise NonFiniteError(f"{name}[{index}] must be finite, got {row!r}")
        rows.append(numbers)
    return rows


def read_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a state written by :func:`write_state`.

    Returns the same dict, with ``func_vals`` as Python floats (NaN and
    infinities restored) and every point as a list of floats.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValidationError(f"{path} is not a JSON optimization state ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ValidationError(f"{path} must hold format {FORMAT!r}, got {found!r}")
    missing = [key for key in _KEYS if key not in document]
    if missing:
        raise ValidationError(f"{path} lacks the keys {missing}")
    bounds = _matrix(document["bounds"], "bounds", 2)
    n_dims = len(bounds)
    if not isinstance(document["settings"], dict):
        raise ValidationError(f"settings must be a JSON object, got {document['settings']!r}")
    entropy = document["entropy"]
    if isinstance(entropy, bool) or not isinstance(entropy, int) or entropy < 0:
        raise ValidationError(f"entropy must be a non-negative integer, got {entropy!r}")
    x_iters = _matrix(document["x_iters"], "x_iters", n_dims)
    values = document["func_vals"]
    if not isinstance(values, list) or len(values) != len(x_iters):
        raise ShapeError(
            f"func_vals must be a list of {len(x_iters)} values (one per point of x_iters), "
            f"got {values!r}"
        )
    pending = document["pending"]
    theta = document["kernel_theta"]
    if theta is not None and not isinstance(theta, list):
        raise ValidationError(f"kernel_theta must be a list of numbers or null, got {theta!r}")
    warping = document.get("output_warping")
    if warping is not None:
        warping = _matrix([warping], "output_warping", 2)[0]
        if not warping[1] > 0:
            raise ValidationError(f"output_warping must be [threshold, scale > 0], got {warping}")
    return {
        "format": FORMAT,
        "bounds": bounds,
        "settings": document["settings"],
        "entropy": entropy,
        "initial_points": _matrix(document["initial_points"], "initial_points", n_dims),
        "x_iters": x_iters,
        "func_vals": [_decode_value(v, f"func_vals[{i}]") for i, v in enumerate(values)],
        "pending": None if pending is None else _matrix([pending], "pending", n_dims)[0],
        "queued": _matrix(document["queued"], "queued", n_dims),
        "kernel_theta": None if theta is None else _matrix([theta], "kernel_theta", len(theta))[0],
        "output_warping": warping,
    }
