r"""The shared training of the multilayer-perceptron estimators (:mod:`mlequations.models.mlp`).

The network is the guides' MLP (catalog entry ``mlp``) in scikit-learn's row layout,

.. math::

    a^{(0)} = x, \qquad a^{(l)} = \sigma\big(a^{(l-1)} W^{(l)} + b^{(l)}\big), \qquad
    z = a^{(L-1)} W^{(L)} + b^{(L)},

fitted by regularised ERM on minibatches :math:`S`, the guide's
:math:`L_D(\theta) + \tfrac{\lambda}{N} R(\theta)` with :math:`R = \sum_l \|W^{(l)}\|^2`,
:math:`\lambda = \alpha / 2` and :math:`N = |S|`:

.. math::

    J_S(\theta) = \frac{1}{|S|} \sum_{n \in S} \ell(z_n, t_n)
    + \frac{\alpha}{2|S|} \sum_l \big\|W^{(l)}\big\|_F^2 .

The penalty (on the weights, not the biases) is added to the loss rather than
given to the optimizer as weight decay, so a short last batch gets scikit-learn's
gradient :math:`\tfrac{\alpha}{|S|} W` and the reported ``loss_`` includes it.
The layers are an :class:`mlequations.nn.MLP`, the updates
:class:`mlequations.optim.Adam` or :class:`mlequations.optim.SGD`, and the
epochs run in :class:`mlequations.training.Trainer`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations import nn, optim
from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.autodiff import Tensor, no_grad
from mlequations.training import Trainer

__all__ = ["BaseMLP"]


class _Identity(nn.Module):
    """The activation ``identity``: the hidden layers stay affine."""

    def forward(self, input: Any) -> Any:
        return input


#: scikit-learn's activation names and the layer each one is.
_ACTIVATIONS = {"identity": _Identity, "logistic": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
_CHOICES = {
    "activation": tuple(_ACTIVATIONS),
    "solver": ("adam", "sgd"),
    "learning_rate": ("constant", "invscaling", "adaptive"),
    "dtype": ("float64", "float32"),
}


def _number(value: Any, name: str, low: float, high: float = math.inf, open_low=False) -> None:
    number = check_real_number(value, name)
    inside = (low < number if open_low else low <= number) and number < high
    if not (math.isfinite(number) and inside):
        bounds = f"{'(' if open_low else '['}{low:g}, {high:g})"
        raise ValidationError(f"{name} must be a finite number in {bounds}, got {value!r}")


def _hidden_sizes(value: Any) -> list[int]:
    sizes = [value] if isinstance(value, numbers.Integral) else value
    if isinstance(sizes, str) or not hasattr(sizes, "__iter__"):
        raise ArrayTypeError(f"hidden_layer_sizes must be an int or a tuple of ints, got {value!r}")
    return [check_integer(size, "hidden_layer_sizes entries", 1) for size in sizes]


def _generator(random_state: Any) -> np.random.Generator:
    """A local generator for the weights, the shuffles and the validation split."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(check_integer(random_state, "random_state", 0))


@contextmanager
def _nn_rng_kept() -> Iterator[None]:
    """Restore the global generator of :mod:`mlequations.nn`, which new layers draw from."""
    state = nn.get_rng_state()
    try:
        yield
    finally:
        nn.set_rng_state(state)


def _linear_layers(model: nn.MLP) -> list[nn.Linear]:
    return [layer for layer in model if isinstance(layer, nn.Linear)]


def _evaluated(model: nn.MLP, X: np.ndarray) -> np.ndarray:
    """The network's output values for ``X``, without recording a graph."""
    with no_grad():
        return model(Tensor(X)).data


