r"""Layer 4: a decision-tree classifier grown by information gain (ID3/CART style).

Each node is split at the feature and threshold of greatest impurity decrease,

.. math::

    IG = I(\text{parent}) - \frac{n_L}{n} I(\text{left}) - \frac{n_R}{n} I(\text{right}),
    \qquad I = H \text{ (entropy) or } G \text{ (Gini)},

found for all thresholds of all features at once by :mod:`mlequations.models.tree_splits`.
The tree is grown depth first from an explicit stack; every feature is sorted once at the
root and each split partitions those orders stably, so no node sorts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer
from mlequations.models.tree_export import tree_to_text
from mlequations.models.tree_splits import (
    CRITERIA,
    Split,
    best_split,
    klogk_table,
    node_impurity,
)

__all__ = ["DecisionTreeClassifier", "TreeStructure"]

LEAF = -1
"""``children_left`` / ``children_right`` of a leaf (as in scikit-learn)."""
UNDEFINED = -2
"""``feature`` / ``threshold`` of a leaf (as in scikit-learn)."""


@dataclass(frozen=True)
class TreeStructure:
    """The fitted tree as parallel arrays indexed by node id (root 0, depth-first order).

    Node ``i`` sends a sample to ``children_left[i]`` when
    ``x[feature[i]] <= threshold[i]``, else to ``children_right[i]``; leaves have
    children ``-1`` and feature/threshold ``-2``. ``value[i]`` holds the class counts.
    """

    children_left: np.ndarray
    children_right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    impurity: np.ndarray
    n_node_samples: np.ndarray
    value: np.ndarray
    depth: np.ndarray

    @property
    def node_count(self) -> int:
        return len(self.feature)


def _partition(goes_left: np.ndarray, arrays: tuple[np.ndarray, ...]) -> tuple[tuple, tuple]:
    """Split each (p, m) array's rows into left and right parts, keeping the order in each row."""
    p = arrays[0].shape[0]
    left = goes_left.ravel()
    right = ~left
    return (
        tuple(np.compress(left, a.ravel()).reshape(p, -1) for a in arrays),
        tuple(np.compress(right, a.ravel()).reshape(p, -1) for a in arrays),
    )


def _is_leaf(depth: int, counts: np.ndarray, params: dict[str, Any]) -> bool:
    """A node stays a leaf at the depth limit, when too small to split, or when pure."""
    m = int(counts.sum())
    return bool(
        depth >= params["max_depth"]
        or m < params["min_samples_split"]
        or m < 2 * params["min_samples_leaf"]
        or counts.max() == m
    )


def _record(
    nodes: dict[str, list[Any]], split: Split | None, counts: np.ndarray, depth: int, params: dict
) -> None:
    """Append one node (a leaf when ``split`` is None); its children are linked later."""
    for name, entry in (
        ("children_left", LEAF),
        ("children_right", LEAF),
        ("feature", UNDEFINED if split is None else split.row),
        ("threshold", UNDEFINED if split is None else split.threshold),
        ("impurity", node_impurity(counts, params["criterion"])),
        ("n_node_samples", int(counts.sum())),
        ("value", counts),
        ("depth", depth),
    ):
        nodes[name].append(entry)


