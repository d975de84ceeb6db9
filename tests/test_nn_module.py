"""nn.Module: registration order, PyTorch's parameter names, modes, gradients, state and repr."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

from mlequations import nn
from mlequations._array import ArrayTypeError, ValidationError
from mlequations.autodiff import Tensor


class Block(nn.Module):
    """A nested module: a parameter assigned after a sub-module, and a Sequential inside."""

    def __init__(self, dtype="float32"):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(3, 4, dtype=dtype), nn.Tanh(), nn.Linear(4, 2, dtype=dtype)
        )
        self.scale = nn.Parameter(np.ones(2, dtype=dtype))
        self.norm = nn.LayerNorm(2, dtype=dtype)

    def forward(self, x):
        return self.norm(self.net(x) * self.scale)


def torch_block(torch):
    class TorchBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)
            )
            self.scale = torch.nn.Parameter(torch.ones(2))
            self.norm = torch.nn.LayerNorm(2)

        def forward(self, x):
            return self.norm(self.net(x) * self.scale)

    return TorchBlock()


def torch_state(module):
    return OrderedDict((k, v.detach().numpy().copy()) for k, v in module.state_dict().items())


# --------------------------------------------------------------------------- names as in PyTorch


def test_parameter_always_requires_grad_and_is_a_tensor():
    p = nn.Parameter(np.zeros(3, dtype=np.float32))
    assert isinstance(p, Tensor)
    assert p.requires_grad
    assert p.dtype == np.float32
    assert nn.Parameter([1, 2], dtype="float32").dtype == np.float32
    assert repr(nn.Parameter([1.0])).startswith("Parameter containing:\n")


def test_sequential_names_equal_pytorch(torch):
    ours = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        assert a.shape == tuple(b.shape), name
        assert a.dtype == np.float32


def test_mlp_names_equal_the_equivalent_pytorch_sequential(torch):
    ours = nn.MLP([5, 8, 8, 3], activation="gelu")
    theirs = torch.nn.Sequential(
        torch.nn.Linear(5, 8),
        torch.nn.GELU(),
        torch.nn.Linear(8, 8),
        torch.nn.GELU(),
        torch.nn.Linear(8, 3),
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours[1], nn.GELU)
    assert isinstance(ours[-1], nn.Linear)
    assert len(ours) == 5


def test_nested_names_and_order_equal_pytorch(torch):
    ours, theirs = Block(), torch_block(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == ["net", "norm"]


def test_nested_forward_and_gradients_equal_pytorch(torch, rng):
    ours, theirs = Block(dtype="float64"), torch_block(torch).double()
    ours.load_state_dict(torch_state(theirs))
    x = rng.normal(size=(6, 3))
    out = ours(x)
    expected = theirs(torch.from_numpy(x))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)


def test_shared_parameter_is_listed_once_like_pytorch(torch):
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    t_layer = torch.nn.Linear(2, 2)
    t_model = torch.nn.Sequential(t_layer, torch.nn.ReLU(), t_layer)
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in t_model.named_parameters()]
    assert list(model.state_dict()) == list(t_model.state_dict())
    assert len(list(model.modules())) == len(list(t_model.modules())) == 3


def test_reassignment_keeps_position_and_none_unregisters():
    model = Block()
    model.net = nn.Linear(3, 2)
    assert [n for n, _ in model.named_children()] == ["net", "norm"]
    model.norm = None
    assert [n for n, _ in model.named_parameters()] == ["scale", "net.weight", "net.bias"]
    del model.scale
    assert "scale" not in dict(model.named_parameters())
    with pytest.raises(AttributeError, match="has no attribute 'scale'"):
        _ = model.scale


def test_parameters_recurse_false_and_children():
    model = Block()
    assert [id(p) for p in model.parameters(recurse=False)] == [id(model.scale)]
    assert list(model.children()) == [model.net, model.norm]
    assert sum(p.size for p in model.parameters()) == 3 * 4 + 4 + 4 * 2 + 2 + 2 + 2 + 2


# --------------------------------------------------------------------------- modes and gradients


def test_train_and_eval_reach_every_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.1)))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ArrayTypeError, match="mode must be True or False"):
        model.train("yes")


def test_zero_grad_sets_every_gradient_to_none():
    model = nn.MLP([3, 4, 2])
    model(np.ones((2, 3), dtype=np.float32)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_apply_visits_children_then_self():
    visited = []
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "ReLU", "Sequential"]


# --------------------------------------------------------------------------- state dict


def test_state_dict_is_an_ordered_copy():
    model = nn.Linear(2, 3)
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    state["weight"][...] = 7.0
    assert not np.any(model.weight.data == 7.0)


def test_load_state_dict_copies_in_place_and_keeps_identity():
    a, b = nn.MLP([3, 5, 2]), nn.MLP([3, 5, 2])
    weight = b[0].weight
    array = weight.data
    result = b.load_state_dict(a.state_dict())
    assert result == nn.IncompatibleKeys([], [])
    assert b[0].weight is weight
    assert weight.data is array
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        np.testing.assert_array_equal(x, y, err_msg=name)


def test_load_state_dict_strict_false_reports_keys():
    model = nn.Sequential(nn.Linear(2, 2))
    state = {"0.weight": np.zeros((2, 2), dtype=np.float32), "extra": np.zeros(1)}
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias"]
    assert result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(model[0].weight.data, 0.0)


def test_load_state_dict_refuses_non_mappings_and_non_arrays():
    model = nn.Linear(2, 2)
    with pytest.raises(ArrayTypeError, match="state must be a mapping"):
        model.load_state_dict([("weight", np.zeros((2, 2)))])
    with pytest.raises(ArrayTypeError, match=r"state\['weight'\] must be a NumPy array, got list"):
        model.load_state_dict({"weight": [[0.0, 0.0], [0.0, 0.0]], "bias": np.zeros(2, np.float32)})


# --------------------------------------------------------------------------- repr


def test_repr_equals_pytorch(torch):
    ours = nn.Sequential(
        nn.Linear(4, 8),
        nn.LeakyReLU(0.2),
        nn.LayerNorm(8),
        nn.GELU(approximate="tanh"),
        nn.Sequential(nn.Linear(8, 2, bias=False), nn.Softmax(dim=-1)),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.LeakyReLU(0.2),
        torch.nn.LayerNorm(8),
        torch.nn.GELU(approximate="tanh"),
        torch.nn.Sequential(torch.nn.Linear(8, 2, bias=False), torch.nn.Softmax(dim=-1)),
    )
    assert repr(ours) == repr(theirs)
    assert repr(nn.Embedding(10, 3)) == repr(torch.nn.Embedding(10, 3))
    assert repr(nn.Sigmoid()) == "Sigmoid()"
    assert repr(nn.Linear(2, 3, dtype="float64")).endswith("bias=True, dtype=float64)")


# --------------------------------------------------------------------------- errors


def test_assigning_before_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.w = nn.Parameter([1.0])

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Forgetful()


def test_assigning_a_plain_tensor_over_a_parameter_is_refused():
    layer = nn.Linear(2, 2)
    with pytest.raises(ArrayTypeError, match="cannot assign Tensor as parameter 'weight'"):
        layer.weight = Tensor(np.zeros((2, 2)))
    model = nn.Sequential(nn.ReLU())
    model.tag = "plain attributes are fine"
    with pytest.raises(ArrayTypeError, match="cannot assign int as sub-module '0'"):
        setattr(model, "0", 3)


def test_registration_names_are_checked():
    module = nn.Module()
    with pytest.raises(ValidationError, match=r"contain no '\.'"):
        module.register_parameter("a.b", nn.Parameter([1.0]))
    with pytest.raises(ArrayTypeError, match="param must be a Parameter or None, got Tensor"):
        module.register_parameter("a", Tensor([1.0]))
    with pytest.raises(ArrayTypeError, match="module must be a Module or None, got int"):
        module.add_module("m", 3)
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        module(1)


def test_sequential_indexing_and_errors():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(model[-1], nn.Linear)
    head = model[:2]
    assert isinstance(head, nn.Sequential)
    assert len(head) == 2
    assert head[0] is model[0]
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]
    with pytest.raises(ArrayTypeError, match="Sequential takes Module instances, got function"):
        nn.Sequential(lambda x: x)
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias"]


def test_mlp_arguments_are_checked():
    with pytest.raises(ValidationError, match="sizes must be a sequence of at least two"):
        nn.MLP([3])
    with pytest.raises(ValidationError, match="activation must be one of"):
        nn.MLP([3, 2, 1], activation="softplus")
    with pytest.raises(ArrayTypeError, match=r"nn.Tanh, not nn.Tanh\(\)"):
        nn.MLP([3, 2, 1], activation=nn.Tanh())
    with pytest.raises(ValidationError, match="sizes entries must be >= 1, got 0"):
        nn.MLP([3, 0, 1])
    model = nn.MLP([3, 2, 1], activation=lambda: nn.LeakyReLU(0.2), dtype="float64")
    assert model[1].negative_slope == 0.2
    assert model[0].weight.dtype == np.float64
