"""Class labels for the classifiers: checked, with at least two classes, encoded as 0..K-1."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from mlequations._array import ValidationError

__all__ = ["encode_class_labels"]


def encode_class_labels(estimator: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(classes, codes)``: the sorted distinct labels and each sample's index into them.

    Raises scikit-learn's error for continuous targets and a
    :class:`~mlequations.ValidationError` (a ``ValueError``) naming ``estimator``
    when ``y`` holds a single class.

    Examples
    --------
    >>> from mlequations.models.perceptron import Perceptron
    >>> classes, codes = encode_class_labels(Perceptron(), ["b", "a", "b"])
    >>> classes.tolist(), codes.tolist()
    (['a', 'b'], [1, 0, 1])
    """
    check_classification_targets(y)
    classes, codes = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValidationError(
            f"y must hold at least two classes to fit {type(estimator).__name__}, "
            f"got 1 class: {classes.tolist()[0]!r}"
        )
    return classes, codes
