"""Training steps of the char-transformer demo's model: this engine against PyTorch.

Run: ``.venv/bin/python benchmarks/bench_char_transformer.py [--threads 2] [--repeats 20]
[--profile]`` (needs the ``bench`` extra: ``pip install -e ".[bench]"``).

A step is what the demo does once per update: a minibatch of random windows
of the documentation text, the forward pass of the model
(:class:`mlequations.nn.CharTransformer` with the demo's ``FULL_CONFIG``:
token and position embeddings, pre-norm ``TransformerEncoderLayer`` blocks
with a causal mask, a tied output layer), the mean cross entropy, the backward
pass and an Adam update. PyTorch runs the same network built from
``torch.nn.TransformerEncoderLayer`` with the same weights and the same
batches, in float32, in this one process, with the same number of intra-op
threads as the BLAS of NumPy (``threadpoolctl``). Before timing, the script
checks that both compute the same losses over three steps. The two take their
steps in turn (so both meet the same load on a shared machine); each row
prints the fastest step of ``--repeats`` after warm-up (the fair figure when
other work competes for the cores) and the median; the target is ours <= 1.5x
PyTorch. ``--profile`` adds the engine's most expensive functions (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from mlequations import nn, optim
from mlequations.demos._char_training import build_model
from mlequations.demos._pydoc_corpus import load_pydoc_corpus, random_windows
from mlequations.demos.char_transformer import FULL_CONFIG

TARGET = 1.5


def batches(corpus, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    config = FULL_CONFIG
    return [
        random_windows(corpus.train, config.batch_size, config.context_length, rng)
        for _ in range(count)
    ]


def ours(model: nn.CharTransformer) -> Callable[[np.ndarray, np.ndarray], float]:
    optimizer = optim.Adam(model.parameters(), lr=FULL_CONFIG.learning_rate)

    def step(inputs: np.ndarray, targets: np.ndarray) -> float:
        optimizer.zero_grad()
        loss = model.loss(inputs, targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def pytorch(model: nn.CharTransformer) -> Callable[[np.ndarray, np.ndarray], float]:
    import torch

    config = FULL_CONFIG

    class Twin(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            vocabulary, d = len(model.vocabulary), config.d_model
            self.token_embedding = torch.nn.Embedding(vocabulary, d)
            self.position_embedding = torch.nn.Embedding(config.context_length, d)
            self.layers = torch.nn.ModuleList(
                torch.nn.TransformerEncoderLayer(
                    d,
                    config.nhead,
                    config.dim_feedforward,
                    dropout=0.0,
                    activation=config.activation,
                    batch_first=True,
                    norm_first=True,
                )
                for _ in range(config.num_layers)
            )
            self.norm = torch.nn.LayerNorm(d)
            self.head = torch.nn.Linear(d, vocabulary)
            self.head.weight = self.token_embedding.weight

        def forward(self, tokens: torch.Tensor) -> torch.Tensor:
            length = tokens.shape[1]
            mask = torch.nn.Transformer.generate_square_subsequent_mask(length)
            h = self.token_embedding(tokens) + self.position_embedding.weight[:length]
            for layer in self.layers:
                h = layer(h, src_mask=mask, is_causal=True)
            return self.head(self.norm(h))

    twin = Twin()
    twin.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()})
    optimizer = torch.optim.Adam(twin.parameters(), lr=config.learning_rate)

    def step(inputs: np.ndarray, targets: np.ndarray) -> float:
        optimizer.zero_grad()
        logits = twin(torch.from_numpy(inputs))
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), torch.from_numpy(targets).reshape(-1)
        )
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def timed(steps: dict[str, Callable], data: list, repeats: int) -> dict[str, list[float]]:
    """Seconds per step of each implementation, their steps interleaved (fair on a busy machine)."""
    for step in steps.values():
        for inputs, targets in data[:3]:  # warm-up
            step(inputs, targets)
    times: dict[str, list[float]] = {label: [] for label in steps}
    for k in range(repeats):
        inputs, targets = data[k % len(data)]
        for label, step in steps.items():
            start = time.perf_counter()
            step(inputs, targets)
            times[label].append(time.perf_counter() - start)
    return times


def check_agreement(corpus, data: list) -> None:
    """Three steps from the same weights on the same batches give the same losses."""
    model = build_model(FULL_CONFIG, corpus.vocabulary)
    ours_step, torch_step = ours(model), pytorch(model)
    a = [ours_step(*batch) for batch in data[:3]]
    b = [torch_step(*batch) for batch in data[:3]]
    np.testing.assert_allclose(a, b, rtol=2e-4, err_msg="losses of ours and PyTorch differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    corpus = load_pydoc_corpus()
    data = batches(corpus, 8)
    config = FULL_CONFIG
    with threadpool_limits(args.threads):
        check_agreement(corpus, data)
        steps = {
            "PyTorch CPU": pytorch(build_model(config, corpus.vocabulary)),
            "mlequations": ours(build_model(config, corpus.vocabulary)),
        }
        times = timed(steps, data, args.repeats)
        results = {label: (min(t), statistics.median(t)) for label, t in times.items()}
        print(
            f"char-transformer step: {config.num_layers} blocks, d_model {config.d_model}, "
            f"{config.nhead} heads, context {config.context_length}, batch {config.batch_size}; "
            f"float32, {args.threads} threads, {args.repeats} interleaved steps after 3 warm-up"
        )
        print(f"{'implementation':16} {'min ms':>9} {'median ms':>10} {'steps/s':>8} {'ratio':>7}")
        best = results["PyTorch CPU"][0]
        for label, (fastest, median) in results.items():
            print(
                f"{label:16} {fastest * 1e3:9.1f} {median * 1e3:10.1f} {1 / fastest:8.1f} "
                f"{fastest / best:6.2f}x"
            )
        print(f"target: mlequations <= {TARGET}x PyTorch's time per step")
        if args.profile:
            step = ours(build_model(config, corpus.vocabulary))
            profiler = cProfile.Profile()
            profiler.enable()
            for inputs, targets in data:
                step(inputs, targets)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
