"""One forward + backward pass of a Conv2d layer: this engine against PyTorch on the CPU.

Run: ``.venv/bin/python benchmarks/bench_conv2d.py [--threads 2] [--repeats 30]``.

The layer maps a batch of 64 images of 16 channels, 28×28, to 32 channels with
3×3 kernels, stride 1 and padding 1 (so the output is also 28×28), in float32.
A call is the forward pass, the sum of the output times a fixed upstream
gradient, and the backward pass to the input, the weight and the bias. Both
run in this one process with the same number of BLAS / intra-op threads
(``torch.set_num_threads`` and threadpoolctl's limit for NumPy's BLAS), taking
turns call by call. The machine may be shared, so each row is the *minimum*
over the repeats (after 3 warm-up calls), the least disturbed run, and the
last line the median of the per-turn ratios. Before timing, the script checks
that both compute the same output and gradients. The target is <= 2x PyTorch.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from mlequations import nn
from mlequations.autodiff import Tensor

BATCH, IN_CHANNELS, OUT_CHANNELS, KERNEL, SIZE, PADDING = 64, 16, 32, 3, 28, 1
TARGET = 2.0


def make_problem() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The weight (out, in, kh, kw), bias, input (N, C, H, W) and upstream gradient, float32."""
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(IN_CHANNELS * KERNEL * KERNEL)
    weight = rng.uniform(-bound, bound, (OUT_CHANNELS, IN_CHANNELS, KERNEL, KERNEL))
    bias = rng.uniform(-bound, bound, OUT_CHANNELS)
    x = rng.normal(size=(BATCH, IN_CHANNELS, SIZE, SIZE))
    upstream = rng.normal(size=(BATCH, OUT_CHANNELS, SIZE, SIZE))
    return tuple(a.astype(np.float32) for a in (weight, bias, x, upstream))


def ours(weight, bias, x, upstream) -> tuple[Callable[[], None], Callable[[], list]]:
    layer = nn.Conv2d(IN_CHANNELS, OUT_CHANNELS, KERNEL, padding=PADDING)
    layer.weight.data[...], layer.bias.data[...] = weight, bias
    inputs = Tensor(x, requires_grad=True)

    def call() -> None:
        layer.zero_grad()
        inputs.zero_grad()
        layer(inputs).backward(upstream)

    def results() -> list:
        out = layer(inputs).data
        return [out, inputs.grad, layer.weight.grad, layer.bias.grad]

    return call, results


def pytorch(weight, bias, x, upstream) -> tuple[Callable[[], None], Callable[[], list]]:
    import torch

    layer = torch.nn.Conv2d(IN_CHANNELS, OUT_CHANNELS, KERNEL, padding=PADDING)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        layer.bias.copy_(torch.from_numpy(bias))
    inputs = torch.tensor(x, requires_grad=True)
    gradient = torch.from_numpy(upstream)

    def call() -> None:
        layer.zero_grad()
        inputs.grad = None
        layer(inputs).backward(gradient)

    def results() -> list:
        out = layer(inputs).detach().numpy()
        return [out, inputs.grad.numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy()]

    return call, results


IMPLEMENTATIONS = {"PyTorch CPU": pytorch, "mlequations": ours}


def interleaved_times(calls: dict[str, Callable[[], None]], repeats: int) -> dict[str, list[float]]:
    """Seconds per call of each implementation, the implementations taking turns.

    Taking turns, every implementation meets the same load of a shared machine.
    """
    for call in calls.values():
        for _ in range(3):
            call()
    times: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(repeats):
        for label, call in calls.items():
            start = time.perf_counter()
            call()
            times[label].append(time.perf_counter() - start)
    return times


def check_agreement() -> None:
    """Both give the same output and gradients, within float32 rounding of sums of ~50k terms."""
    computed = {}
    for label, build in IMPLEMENTATIONS.items():
        call, results = build(*make_problem())
        call()
        computed[label] = results()
    names = ("output", "input gradient", "weight gradient", "bias gradient")
    for name, a, b in zip(names, computed["mlequations"], computed["PyTorch CPU"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.abs(b).max(), err_msg=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):
        check_agreement()
        print(
            f"Conv2d {IN_CHANNELS}->{OUT_CHANNELS}, {KERNEL}x{KERNEL}, padding {PADDING}, batch "
            f"{BATCH}, {SIZE}x{SIZE}, float32, forward + backward; {args.threads} threads, "
            f"min of {args.repeats}"
        )
        print(f"{'implementation':16} {'ms/call':>9} {'vs PyTorch':>11} {'target':>8}")
        calls = {label: build(*make_problem())[0] for label, build in IMPLEMENTATIONS.items()}
        times = interleaved_times(calls, args.repeats)
        best = {label: min(values) for label, values in times.items()}
        for label, seconds in best.items():
            ratio = seconds / best["PyTorch CPU"]
            target = f"<= {TARGET:g}x" if label == "mlequations" else ""
            print(f"{label:16} {seconds * 1e3:9.3f} {ratio:10.2f}x {target:>8}")
        paired = np.median(np.array(times["mlequations"]) / np.array(times["PyTorch CPU"]))
        print(f"median of the {args.repeats} paired ratios: {paired:.2f}x")


if __name__ == "__main__":
    main()
