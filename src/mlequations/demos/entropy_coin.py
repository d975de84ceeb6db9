"""The entropy and the variance of a coin with P(heads) = p, against p.

Both vanish at p = 0 and p = 1 (no uncertainty) and peak at the fair coin,
p = 0.5: one bit of entropy, variance 1/4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.demos import DemoResult
from mlequations.information import binary_entropy


def run(out_dir: Path) -> DemoResult:
    p = np.linspace(0.0, 1.0, 401)
    entropy_bits = binary_entropy(p, base=2)
    variance = p * (1 - p)
    figure = Figure(figsize=(6.5, 4.2), layout="constrained")
    axes = figure.subplots()
    axes.plot(p, entropy_bits, label="entropy H(p) in bits")
    axes.plot(p, variance, label="variance p(1 − p)")
    axes.axvline(0.5, color="0.6", linestyle=":")
    axes.set(title="A coin with P(heads) = p", xlabel="p", ylabel="value")
    axes.legend()
    path = out_dir / "entropy-coin.png"
    figure.savefig(path, dpi=120)
    peak = float(p[np.argmax(entropy_bits)])
    values = {"peak_p": peak, "max_entropy_bits": float(np.max(entropy_bits))}
    summary = f"entropy peaks at p = {peak:.2f} with {values['max_entropy_bits']:.4f} bit"
    return DemoResult((path,), summary, values)
