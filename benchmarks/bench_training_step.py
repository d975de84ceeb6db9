"""One training step of a ReLU MLP: this engine against PyTorch, HIPS autograd and plain NumPy.

Run: ``.venv/bin/python benchmarks/bench_training_step.py [--threads 2] [--steps 60]``
(needs the ``bench`` extra: ``pip install -e ".[bench]"``).

A step is the forward pass, the cross-entropy loss, the backward pass and a
plain SGD update, in float32, on the same data and initial weights for every
implementation, all in this one process with the same number of BLAS / intra-op
threads. Each row prints the median time of a step and its ratio to PyTorch.
The targets of the engine are <= 1.25x PyTorch on the small network and <= 1.1x
on the large one. Before timing, the script checks that all four compute the
same loss and the same updated weights, so the race is between equal work.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from mlequations import nn, optim

LEARNING_RATE = 0.01
NETWORKS = {
    "784-256-10, batch 128": ((784, 256, 10), 128),
    "784-1024-1024-10, batch 512": ((784, 1024, 1024, 10), 512),
}


def make_problem(
    sizes: tuple[int, ...], batch: int
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Initial weights (PyTorch layout: W is (out, in)), a batch of inputs and labels, float32."""
    rng = np.random.default_rng(0)
    weights = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)
    return weights, x, labels


def ours(weights: list[np.ndarray], x: np.ndarray, labels: np.ndarray) -> tuple[Callable, Callable]:
    layers: list[nn.Module] = []
    for i in range(0, len(weights), 2):
        linear = nn.Linear(weights[i].shape[1], weights[i].shape[0])
        linear.weight.data[...] = weights[i]
        linear.bias.data[...] = weights[i + 1]
        layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def step() -> float:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, lambda: [p.data for p in model.parameters()]


def pytorch(
    weights: list[np.ndarray], x: np.ndarray, labels: np.ndarray
) -> tuple[Callable, Callable]:
    import torch

    layers: list[torch.nn.Module] = []
    for i in range(0, len(weights), 2):
        linear = torch.nn.Linear(weights[i].shape[1], weights[i].shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights[i]))
            linear.bias.copy_(torch.from_numpy(weights[i + 1]))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(labels)

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, lambda: [p.detach().numpy() for p in model.parameters()]


def hips_autograd(
    weights: list[np.ndarray], x: np.ndarray, labels: np.ndarray
) -> tuple[Callable, Callable]:
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    params = [w.copy() for w in weights]
    rows = np.arange(len(labels))

    def loss(params: list) -> float:
        h = x
        for i in range(0, len(params), 2):
            h = anp.dot(h, params[i].T) + params[i + 1]
            if i + 2 < len(params):
                h = anp.maximum(h, 0)
        log_probabilities = h - logsumexp(h, axis=1, keepdims=True)
        return -anp.mean(log_probabilities[rows, labels])

    value_and_gradient = autograd.value_and_grad(loss)

    def step() -> float:
        value, gradients = value_and_gradient(params)
        for p, g in zip(params, gradients, strict=True):
            p -= LEARNING_RATE * g
        return float(value)

    return step, lambda: params


def hand_written(
    weights: list[np.ndarray], x: np.ndarray, labels: np.ndarray
) -> tuple[Callable, Callable]:
    """The forward and backward passes written out by hand: the floor for NumPy."""
    params = [w.copy() for w in weights]
    rows = np.arange(len(labels))

    def step() -> float:
        activations, h = [x], x
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                h = np.maximum(h, 0)
                activations.append(h)
        shifted = h - h.max(axis=1, keepdims=True)
        log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        value = -log_probabilities[rows, labels].mean()
        delta = np.exp(log_probabilities)
        delta[rows, labels] -= 1
        delta /= len(labels)
        for i in range(len(params) - 2, -1, -2):
            a = activations[i // 2]
            grad_w, grad_b = delta.T @ a, delta.sum(axis=0)
            if i:
                delta = (delta @ params[i]) * (a > 0)
            params[i] -= LEARNING_RATE * grad_w
            params[i + 1] -= LEARNING_RATE * grad_b
        return float(value)

    return step, lambda: params


IMPLEMENTATIONS = {
    "PyTorch CPU": pytorch,
    "mlequations": ours,
    "HIPS autograd": hips_autograd,
    "NumPy by hand": hand_written,
}


def median_step(step: Callable[[], float], steps: int) -> float:
    for _ in range(5):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def check_agreement(name: str, sizes: tuple[int, ...], batch: int) -> None:
    """Three steps of each implementation from the same start give the same weights."""
    results = {}
    for label, build in IMPLEMENTATIONS.items():
        step, parameters = build(*make_problem(sizes, batch))
        losses = [step() for _ in range(3)]
        results[label] = (losses, [np.array(p) for p in parameters()])
    reference_losses, reference_params = results["PyTorch CPU"]
    for label, (losses, params) in results.items():
        np.testing.assert_allclose(losses, reference_losses, rtol=1e-4, err_msg=f"{name}: {label}")
        for p, q in zip(params, reference_params, strict=True):
            np.testing.assert_allclose(p, q, rtol=1e-3, atol=1e-5, err_msg=f"{name}: {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):
        print(f"float32, {args.threads} threads, median of {args.steps} steps (after 5 warm-up)")
        print(f"{'network':30} {'implementation':16} {'ms/step':>9} {'vs PyTorch':>11}")
        for name, (sizes, batch) in NETWORKS.items():
            check_agreement(name, sizes, batch)
            times = {
                label: median_step(build(*make_problem(sizes, batch))[0], args.steps)
                for label, build in IMPLEMENTATIONS.items()
            }
            for label, seconds in times.items():
                ratio = seconds / times["PyTorch CPU"]
                print(f"{name:30} {label:16} {seconds * 1e3:9.3f} {ratio:10.2f}x")


if __name__ == "__main__":
    main()