def _grow(
    X: np.ndarray,
    codes: np.ndarray,
    n_classes: int,
    params: dict[str, Any],
    rng: np.random.RandomState,
) -> TreeStructure:
    """Grow the tree depth first; the left child is always numbered next (as scikit-learn).

    Each stack entry carries its samples in every feature's sorted order (``order``) and
    the feature values in that order, so the root's sort is the only one.
    """
    n = X.shape[0]
    features_by_row = np.ascontiguousarray(X.T)
    root_order = np.argsort(features_by_row, axis=1)
    root_values = np.take_along_axis(features_by_row, root_order, axis=1)
    klogk = klogk_table(n) if params["criterion"] == "entropy" else np.empty(0)
    in_left = np.zeros(n, dtype=bool)
    nodes: dict[str, list[Any]] = {name: [] for name in TreeStructure.__dataclass_fields__}
    stack = [((root_order, root_values), 0, LEAF, True)]
    while stack:
        (order, values), depth, parent, is_left = stack.pop()
        node = len(nodes["feature"])
        if parent != LEAF:
            nodes["children_left" if is_left else "children_right"][parent] = node
        counts = np.bincount(codes[order[0]], minlength=n_classes)
        split = None
        if not _is_leaf(depth, counts, params):
            split = best_split(
                values,
                codes.take(order),
                counts,
                params["min_samples_leaf"],
                params["criterion"],
                klogk,
                rng,
            )
        _record(nodes, split, counts, depth, params)
        if split is None:
            continue
        left_samples = order[split.row, : split.position]
        in_left[left_samples] = True
        left, right = _partition(in_left.take(order), (order, values))
        in_left[left_samples] = False
        stack.append((right, depth + 1, node, False))
        stack.append((left, depth + 1, node, True))
    return TreeStructure(
        **{
            name: np.asarray(column, dtype=np.float64 if name == "threshold" else None)
            for name, column in nodes.items()
        }
    )


def _feature_importances(tree: TreeStructure, n_features: int) -> np.ndarray:
    r"""Impurity decrease per feature, :math:`\sum_t n_t I_t - n_L I_L - n_R I_R`, summed to 1."""
    internal = np.flatnonzero(tree.feature >= 0)
    left, right = tree.children_left[internal], tree.children_right[internal]
    weighted = tree.n_node_samples * tree.impurity
    decrease = weighted[internal] - weighted[left] - weighted[right]
    importances = np.bincount(tree.feature[internal], weights=decrease, minlength=n_features)
    total = importances.sum()
    return importances / total if total > 0 else importances