class BaseMLP(BaseEstimator):
    """The parameters, training loop and fitted network shared by both estimators."""

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 1e-3,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: int = 0,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        dtype: str = "float64",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype

    # Subclasses define _targets(X, y) -> (X, targets, n_outputs), _data_loss(output,
    # targets) -> Tensor and _validation_score(output, targets) -> float.

    def _check_params(self) -> None:
        _hidden_sizes(self.hidden_layer_sizes)
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                hint = " (lbfgs is not implemented)" if getattr(self, name) == "lbfgs" else ""
                raise ValidationError(
                    f"{name} must be one of {list(choices)}{hint}, got {getattr(self, name)!r}"
                )
        if self.batch_size != "auto":
            check_integer(self.batch_size, "batch_size", 1, hint=" (or 'auto')")
        for name in ("max_iter", "n_iter_no_change"):
            check_integer(getattr(self, name), name, 1)
        check_integer(self.verbose, "verbose", 0)
        for name in ("alpha", "power_t", "tol"):
            _number(getattr(self, name), name, 0.0)
        for name in ("learning_rate_init", "epsilon"):
            _number(getattr(self, name), name, 0.0, open_low=True)
        for name in ("momentum", "beta_1", "beta_2"):
            _number(getattr(self, name), name, 0.0, 1.0)
        _number(self.validation_fraction, "validation_fraction", 0.0, 1.0, open_low=True)
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ArrayTypeError(f"{name} must be True or False, got {getattr(self, name)!r}")

    # --------------------------------------------------------------- the network

    def _make_network(self, sizes: list[int], dtype: Any) -> nn.MLP:
        with _nn_rng_kept():
            return nn.MLP(sizes, activation=_ACTIVATIONS[self.activation], dtype=dtype)

    def _new_network(self, sizes: list[int], rng: np.random.Generator) -> nn.MLP:
        r"""Glorot-uniform weights and biases, as scikit-learn: :math:`U(-a, a)` with

        :math:`a = \sqrt{6 / (n_\text{in} + n_\text{out})}` (2 instead of 6 for ``logistic``).
        """
        model = self._make_network(sizes, self.dtype)
        factor = 2.0 if self.activation == "logistic" else 6.0
        for layer in _linear_layers(model):
            bound = math.sqrt(factor / (layer.in_features + layer.out_features))
            nn.init.uniform_(layer.weight, -bound, bound, generator=rng)
            nn.init.uniform_(layer.bias, -bound, bound, generator=rng)
        return model

    def _sizes(self) -> list[int]:
        return [self.coefs_[0].shape[0], *(coef.shape[1] for coef in self.coefs_)]

    def _network(self) -> nn.MLP:
        """The fitted network, rebuilt from ``coefs_`` (transposed) and ``intercepts_``."""
        model = self._make_network(self._sizes(), self.coefs_[0].dtype)
        for layer, coef, intercept in zip(
            _linear_layers(model), self.coefs_, self.intercepts_, strict=True
        ):
            layer.weight.data[...] = coef.T
            layer.bias.data[...] = intercept
        return model

    def _output(self, X: Any) -> np.ndarray:
        """The last layer's values :math:`z` for new data (logits, or predictions)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.coefs_[0].dtype)
        return _evaluated(self._network(), X)

    def _optimizer(self, model: nn.MLP) -> optim.Optimizer:
        rate = self.learning_rate_init
        if self.solver == "adam":
            betas = (self.beta_1, self.beta_2)
            return optim.Adam(model.parameters(), lr=rate, betas=betas, eps=self.epsilon)
        nesterov = self.nesterovs_momentum and self.momentum > 0
        return optim.SGD(model.parameters(), lr=rate, momentum=self.momentum, nesterov=nesterov)

    def _objective(self, model: nn.MLP) -> Any:
        r"""The batch loss :math:`J_S`: the data loss plus :math:`\alpha/(2|S|) \sum \|W\|^2`."""
        weights = [layer.weight for layer in _linear_layers(model)]
        alpha = float(self.alpha)

        def objective(output: Tensor, targets: np.ndarray) -> Tensor:
            loss = self._data_loss(output, targets)
            if alpha == 0:
                return loss
            squares = [(w * w).sum() for w in weights]
            return loss + sum(squares[1:], squares[0]) * (alpha / (2 * len(targets)))

        return objective

    # --------------------------------------------------------------- fitting

    def fit(self, X: Any, y: Any) -> BaseMLP:
        """Train on ``(X, y)`` for at most ``max_iter`` epochs and return the estimator.

        Warns
        -----
        ConvergenceWarning
            If ``max_iter`` epochs ran out before the stopping rule (``converged_`` False).
        """
        self._check_params()
        rng = _generator(self.random_state)
        X, targets, n_outputs = self._targets(X, y)
        sizes = [X.shape[1], *_hidden_sizes(self.hidden_layer_sizes), n_outputs]
        if (
            self.warm_start
            and hasattr(self, "coefs_")
            and (self._sizes(), self.coefs_[0].dtype) == (sizes, np.dtype(self.dtype))
        ):
            model = self._network()
        else:
            model = self._new_network(sizes, rng)
        self._train(model, *self._split(X, targets, rng), rng)
        self.coefs_ = [layer.weight.data.T.copy() for layer in _linear_layers(model)]
        self.intercepts_ = [layer.bias.data.copy() for layer in _linear_layers(model)]
        self.n_layers_, self.n_outputs_ = len(sizes), n_outputs
        return self

    def _split(self, X: np.ndarray, targets: np.ndarray, rng: np.random.Generator) -> tuple:
        """``((X, t), None)``, or training and validation parts with ``early_stopping``."""
        if not self.early_stopping:
            return (X, targets), None
        stratify = targets.ravel() if isinstance(self, ClassifierMixin) else None
        seed = int(rng.integers(np.iinfo(np.int32).max))
        X_train, X_val, t_train, t_val = train_test_split(
            X, targets, test_size=self.validation_fraction, random_state=seed, stratify=stratify
        )
        if len(X_val) < 2:
            raise ValidationError(
                f"early_stopping needs a validation set of at least 2 samples, got {len(X_val)} "
                f"(validation_fraction={self.validation_fraction} of {len(X)} samples)"
            )
        return (X_train, t_train), (X_val, t_val)

    def _train(self, model: nn.MLP, train: tuple, validation: tuple | None, rng: Any) -> None:
        """Epochs until scikit-learn's stopping rule fires or ``max_iter`` runs out."""
        X, targets = train
        batch_size = min(200 if self.batch_size == "auto" else self.batch_size, len(X))
        optimizer = self._optimizer(model)
        trainer = Trainer(
            model,
            self._objective(model),
            optimizer,
            batch_size=batch_size,
            shuffle=self.shuffle,
            random_state=rng,
            metrics=(),
            verbose=0,
        )
        self.loss_curve_, self.t_, self.n_iter_, self.converged_ = [], 0, 0, False
        self.best_loss_ = None if validation else np.inf
        self.validation_scores_ = [] if validation else None
        self.best_validation_score_ = -np.inf if validation else None
        progress = {"stalled": 0, "rate": float(self.learning_rate_init), "best": None}
        while self.n_iter_ < self.max_iter and not self.converged_:
            self.loss_ = trainer.fit(X, targets, epochs=1).train_loss[0]
            self.loss_curve_.append(self.loss_)
            self.n_iter_, self.t_ = self.n_iter_ + 1, self.t_ + len(X)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            self._after_epoch(model, validation, progress)
            for group in optimizer.param_groups:
                group["lr"] = progress["rate"]
        if progress["best"] is not None:
            for parameter, values in zip(model.parameters(), progress["best"], strict=True):
                parameter.data[...] = values
        if not self.converged_:
            warnings.warn(
                f"{type(self).__name__} reached max_iter={self.max_iter} epochs without "
                f"converging (the last loss is {self.loss_:.6g}); raise max_iter or tol",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _after_epoch(self, model: nn.MLP, validation: tuple | None, progress: dict) -> None:
        """Count the epochs without improvement by ``tol``, schedule the rate, stop or go on.

        ``progress`` holds the count (``"stalled"``), the rate and, with
        ``early_stopping``, the weights of the best validation score (``"best"``).
        """
        if validation is None:
            improved = self.loss_ <= self.best_loss_ - self.tol
            self.best_loss_ = min(self.best_loss_, self.loss_)
        else:
            score = self._validation_score(_evaluated(model, validation[0]), validation[1])
            self.validation_scores_.append(score)
            improved = score >= self.best_validation_score_ + self.tol
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                progress["best"] = [parameter.data.copy() for parameter in model.parameters()]
        progress["stalled"] = 0 if improved else progress["stalled"] + 1
        sgd = self.solver == "sgd"
        if sgd and self.learning_rate == "invscaling":
            progress["rate"] = self.learning_rate_init / (self.t_ + 1) ** self.power_t
        if progress["stalled"] > self.n_iter_no_change:
            if sgd and self.learning_rate == "adaptive" and progress["rate"] > 1e-6:
                progress["rate"], progress["stalled"] = progress["rate"] / 5.0, 0
            else:
                self.converged_ = True
