"""Demos: small, offline, reproducible experiments that show an equation at work.

Each demo writes PNG figures (and, where useful, text such as Graphviz DOT)
into a folder and returns a summary of what it measured: one line, followed
by details when the demo has a listing to show. ``mlequations demo NAME --out DIR``
runs one; ``all`` runs them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEMOS", "SLOW_DEMOS", "DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    """The files a demo wrote, a summary of what it found and its figures of merit."""

    files: tuple[Path, ...]
    summary: str
    values: dict[str, float]


#: Demo name -> "module:function" of a callable ``run(out_dir: Path) -> DemoResult``.
DEMOS: dict[str, str] = {
    "learning-rate": "mlequations.demos.learning_rate:run",
    "entropy-coin": "mlequations.demos.entropy_coin:run",
    "mi-vs-correlation": "mlequations.demos.mi_vs_correlation:run",
    "backprop-numerical": "mlequations.demos.backprop_numerical:run",
    "computational-graph": "mlequations.demos.computational_graph:run",
    "mlp-digits": "mlequations.demos.mlp_digits:run",
    "cnn-digits": "mlequations.demos.cnn_digits:run",
    "vanishing-gradients": "mlequations.demos.vanishing_gradients:run",
    "polynomial-fit": "mlequations.demos.polynomial_fit:run",
    "bias-estimation-error": "mlequations.demos.bias_estimation:run",
    "naive-bayes-iris": "mlequations.demos.naive_bayes_iris:run",
    "decision-tree": "mlequations.demos.decision_tree:run",
    "perceptron": "mlequations.demos.linear_classifiers:run_perceptron",
    "logistic-regression": "mlequations.demos.linear_classifiers:run_logistic_regression",
    "bayes-opt": "mlequations.demos.bayes_opt:run",
    "gp-regression": "mlequations.demos.gp_regression:run",
    "char-transformer": "mlequations.demos.char_transformer:run",
    "activations": "mlequations.demos.activations:run",
    "surrogate-losses": "mlequations.demos.surrogate_losses:run",
    "regression-losses": "mlequations.demos.regression_losses:run",
    "regularization-path": "mlequations.demos.regularization_path:run",
    "signal-propagation": "mlequations.demos.signal_propagation:run",
    "bayes-screening": "mlequations.demos.bayes_screening:run",
    "joint-distribution": "mlequations.demos.joint_distribution:run",
    "distributions": "mlequations.demos.distributions:run",
    "kl-divergence": "mlequations.demos.kl_divergence:run",
    "norms": "mlequations.demos.norms:run",
    "linear-map": "mlequations.demos.linear_map:run",
    "svd-low-rank": "mlequations.demos.svd_low_rank:run",
    "numerical-differentiation": "mlequations.demos.numerical_differentiation:run",
    "convexity": "mlequations.demos.convexity:run",
    "sgd-schedules": "mlequations.demos.sgd_schedules:run",
    "attention": "mlequations.demos.attention:run",
    "diffusion": "mlequations.demos.diffusion:run",
}


#: Demos that train for minutes. The tests run them at a small size (their ``quick``
#: option) and the HTML reference shows their cached results (``site --refresh`` reruns them).
SLOW_DEMOS: frozenset[str] = frozenset({"char-transformer"})


def run_demo(name: str, out_dir: Path | str) -> DemoResult:
    """Run the demo called ``name``, writing its figures into ``out_dir`` (created if needed)."""
    if name not in DEMOS:
        raise ValueError(f"name must be one of {sorted(DEMOS)}, got {name!r}")
    module_name, _, function_name = DEMOS[name].partition(":")
    run: Callable[[Path], DemoResult] = getattr(importlib.import_module(module_name), function_name)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return run(folder)