class DecisionTreeClassifier(ClassifierMixin, BaseEstimator):
    r"""A classification tree whose splits maximise the information gain.

    Implements the guides' decision-tree split rule: at every node the split
    :math:`x_j \le \tau` of greatest information gain

    .. math::

        IG = H(Y) - \frac{n_L}{n} H(Y_L) - \frac{n_R}{n} H(Y_R), \qquad
        H(Y) = -\sum_c p_c \log_2 p_c

    (or the same decrease of the Gini impurity :math:`G = 1 - \sum_c p_c^2`), with
    :math:`\tau` midway between consecutive distinct values of :math:`x_j`. The node
    entropy is :func:`mlequations.information.entropy`; every candidate threshold is
    scored at once from cumulative class counts.

    Parameters
    ----------
    criterion : {"entropy", "gini"}, default "entropy"
        The impurity :math:`I`; entropy is measured in bits.
    max_depth : int or None, default None
        Deepest level a node may sit at (the root is depth 0); None grows until pure.
    min_samples_split : int, default 2
        A node with fewer samples becomes a leaf.
    min_samples_leaf : int, default 1
        Each child of a split keeps at least this many samples.
    random_state : int, RandomState or None, default None
        Decides between equally good splits on different features (a random feature order).

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
    n_features_in_ : int
    tree_ : TreeStructure
        Children, split features and thresholds, impurities, counts and depths per node.
    feature_importances_ : ndarray, shape (n_features,)
        Each feature's total impurity decrease (weighted by node size), normalised to sum to 1.

    Examples
    --------
    >>> X = [[0.0, 1.0], [1.0, 1.0], [2.0, 0.0], [3.0, 0.0]]
    >>> tree = DecisionTreeClassifier(random_state=0).fit(X, ["a", "a", "b", "b"])
    >>> tree.predict([[0.5, 1.0], [2.5, 0.0]]).tolist()
    ['a', 'b']
    >>> tree.get_depth(), tree.get_n_leaves()
    (1, 2)
    """

    def __init__(
        self,
        criterion: str = "entropy",
        max_depth: int | None = None,
        min_samples_split: int = 2,
        min_samples_leaf: int = 1,
        random_state: Any = None,
    ) -> None:
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def _checked_params(self) -> dict[str, Any]:
        if not isinstance(self.criterion, str) or self.criterion not in CRITERIA:
            raise ValidationError(f"criterion must be 'entropy' or 'gini', got {self.criterion!r}")
        max_depth = self.max_depth
        if max_depth is not None:
            max_depth = check_integer(max_depth, "max_depth", 1, hint=" or None")
        return {
            "criterion": self.criterion,
            "max_depth": np.inf if max_depth is None else max_depth,
            "min_samples_split": check_integer(self.min_samples_split, "min_samples_split", 2),
            "min_samples_leaf": check_integer(self.min_samples_leaf, "min_samples_leaf", 1),
        }

    def fit(self, X: Any, y: Any) -> DecisionTreeClassifier:
        """Grow the tree on samples ``X`` (n_samples, n_features) with labels ``y``."""
        params = self._checked_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValidationError(
                f"y must hold at least 2 classes, got 1 class ({self.classes_[0]!r})"
            )
        rng = check_random_state(self.random_state)
        self.tree_ = _grow(X, codes, len(self.classes_), params, rng)
        self.feature_importances_ = _feature_importances(self.tree_, self.n_features_in_)
        return self

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float64, reset=False)

    def _leaves(self, X: np.ndarray) -> np.ndarray:
        tree = self.tree_
        node = np.zeros(len(X), dtype=np.intp)
        active = np.flatnonzero(tree.feature[node] >= 0)
        while active.size:
            at = node[active]
            go_left = X[active, tree.feature[at]] <= tree.threshold[at]
            node[active] = np.where(go_left, tree.children_left[at], tree.children_right[at])
            active = active[tree.feature[node[active]] >= 0]
        return node

    def apply(self, X: Any) -> np.ndarray:
        """Index of the leaf each sample lands in."""
        return self._leaves(self._validated(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class proportions of the leaf each sample lands in, shape (n_samples, n_classes)."""
        leaves = self._leaves(self._validated(X))
        return self.tree_.value[leaves] / self.tree_.n_node_samples[leaves, None]

    def predict(self, X: Any) -> np.ndarray:
        """The majority class of each sample's leaf (the first class on a tie)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def get_depth(self) -> int:
        """Depth of the deepest leaf (a lone root has depth 0)."""
        check_is_fitted(self)
        return int(self.tree_.depth.max())

    def get_n_leaves(self) -> int:
        """Number of leaves."""
        check_is_fitted(self)
        return int(np.count_nonzero(self.tree_.feature < 0))

    def to_text(
        self, feature_names: Any = None, decimals: int = 2, show_counts: bool = False
    ) -> str:
        """The tree as indented text, like :func:`sklearn.tree.export_text`.

        Parameters
        ----------
        feature_names : sequence of str, optional
            One name per feature; defaults to ``feature_names_in_`` or ``feature_<j>``.
        decimals : int, default 2
            Digits after the point in thresholds.
        show_counts : bool, default False
            Also print the class counts of each leaf.
        """
        check_is_fitted(self)
        if feature_names is None:
            feature_names = getattr(self, "feature_names_in_", None)
        if feature_names is None:
            feature_names = [f"feature_{j}" for j in range(self.n_features_in_)]
        feature_names = [str(name) for name in feature_names]
        if len(feature_names) != self.n_features_in_:
            raise ValidationError(
                f"feature_names must hold {self.n_features_in_} names, got {len(feature_names)}"
            )
        if isinstance(decimals, bool) or not isinstance(decimals, int):
            raise ArrayTypeError(f"decimals must be an integer, got {type(decimals).__name__}")
        return tree_to_text(self.tree_, feature_names, self.classes_, decimals, show_counts)
