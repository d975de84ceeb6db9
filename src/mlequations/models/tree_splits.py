r"""Layer 4 helper: node impurity and the vectorised search for a decision tree's best split.

A node holds :math:`n` samples with class counts :math:`N_c`. Sorting the samples by one
feature and cutting after the :math:`i`-th of them sends the first :math:`i` to the left
child. A cumulative sum of the class indicators along the sorted order gives the class
counts of *every* left child at once, :math:`L_{ic}`; the right child holds
:math:`R_{ic} = N_c - L_{ic}`. The impurity of every cut then follows from one array
expression over the table of counts, with no loop over thresholds.

The impurities are the entropy (in bits, as ID3/C4.5 and scikit-learn report it) and the
Gini impurity of the class proportions :math:`p_c = N_c / n`:

.. math::

    H(p) = -\sum_c p_c \log_2 p_c, \qquad G(p) = 1 - \sum_c p_c^2

and the best cut maximises the information gain (the impurity decrease)

.. math::

    IG = I(\text{parent}) - \frac{n_L}{n} I(\text{left}) - \frac{n_R}{n} I(\text{right}).

Thresholds lie midway between consecutive distinct values of the feature, so a sample
goes left when :math:`x \le \text{threshold}`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from mlequations._array import ShapeError, ValidationError
from mlequations._checks import as_vector
from mlequations.information import entropy

__all__ = [
    "CRITERIA",
    "Split",
    "candidate_splits",
    "gini_impurity",
    "klogk_table",
    "node_impurity",
]

CRITERIA = ("entropy", "gini")
"""The impurity measures a tree can split by."""

_LN2 = math.log(2.0)


class Split(NamedTuple):
    """The best cut of a node: ``row`` of the sorted features, ``position`` samples go left."""

    row: int
    position: int
    threshold: float
    child_impurity: float


def gini_impurity(p: np.ndarray) -> float:
    r"""Gini impurity of class proportions: the chance two draws disagree.

    .. math::

        G(p) = 1 - \sum_c p_c^2

    Examples
    --------
    >>> gini_impurity(np.array([0.5, 0.5]))
    0.5
    """
    return max(0.0, float(1.0 - np.dot(p, p)))


def node_impurity(counts: np.ndarray, criterion: str) -> float:
    """Impurity of a node from its class counts: layer-1 ``entropy`` in bits, or Gini.

    Examples
    --------
    >>> node_impurity(np.array([3, 1]), "entropy")
    0.8112781244591328
    """
    proportions = counts / counts.sum()
    if criterion == "entropy":
        return float(entropy(proportions, base=2))
    return gini_impurity(proportions)


def klogk_table(n: int) -> np.ndarray:
    r"""The values :math:`k \ln k` for ``k = 0, ..., n`` (with :math:`0 \ln 0 = 0`).

    Counts are integers, so the entropy of every candidate child is a table look-up:
    :math:`n_L H(L / n_L) = n_L \ln n_L - \sum_c L_c \ln L_c` (in nats).

    Examples
    --------
    >>> klogk_table(2).round(4)
    array([0.    , 0.    , 1.3863])
    """
    k = np.arange(n + 1, dtype=np.float64)
    return k * np.log(np.maximum(k, 1.0))


def _cut_scores(
    sorted_labels: np.ndarray,
    class_counts: np.ndarray,
    candidates: np.ndarray,
    criterion: str,
    klogk: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Size-weighted child impurity :math:`n_L I(L) + n_R I(R)` of the candidate cuts.

    ``sorted_labels`` (p, n) holds the class codes in each feature's sorted order. The
    cuts of a node form a (p, n - 1) table whose entry ``[r, i - 1]`` puts ``i`` samples
    left; ``candidates`` is a boolean mask over that table. Returns the scores and left
    sizes of the candidates in row-major order. Entropy comes in nats (divide by
    :math:`n \ln 2` for the weighted child entropy in bits); Gini in samples (divide by n).
    """
    p, n = sorted_labels.shape
    chosen = candidates.ravel()
    left_sizes = np.compress(chosen, np.broadcast_to(np.arange(1, n), (p, n - 1)).ravel())
    right_sizes = n - left_sizes
    entropy_criterion = criterion == "entropy"
    score = klogk.take(left_sizes) + klogk.take(right_sizes) if entropy_criterion else 0.0
    present = np.flatnonzero(class_counts)
    counted = np.zeros(len(left_sizes), dtype=np.int64)
    for index, label in enumerate(present):
        if index < len(present) - 1:
            cumulative = np.cumsum(sorted_labels[:, :-1] == label, axis=1, dtype=np.int32)
            left = np.compress(chosen, cumulative.ravel())  # L_c of every candidate left child
            counted += left
        else:  # the last class present fills what the others leave
            left = left_sizes - counted
        right = class_counts[label] - left
        if entropy_criterion:  # n H(N / n) = n ln n - sum_c N_c ln N_c
            score = score - klogk.take(left) - klogk.take(right)
        else:  # n G(N / n) = n - sum_c N_c^2 / n
            left, right = left.astype(np.float64), right.astype(np.float64)
            score = score - left * left / left_sizes - right * right / right_sizes
    return (score if entropy_criterion else n + score), left_sizes


