"""The :class:`History` of a training run: losses and accuracies per epoch and per update."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from mlequations._array import ValidationError

__all__ = ["History"]


@dataclass
class History:
    """What :func:`~mlequations.training.fit` measured, epoch by epoch.

    Attributes
    ----------
    train_loss : list of float
        The mean training loss of each epoch: the batch losses weighted by
        batch size, measured during the epoch (in training mode, so with
        dropout active and the parameters still moving).
    train_accuracy : list of float
        The fraction of training samples classified correctly during each
        epoch (empty without the ``"accuracy"`` metric).
    val_loss, val_accuracy : list of float
        The same on the validation data after each epoch, in evaluation mode
        (empty without validation data or the metric).
    step_loss : list of float
        The loss of every update, in order.

    Examples
    --------
    >>> history = History(train_loss=[0.9, 0.5], step_loss=[1.0, 0.8, 0.6, 0.4])
    >>> history.epochs, history.as_dict()["train_loss"]
    (2, [0.9, 0.5])
    """

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """The number of epochs recorded."""
        return len(self.train_loss)

    def as_dict(self) -> dict[str, list[float]]:
        """Every series under its name, as lists (copies)."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every series as a float64 array (for saving in an ``.npz`` file)."""
        return {
            name: np.asarray(values, dtype=np.float64) for name, values in self.as_dict().items()
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any]) -> History:
        """The history saved by :meth:`to_arrays`; every series must be there, 1-D."""
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if name not in arrays]
        if missing:
            raise ValidationError(f"the saved history lacks the series {missing}")
        series = {}
        for name in names:
            values = np.asarray(arrays[name])
            if values.ndim != 1 or values.dtype.kind != "f":
                raise ValidationError(
                    f"the saved history series {name!r} must be a 1-D float array, got "
                    f"shape {values.shape} and dtype {values.dtype}"
                )
            series[name] = [float(v) for v in values]
        return cls(**series)
