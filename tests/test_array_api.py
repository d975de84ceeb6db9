"""Every array-API equation of the catalog runs on NumPy, array-api-strict and PyTorch.

The catalog's worked example of each entry is replayed on every backend: the
result must be of the caller's array kind and equal NumPy's; in PyTorch the
gradient must flow back to the inputs; float32 inputs must give float32 results.
Functions documented as "NumPy only" are excluded here (and listed, so that the
list cannot grow silently).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from mlequations.catalog import load_catalog
from mlequations.catalog.verify import decode_value, select_from

CATALOG = load_catalog()

#: Entries whose function works on Python callables or SymPy, documented "NumPy only".
NUMPY_ONLY = {
    "numerical-differentiation",
    "numerical-hessian",
    "symbolic-differentiation",
    "symbolic-hessian",
    "hessian-convexity-test",
    "gradient-descent",
    "expectation-continuous",
    "l-smooth-descent",
}

#: Entries whose function builds an object from Python numbers rather than computing on arrays,
#: or works on the autodiff engine's Tensors (layers 2 and 3) rather than on array-API arrays.
NOT_ARRAY_FUNCTIONS = {
    "robbins-monro",
    # a factorisation with jitter retries and its log-determinant: NumPy/SciPy linear algebra
    "cholesky-decomposition",
    "log-determinant",
    # noise schedules of diffusion, built from Python numbers (always NumPy)
    "beta-schedule",
    "cosine-beta-schedule",
    # mlequations.autodiff: grad(f) and Tensor.graph() differentiate Tensor functions
    "chain-rule",
    "computational-graph",
    "backpropagation",
    "automatic-differentiation",
    # mlequations.nn: layers and initialisers on Tensors and NumPy arrays
    "mlp",
    "xavier-initialization",
    "kaiming-initialization",
    "dropout",
    "layer-normalization",
    "cross-entropy-with-logits",
    # mlequations.models and model_selection (layer 4): scikit-learn estimators fitted on
    # NumPy data, and the tree's impurity helper on NumPy class proportions
    "least-squares",
    "polynomial-regression",
    "ridge",
    "lasso",
    "naive-bayes",
    "decision-tree",
    "gini-impurity",
    "explained-variance-ratio",
    "perceptron",
    "logistic-regression",
    "empirical-risk-minimization",
    "validation-loss",
    "k-fold-cross-validation",
    "bias-estimation-error",
    # mlequations.models.GaussianProcessRegressor and mlequations.bayesopt.minimize (layer 4):
    # an estimator and an optimizer on NumPy data
    "gaussian-process",
    "bayesian-optimization",
}

#: Entries whose result is piecewise constant in the inputs (labels, decisions, indicators):
#: there is no gradient to flow.
NOT_DIFFERENTIABLE = {
    "one-hot",
    "positive-semidefinite-matrix",
    "independence",
    "zero-one-loss",
    "detection-error-loss",
    "optimal-hard-predictor",
    "relu-derivative",
    "leaky-relu-derivative",
    "categorical",
    "bernoulli",
    "information-gain",
}


def _is_numpy_only(entry) -> bool:
    return "NumPy only" in (inspect.getdoc(entry.implementation()) or "")


ARRAY_API_IDS = [
    entry_id
    for entry_id, entry in CATALOG.items()
    if not _is_numpy_only(entry) and entry_id not in NOT_ARRAY_FUNCTIONS
]


def test_numpy_only_functions_are_the_documented_few():
    documented = {entry_id for entry_id, entry in CATALOG.items() if _is_numpy_only(entry)}
    assert documented == NUMPY_ONLY


def _convert(value: Any, make_array) -> Any:
    """Turn catalog numbers into backend arrays; leave names, flags and callables alone."""
    if isinstance(value, dict) and "array" in value:
        return make_array(np.asarray(value["array"], dtype=value.get("dtype", "float64")))
    if isinstance(value, list) and value and not any(isinstance(v, str | dict) for v in value):
        return make_array(np.asarray(value, dtype=float))
    return decode_value(value)


def _call(entry, make_array):
    """Call the entry's function on its example with numbers turned into ``make_array`` arrays.

    Lists become arrays; a lone number becomes a 0-d array when it fills a parameter
    without a default (a variable of the equation, such as x or p), and stays a Python
    number when it sets an option with a default (alpha, base, ...).
    """
    example, function = entry.example, entry.implementation()
    bound = inspect.signature(function).bind(*example.args, **example.kwargs)
    parameters = inspect.signature(function).parameters
    arguments = {}
    for name, value in bound.arguments.items():
        is_variable = parameters[name].default is inspect.Parameter.empty
        if isinstance(value, float) and is_variable:
            arguments[name] = make_array(np.asarray(value))
        else:
            arguments[name] = _convert(value, make_array)
    positional = [arguments.pop(name) for name in list(bound.arguments)[: len(example.args)]]
    return select_from(function(*positional, **arguments), example.select)


def _leaves(result: Any) -> list[Any]:
    if isinstance(result, tuple | list):
        return [leaf for item in result for leaf in _leaves(item)]
    if hasattr(result, "__dataclass_fields__"):
        return [
            leaf for name in result.__dataclass_fields__ for leaf in _leaves(getattr(result, name))
        ]
    return [result]


def _numpy_reference(entry) -> list[Any]:
    return _leaves(_call(entry, np.asarray))


@pytest.mark.parametrize("entry_id", ARRAY_API_IDS)
def test_runs_on_every_backend_and_returns_its_kind(entry_id, backend):
    entry = CATALOG[entry_id]
    result = _call(entry, lambda a: backend.asarray(a, dtype=a.dtype.name))
    for ours, reference in zip(_leaves(result), _numpy_reference(entry), strict=True):
        if type(reference) in (bool, int, float, str, type(None)):
            assert ours == reference
            continue
        indexed = any(isinstance(step, int) for step in entry.example.select)
        numpy_element = backend.name == "numpy" and indexed and isinstance(ours, np.generic)
        assert backend.is_native(ours) or numpy_element, f"{entry_id} gave {type(ours).__name__}"
        np.testing.assert_allclose(backend.to_numpy(ours), reference, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("entry_id", ARRAY_API_IDS)
def test_float32_in_float32_out(entry_id):
    entry = CATALOG[entry_id]

    floating_inputs = []

    def float32(a):
        if a.dtype != np.float64:
            return a
        floating_inputs.append(a)
        return a.astype(np.float32)

    result = _call(entry, float32)
    if not floating_inputs:  # integer labels alone compute in float64
        return
    for leaf in _leaves(result):
        if isinstance(leaf, np.ndarray | np.generic) and leaf.dtype.kind == "f":
            assert leaf.dtype == np.float32, f"{entry_id} upcast float32 to {leaf.dtype}"


@pytest.mark.parametrize("entry_id", ARRAY_API_IDS)
def test_pytorch_autograd_flows_through(entry_id, torch):
    entry = CATALOG[entry_id]
    inputs = []

    def leaf_tensor(a):
        tensor = torch.asarray(a.copy())
        if tensor.is_floating_point():
            tensor.requires_grad_(True)
            inputs.append(tensor)
        return tensor

    result = _call(entry, leaf_tensor)
    outputs = [t for t in _leaves(result) if isinstance(t, torch.Tensor) and t.requires_grad]
    if entry_id in NOT_DIFFERENTIABLE:
        return
    assert outputs, f"{entry_id}: no output carries a gradient"
    total = sum((o[torch.isfinite(o)].sum() for o in outputs), torch.zeros((), dtype=torch.float64))
    total.backward()
    gradients = [t.grad for t in inputs if t.grad is not None]
    assert gradients, f"{entry_id}: no gradient reached the inputs"
    for gradient in gradients:
        assert bool(torch.all(torch.isfinite(gradient))), f"{entry_id}: non-finite gradient"