def _midpoints(below: np.ndarray, above: np.ndarray) -> np.ndarray:
    """Thresholds between consecutive distinct values (``below`` where the mean rounds up)."""
    middle = below / 2.0 + above / 2.0
    return np.where(middle == above, below, middle)


def best_split(
    sorted_values: np.ndarray,
    sorted_labels: np.ndarray,
    class_counts: np.ndarray,
    min_samples_leaf: int,
    criterion: str,
    klogk: np.ndarray,
    rng: np.random.RandomState,
) -> Split | None:
    """The cut of least weighted child impurity over all features, or None if no cut is allowed.

    ``sorted_values`` and ``sorted_labels`` (p, n) hold each feature's values and the class
    codes in that feature's sorted order. A cut is a candidate between distinct values
    that leaves ``min_samples_leaf`` samples on each side. Equally good cuts on different
    features are decided by a random feature order (as scikit-learn); within one feature
    the first (lowest threshold) wins.
    """
    p, n = sorted_values.shape
    sizes = np.arange(1, n)
    allowed = (sizes >= min_samples_leaf) & (n - sizes >= min_samples_leaf)
    candidates = (sorted_values[:, 1:] > sorted_values[:, :-1]) & allowed
    row_ends = np.cumsum(np.count_nonzero(candidates, axis=1))  # candidates end per feature
    if row_ends[-1] == 0:
        return None
    scores, left_sizes = _cut_scores(sorted_labels, class_counts, candidates, criterion, klogk)
    best = scores.min()
    tied = np.flatnonzero(scores == best)  # in row-major order: by feature, then threshold
    rows = np.searchsorted(row_ends, tied, side="right")
    chosen = 0
    if rows[0] != rows[-1]:  # several features tie: a random feature order decides
        rank = np.empty(p, dtype=np.intp)
        rank[rng.permutation(p)] = np.arange(p)
        chosen = int(np.argmin(rank[rows]))
    row, position = int(rows[chosen]), int(left_sizes[tied[chosen]])
    threshold = _midpoints(sorted_values[row, position - 1], sorted_values[row, position])
    scale = n * _LN2 if criterion == "entropy" else n
    return Split(row, position, float(threshold), max(0.0, float(best) / scale))


def candidate_splits(x: Any, y: Any, criterion: str = "entropy") -> tuple[np.ndarray, np.ndarray]:
    """Every threshold of one feature and the information gain of splitting there.

    Parameters
    ----------
    x : array_like, shape (n,)
        Values of one feature.
    y : array_like, shape (n,)
        Class labels (any hashable values NumPy can sort).
    criterion : {"entropy", "gini"}, default "entropy"
        The impurity; entropy is in bits.

    Returns
    -------
    thresholds, gains : ndarray, shape (n_distinct - 1,)
        Midpoints between consecutive distinct values of ``x``, increasing, and the
        impurity decrease of the split ``x <= threshold``.

    Raises
    ------
    ShapeError, ValidationError
        If ``x`` and ``y`` differ in length or ``criterion`` is unknown.

    Examples
    --------
    >>> thresholds, gains = candidate_splits([1, 2, 3, 4], [0, 0, 1, 1])
    >>> thresholds.tolist(), gains.round(4).tolist()
    ([1.5, 2.5, 3.5], [0.3113, 1.0, 0.3113])
    """
    if criterion not in CRITERIA:
        raise ValidationError(f"criterion must be 'entropy' or 'gini', got {criterion!r}")
    x = as_vector(x, "x")
    y = np.asarray(y)
    if y.shape != x.shape:
        raise ShapeError(f"y must have the shape of x {x.shape}, got {y.shape}")
    order = np.argsort(x, kind="stable")
    values = x[order][None, :]
    _, codes = np.unique(y[order], return_inverse=True)
    counts = np.bincount(codes)
    n = len(x)
    candidates = values[:, 1:] > values[:, :-1]
    scores, left_sizes = _cut_scores(codes[None, :], counts, candidates, criterion, klogk_table(n))
    thresholds = _midpoints(values[0, left_sizes - 1], values[0, left_sizes])
    scale = n * _LN2 if criterion == "entropy" else n
    gains = node_impurity(counts, criterion) - scores / scale
    return thresholds, gains
