"""Layer 4 helper: a fitted decision tree as indented text (the layout of ``export_text``).

Each split prints two lines, ``name <= threshold`` before its left subtree and
``name >  threshold`` before its right subtree; each leaf prints its majority class::

    |--- petal width (cm) <= 0.80
    |   |--- class: setosa
    |--- petal width (cm) >  0.80
    |   |--- class: versicolor
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["tree_to_text"]


def tree_to_text(
    tree: Any,
    feature_names: Sequence[str],
    classes: np.ndarray,
    decimals: int = 2,
    show_counts: bool = False,
) -> str:
    """Render ``tree`` (a :class:`~mlequations.models.decision_tree.TreeStructure`) as text.

    Walks the tree depth first with an explicit stack, so deep trees need no recursion.

    Parameters
    ----------
    tree : TreeStructure
        The fitted arrays (children, feature, threshold, value per node).
    feature_names : sequence of str
        One name per feature.
    classes : ndarray
        The class labels, in the order of ``tree.value``'s columns.
    decimals : int, default 2
        Digits after the point in thresholds.
    show_counts : bool, default False
        Print each leaf's class counts before its class.

    Returns
    -------
    str
        One line per split side and per leaf, ending in a newline.

    Examples
    --------
    >>> from mlequations.models.decision_tree import DecisionTreeClassifier
    >>> fitted = DecisionTreeClassifier().fit([[1.0], [2.0], [3.0]], [0, 1, 1])
    >>> print(fitted.to_text(["x"], show_counts=True), end="")
    |--- x <= 1.50
    |   |--- counts: [1, 0] class: 0
    |--- x >  1.50
    |   |--- counts: [0, 2] class: 1
    """
    lines: list[str] = []
    pending: list[tuple[int, int] | str] = [(0, 1)]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            lines.append(item)
            continue
        node, depth = item
        indent = "|   " * (depth - 1) + "|---"
        feature = int(tree.feature[node])
        if feature < 0:
            counts = tree.value[node]
            shown = (
                "counts: [" + ", ".join(str(int(c)) for c in counts) + "] " if show_counts else ""
            )
            lines.append(f"{indent} {shown}class: {classes[int(np.argmax(counts))]}")
            continue
        name = feature_names[feature]
        threshold = f"{tree.threshold[node]:.{decimals}f}"
        pending.append((int(tree.children_right[node]), depth + 1))
        pending.append(f"{indent} {name} >  {threshold}")
        pending.append((int(tree.children_left[node]), depth + 1))
        pending.append(f"{indent} {name} <= {threshold}")
    return "\n".join(lines) + "\n"
