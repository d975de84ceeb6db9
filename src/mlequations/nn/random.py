"""The default random generator of :mod:`mlequations.nn`: seeding, saving and restoring it.

Initialisation (:mod:`mlequations.nn.init`) and dropout draw from one
module-level :class:`numpy.random.Generator` unless they are handed their own
``generator``. :func:`manual_seed` makes a run reproducible, like
``torch.manual_seed``; :func:`get_rng_state` and :func:`set_rng_state` save and
restore the generator's exact position as a JSON-serialisable dict, so a
training run resumed from a checkpoint draws the same dropout masks as one that
never stopped.

Until :func:`manual_seed` is called the generator is seeded from the operating
system's entropy (NumPy's default), so unseeded runs differ.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer

__all__ = [
    "default_generator",
    "get_rng_state",
    "manual_seed",
    "resolve_generator",
    "set_rng_state",
]

_generator = np.random.Generator(np.random.PCG64())


def default_generator() -> np.random.Generator:
    """The module-level generator used when no ``generator`` is passed.

    It is always the same object: :func:`manual_seed` and :func:`set_rng_state`
    move it in place, so a reference kept earlier stays valid.
    """
    return _generator


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the default generator (``torch.manual_seed``) and return it.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Examples
    --------
    >>> first = manual_seed(0).random()
    >>> manual_seed(0).random() == first
    True
    """
    seed = check_integer(seed, "seed", 0)
    _generator.bit_generator.state = np.random.PCG64(seed).state
    return _generator


def get_rng_state() -> dict[str, Any]:
    """The state of the default generator as a JSON-serialisable dict (a copy).

    The PCG64 state is two 128-bit Python integers, which :mod:`json` writes
    and reads back exactly.

    Examples
    --------
    >>> import json
    >>> state = json.loads(json.dumps(get_rng_state()))
    >>> first = default_generator().random()
    >>> set_rng_state(state)
    >>> default_generator().random() == first
    True
    """
    return copy.deepcopy(_generator.bit_generator.state)


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the default generator to a state from :func:`get_rng_state`.

    Raises
    ------
    ArrayTypeError
        If ``state`` is not a dict.
    ValidationError
        If it is not the state of the generator's bit generator (PCG64).
    """
    if not isinstance(state, dict):
        raise ArrayTypeError(
            f"state must be a dict from get_rng_state(), got {type(state).__name__}"
        )
    expected = type(_generator.bit_generator).__name__
    if state.get("bit_generator") != expected:
        raise ValidationError(
            f"state must be a {expected} state from get_rng_state(), got bit_generator="
            f"{state.get('bit_generator')!r}"
        )
    try:
        _generator.bit_generator.state = copy.deepcopy(state)
    except (TypeError, ValueError, KeyError) as error:
        raise ValidationError(f"state is not a valid {expected} state: {error}") from None


def resolve_generator(generator: np.random.Generator | None) -> np.random.Generator:
    """``generator`` itself, or the default generator when it is None."""
    if generator is None:
        return _generator
    if not isinstance(generator, np.random.Generator):
        raise ArrayTypeError(
            f"generator must be a numpy.random.Generator or None, got {type(generator).__name__}"
        )
    return generator
