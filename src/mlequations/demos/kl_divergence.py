"""Cross-entropy = entropy + KL divergence, the asymmetry of KL, and the Gaussian closed form.

Left: P = Bern(0.7) is coded with Q = Bern(q). The cross-entropy H(P, Q) never
drops below the entropy H(P); the gap is KL(P ‖ Q), zero only at q = 0.7. KL is
not symmetric: KL(Q ‖ P) is a different curve. Right: the KL divergence of the
encoder output N(1, 0.5) from the prior N(0, 1) in closed form, against a
numerical integral of p log(p / q).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mlequations.demos import DemoResult
from mlequations.distributions import gaussian_log_pdf, gaussian_pdf
from mlequations.divergences import cross_entropy, gaussian_kl_divergence, kl_divergence
from mlequations.information import entropy

P_HEADS = 0.7
GAUSSIAN_P = (1.0, 0.5)  # mean, variance
GAUSSIAN_Q = (0.0, 1.0)


def _coins(q: np.ndarray) -> np.ndarray:
    return np.stack([q, 1.0 - q], axis=-1)


def numerical_gaussian_kl() -> float:
    """∫ p(x) (log p(x) − log q(x)) dx by the trapezoidal rule on a wide, fine grid."""
    grid = np.linspace(-30.0, 30.0, 120_001)
    log_p, log_q = gaussian_log_pdf(grid, *GAUSSIAN_P), gaussian_log_pdf(grid, *GAUSSIAN_Q)
    return float(np.trapezoid(np.exp(log_p) * (log_p - log_q), grid))


def run(out_dir: Path) -> DemoResult:
    q = np.linspace(0.01, 0.99, 981)
    p = np.broadcast_to(_coins(np.array(P_HEADS)), (q.size, 2))
    forward, backward = kl_divergence(p, _coins(q)), kl_divergence(_coins(q), p)
    crossed, own = cross_entropy(p, _coins(q)), entropy(p)
    closed_form = float(gaussian_kl_divergence(*GAUSSIAN_P, *GAUSSIAN_Q))

    figure = Figure(figsize=(11.5, 4.3), layout="constrained")
    coin_axes, gaussian_axes = figure.subplots(1, 2)
    coin_axes.plot(q, crossed, label="cross-entropy H(P, Q)")
    coin_axes.plot(q, own, label="entropy H(P)", linestyle="--")
    coin_axes.plot(q, forward, label="KL(P ‖ Q) = H(P, Q) − H(P)")
    coin_axes.plot(q, backward, label="KL(Q ‖ P)", linestyle=":")
    coin_axes.axvline(P_HEADS, color="0.7", linewidth=0.8)
    coin_axes.set(title="P = Bern(0.7) coded with Q = Bern(q)", xlabel="q", ylabel="nats")
    coin_axes.set(ylim=(0, 2.5))
    coin_axes.legend()
    grid = np.linspace(-4.0, 5.0, 400)
    gaussian_axes.plot(grid, gaussian_pdf(grid, *GAUSSIAN_P), label="p = N(1, 0.5)")
    gaussian_axes.plot(grid, gaussian_pdf(grid, *GAUSSIAN_Q), label="q = N(0, 1)")
    gaussian_axes.set(
        title=f"KL(p ‖ q) = {closed_form:.4f} nats (closed form)", xlabel="x", ylabel="density"
    )
    gaussian_axes.legend()
    path = out_dir / "kl-divergence.png"
    figure.savefig(path, dpi=120)

    at_half = int(np.argmin(np.abs(q - 0.5)))
    values = {
        "argmin_kl": float(q[np.argmin(forward)]),
        "min_kl": float(np.min(forward)),
        "min_cross_entropy": float(np.min(crossed)),
        "entropy_p": float(own[0]),
        "max_decomposition_error": float(np.max(np.abs(crossed - own - forward))),
        "kl_forward_at_half": float(forward[at_half]),
        "kl_backward_at_half": float(backward[at_half]),
        "gaussian_kl_closed_form": closed_form,
        "gaussian_kl_numerical": numerical_gaussian_kl(),
    }
    summary = (
        f"H(P, Q) = H(P) + KL(P ‖ Q) to {values['max_decomposition_error']:.1e}; KL is 0 at "
        f"q = {values['argmin_kl']:.2f}; at q = 0.5 KL(P ‖ Q) = {values['kl_forward_at_half']:.4f} "
        f"but KL(Q ‖ P) = {values['kl_backward_at_half']:.4f}; Gaussian KL {closed_form:.4f} "
        f"(numerical {values['gaussian_kl_numerical']:.4f})"
    )
    return DemoResult((path,), summary, values)
