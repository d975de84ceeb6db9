"""Training on a CPU: the minibatch loop, its history, progress bar and checkpoints.

:func:`fit` (or :class:`Trainer`) runs epochs of minibatch steps of an
:mod:`mlequations.optim` optimizer on an :mod:`mlequations.nn` model and
returns a :class:`History`; with ``checkpoint=`` it saves everything needed to
resume exactly, and ``resume=True`` continues where a run stopped.
"""

from mlequations.training.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from mlequations.training.history import History
from mlequations.training.loop import Trainer, TrainingDivergedError, evaluate, fit

__all__ = [
    "Checkpoint",
    "History",
    "Trainer",
    "TrainingDivergedError",
    "evaluate",
    "fit",
    "load_checkpoint",
    "save_checkpoint",
]
