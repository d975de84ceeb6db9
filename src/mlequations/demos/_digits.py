r"""scikit-learn's bundled 8×8 digits, split and standardised, for the network demos.

1797 grey-level images of the digits 0-9 (64 pixels, values 0-16) ship with
scikit-learn, so nothing is downloaded. The split is stratified; each pixel is
standardised, :math:`x' = (x - \mu)/s`, with the mean and standard deviation
of the *training* part only, so the test part stays unseen.

Examples
--------
>>> data = load_digits_split()
>>> data.X_train.shape, data.X_test.shape, data.X_train.dtype
((1347, 64), (450, 64), dtype('float32'))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DigitsSplit", "load_digits_split"]


@dataclass(frozen=True)
class DigitsSplit:
    """Standardised float32 inputs and integer labels of a train/test split of the digits."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    images_test: np.ndarray


def load_digits_split(test_size: float = 0.25, random_state: int = 0) -> DigitsSplit:
    """The digits, stratified into train and test, standardised with the training statistics.

    ``images_test`` holds the raw 8×8 test images, for drawing.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    X_train, X_test, y_train, y_test, _, images_test = train_test_split(
        digits.data,
        digits.target,
        digits.images,
        test_size=test_size,
        stratify=digits.target,
        random_state=random_state,
    )
    scaler = StandardScaler().fit(X_train)
    return DigitsSplit(
        X_train=scaler.transform(X_train).astype(np.float32),
        X_test=scaler.transform(X_test).astype(np.float32),
        y_train=y_train,
        y_test=y_test,
        images_test=images_test,
    )
