"""A whole network trained by our nn + optim against torch.nn + torch.optim with copied weights.

The two start from the same parameters (copied through state dicts, whose names
must agree), take ten steps of SGD with momentum or of Adam on the same batches,
and must end with the same parameters and the same loss curve.
"""

from __future__ import annotations

import numpy as np
import pytest

from mlequations import nn, optim
from mlequations.autodiff import Tensor

OPTIMIZERS = {
    "sgd-momentum": ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3}),
    "sgd-nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "adam": ("Adam", {"lr": 0.01, "betas": (0.9, 0.99), "weight_decay": 1e-3}),
}
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def build_ours(dtype: str) -> nn.Module:
    return nn.Sequential(
        nn.Linear(6, 16, dtype=dtype),
        nn.GELU(),
        nn.LayerNorm(16, dtype=dtype),
        nn.Linear(16, 8, dtype=dtype),
        nn.Tanh(),
        nn.Linear(8, 3, dtype=dtype),
    )


def build_torch(torch, dtype: str):
    return torch.nn.Sequential(
        torch.nn.Linear(6, 16),
        torch.nn.GELU(),
        torch.nn.LayerNorm(16),
        torch.nn.Linear(16, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 3),
    ).to(getattr(torch, dtype))


def batches(dtype: str, steps: int = 10):
    rng = np.random.default_rng(7)
    for _ in range(steps):
        yield rng.normal(size=(12, 6)).astype(dtype), rng.integers(0, 3, 12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_ten_steps_match_pytorch(torch, name, dtype):
    nn.manual_seed(0)
    ours = build_ours(dtype)
    theirs = build_torch(torch, dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in ours.state_dict().items()})

    class_name, options = OPTIMIZERS[name]
    our_optimizer = getattr(optim, class_name)(ours.parameters(), **options)
    their_optimizer = getattr(torch.optim, class_name)(theirs.parameters(), **options)
    our_losses, their_losses = [], []
    for x, y in batches(dtype):
        our_optimizer.zero_grad()
        loss = nn.functional.cross_entropy(ours(Tensor(x)), y)
        loss.backward()
        our_optimizer.step()
        our_losses.append(loss.item())

        their_optimizer.zero_grad()
        reference = torch.nn.functional.cross_entropy(
            theirs(torch.from_numpy(x)), torch.from_numpy(y)
        )
        reference.backward()
        their_optimizer.step()
        their_losses.append(reference.item())

    tolerance = TOLERANCE[dtype]
    np.testing.assert_allclose(our_losses, their_losses, rtol=tolerance, atol=tolerance)
    assert our_losses[-1] < our_losses[0]  # the network did learn something
    reference_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        assert value.dtype == np.dtype(dtype), key
        np.testing.assert_allclose(
            value, reference_state[key].numpy(), rtol=tolerance, atol=tolerance, err_msg=key
        )


def test_a_training_step_moves_every_parameter(torch):
    """No parameter is left out of the graph: each one's gradient matches PyTorch's."""
    nn.manual_seed(1)
    ours = build_ours("float64")
    theirs = build_torch(torch, "float64")
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in ours.state_dict().items()})
    x, y = next(batches("float64"))
    nn.functional.cross_entropy(ours(x), y).backward()
    torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    their_grads = dict(theirs.named_parameters())
    for key, parameter in ours.named_parameters():
        assert parameter.grad is not None, key
        assert np.any(parameter.grad != 0), key
        np.testing.assert_allclose(
            parameter.grad, their_grads[key].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=key
        )
