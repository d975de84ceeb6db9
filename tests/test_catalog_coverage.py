"""Every public equation function of the layer-1 modules has a catalog entry.

The layer-1 modules are ``src/mlequations/*.py`` (not the private ``_*.py``, the
command line or the data-set loaders). Their public functions are those named
in ``__all__``; a function re-exported or aliased elsewhere (``mse`` for
``mean_squared_error``) is the same object and counts once. Functions that
are plumbing rather than an equation are exempt, each with its reason.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import mlequations
from mlequations.catalog import load_catalog

PACKAGE = Path(mlequations.__file__).parent

#: Modules of src/mlequations/*.py that hold no equations.
NOT_EQUATION_MODULES = {
    "cli": "the command line",
    "datasets": "loaders of the bundled data sets (layer 4)",
}

#: "module:function" (the defining module) -> why it needs no entry of its own.
EXEMPT = {
    "mlequations.cholesky:triangular_solve": "plumbing: a LAPACK triangular solve",
    "mlequations.cholesky:cholesky_solve": "plumbing: K⁻¹b as two triangular solves",
    "mlequations.cholesky:cholesky_inverse": "plumbing: K⁻¹ from the Cholesky factor",
    "mlequations.schedules:constant": "the trivial schedule γ⁽ⁱ⁾ = γ (see robbins-monro)",
    "mlequations.schedules:polynomial_decay": (
        "schedule object of polynomial_decay_rate (entry polynomial-learning-rate-decay)"
    ),
    "mlequations.optimize:stochastic_gradient_descent": (
        "the loop around stochastic_gradient_step (entry stochastic-gradient-descent); its "
        "per-sample gradient callback is code, not catalog data; shown by the sgd-schedules demo"
    ),
    "mlequations.attention:attention_weights": (
        "the softmax(QKᵀ/√d + M) half of scaled_dot_product_attention (entry attention)"
    ),
    "mlequations.transformer:layer_norm": (
        "the block's layer norm as an array equation; entry layer-normalization has the formula"
    ),
    "mlequations.transformer:parameter_shapes": "plumbing: the state-dict shapes of a block",
}


def _is_layer_one(path: Path) -> bool:
    name = path.stem
    if name.startswith("_"):
        return False
    return not any(name == m or name.startswith(f"{m}_") for m in NOT_EQUATION_MODULES)


def public_functions() -> dict[str, object]:
    """``"module:name"`` (defining module) -> function, one per distinct function object."""
    found: dict[int, tuple[str, object]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        if not _is_layer_one(path):
            continue
        module = importlib.import_module(f"mlequations.{path.stem}")
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if inspect.isfunction(value) and id(value) not in found:
                found[id(value)] = (f"{value.__module__}:{value.__name__}", value)
    return dict(found.values())


def test_every_public_function_has_an_entry_or_a_reason():
    implemented = {id(entry.implementation()) for entry in load_catalog().values()}
    missing = [
        name
        for name, function in public_functions().items()
        if id(function) not in implemented and name not in EXEMPT
    ]
    assert not missing, f"functions without a catalog entry: {missing}"


def test_exemptions_are_current():
    functions = public_functions()
    implemented = {id(entry.implementation()) for entry in load_catalog().values()}
    for name in EXEMPT:
        assert name in functions, f"{name} is exempt but is not a public layer-1 function"
        assert id(functions[name]) not in implemented, f"{name} is exempt but has an entry"
    assert len(EXEMPT) <= 10


def test_aliases_count_once():
    functions = public_functions()
    assert "mlequations.losses:mean_squared_error" in functions
    assert not any(name.endswith(":mse") for name in functions)
    assert len({id(f) for f in functions.values()}) == len(functions)
