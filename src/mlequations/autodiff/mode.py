"""Gradient recording on or off: :func:`no_grad` and :func:`enable_grad`.

The switch is a module attribute read by :func:`~mlequations.autodiff.tensor.record`
on every operation, so checking it costs one attribute lookup. Like PyTorch's
grad mode it is meant for one thread at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]

#: Whether operations on tensors that require gradients record the graph.
enabled = True


def is_grad_enabled() -> bool:
    """True when operations record the computational graph."""
    return enabled


@contextlib.contextmanager
def _grad_mode(on: bool) -> Iterator[None]:
    global enabled
    previous, enabled = enabled, on
    try:
        yield
    finally:
        enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """A context (or decorator) in which no operation records the graph.

    Use it for evaluation and for parameter updates: the results are constants
    and the memory of the intermediate values is freed at once.

    Examples
    --------
    >>> from mlequations.autodiff import Tensor, no_grad
    >>> w = Tensor([2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 3
    >>> y.requires_grad
    False
    """
    return _grad_mode(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """A context (or decorator) that records the graph, even inside :func:`no_grad`."""
    return _grad_mode(True)
