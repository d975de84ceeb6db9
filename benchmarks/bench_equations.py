"""Layer-1 equations against their SciPy / scikit-learn / PyTorch peers, in one process.

Run: ``.venv/bin/python benchmarks/bench_equations.py [--size 1000] [--repeat 7]``

Each row times our function and the peer on the same float64 input (best of
``--repeat`` runs) and prints the ratio ours / peer: below 1 we are faster.
The numbers depend on the machine; run both sides here, never compare across runs.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

import numpy as np
from scipy import special, stats

import mlequations as me


def best_time(function: Callable[[], object], repeat: int) -> float:
    function()  # warm up caches and lazy imports
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def cases(size: int) -> list[tuple[str, str, Callable[[], object], Callable[[], object]]]:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(size, size))
    p = special.softmax(rng.normal(size=(size, size)), axis=-1)
    q = special.softmax(rng.normal(size=(size, size)), axis=-1)
    labels = rng.integers(0, 2, size * size).astype(float)
    probabilities = special.expit(rng.normal(size=size * size))
    x = rng.normal(size=size * size)
    rows = [
        (
            "entropy (rows)",
            "scipy.stats.entropy",
            lambda: me.entropy(p),
            lambda: stats.entropy(p, axis=-1),
        ),
        (
            "kl_divergence (rows)",
            "scipy.special.rel_entr + sum",
            lambda: me.kl_divergence(p, q),
            lambda: special.rel_entr(p, q).sum(axis=-1),
        ),
        (
            "softmax (rows)",
            "scipy.special.softmax",
            lambda: me.softmax(logits),
            lambda: special.softmax(logits, axis=-1),
        ),
        (
            "log_softmax (rows)",
            "scipy.special.log_softmax",
            lambda: me.log_softmax(logits),
            lambda: special.log_softmax(logits, axis=-1),
        ),
        ("sigmoid", "scipy.special.expit", lambda: me.sigmoid(x), lambda: special.expit(x)),
        (
            "binary_cross_entropy",
            "sklearn.metrics.log_loss",
            lambda: me.binary_cross_entropy(labels, probabilities),
            lambda: _sklearn_log_loss(labels, probabilities),
        ),
        ("gelu (exact)", "torch.nn.functional.gelu", lambda: me.gelu(x), _torch_gelu(x)),
    ]
    return rows


def _sklearn_log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    from sklearn.metrics import log_loss

    return log_loss(labels, probabilities)


def _torch_gelu(x: np.ndarray) -> Callable[[], object]:
    import torch

    tensor = torch.from_numpy(x)
    return lambda: torch.nn.functional.gelu(tensor)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="inputs are size × size")
    parser.add_argument("--repeat", type=int, default=7)
    arguments = parser.parse_args()
    print(f"float64 inputs of {arguments.size} × {arguments.size}; best of {arguments.repeat}")
    header = f"{'equation':<22} {'peer':<30} {'ours (ms)':>10} {'peer (ms)':>10} {'ours/peer':>10}"
    print(header)
    print("-" * len(header))
    for name, peer_name, ours, peer in cases(arguments.size):
        ours_time = best_time(ours, arguments.repeat)
        peer_time = best_time(peer, arguments.repeat)
        print(
            f"{name:<22} {peer_name:<30} {ours_time * 1e3:>10.2f} {peer_time * 1e3:>10.2f} "
            f"{ours_time / peer_time:>10.2f}"
        )


if __name__ == "__main__":
    main()
