r"""Multilayer perceptrons as scikit-learn estimators, trained on the autodiff engine.

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
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from mlequations import nn, optim
from mlequations._array import ArrayTypeError, ValidationError
from mlequations._checks import check_integer, check_real_number
from mlequations.autodiff import Tensor, no_grad
from mlequations.softmax import log_softmax
from mlequations.training import Trainer

__all__ = ["MLPClassifier", "MLPRegressor"]


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


class _BaseMLP(BaseEstimator):
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

    def fit(self, X: Any, y: Any) -> _BaseMLP:
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


class MLPClassifier(ClassifierMixin, _BaseMLP):
    r"""A multilayer perceptron minimising the cross entropy (log-loss) of its class probabilities.

    With :math:`K > 2` classes the last layer has :math:`K` outputs,
    :math:`p(k \mid x) = \operatorname{softmax}(z)_k` and
    :math:`\ell(z, t) = -\log \operatorname{softmax}(z)_t`. With two classes it has
    one output, as in scikit-learn: :math:`p(\text{classes\_}[1] \mid x) = \sigma(z)` and
    :math:`\ell = -t \log \sigma(z) - (1 - t) \log(1 - \sigma(z))`. The penalised batch
    loss :math:`J_S` and the network are those of :mod:`mlequations.models.mlp`.
    Multilabel targets are not supported.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default (100,)
        The width of each hidden layer; ``()`` is a linear model.
    activation : {"relu", "tanh", "logistic", "identity"}, default "relu"
        :math:`\sigma` of the hidden layers.
    solver : {"adam", "sgd"}, default "adam"
        There is no ``"lbfgs"``. Adam puts ``epsilon`` outside the bias-corrected
        square root (PyTorch's form; scikit-learn's differs by :math:`\sqrt{1-\beta_2^t}`).
    alpha : float, default 1e-4
        The L2 strength of :math:`J_S`.
    batch_size : int or "auto", default "auto"
        ``min(200, n_samples)``; larger values are clipped to ``n_samples``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default "constant"
        SGD's schedule, as scikit-learn: :math:`\gamma_0 / (t + 1)^{\text{power\_t}}`
        with :math:`t` the samples seen, or a division by 5 each time the stopping rule
        fires (stopping below 1e-6). With momentum a new rate scales the whole buffer
        (PyTorch's form), which departs from scikit-learn only while the rate changes.
    learning_rate_init, power_t : float, default 1e-3, 0.5
    max_iter : int, default 200
        The most epochs to run.
    shuffle : bool, default True
        Shuffle the samples every epoch.
    random_state : int, numpy Generator or RandomState, or None
        Seeds a local generator for the weights, the shuffles and the validation
        split; the global generator of :mod:`mlequations.nn` is left as it was.
    tol : float, default 1e-4
    n_iter_no_change : int, default 10
        Training stops (``converged_`` True) once the epoch loss, or the validation
        score with ``early_stopping``, has not improved by ``tol`` on its best for
        more than ``n_iter_no_change`` epochs in a row.
    verbose : int, default 0
        Print the loss after every epoch (scikit-learn's lines).
    warm_start : bool, default False
        Start from the fitted weights if the layer sizes and dtype match (the
        optimizer, the counters and ``loss_curve_`` start afresh).
    momentum : float, default 0.9
    nesterovs_momentum : bool, default True
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified), stop on its
        accuracy (:math:`R^2` for the regressor) and keep the best epoch's weights.
    validation_fraction : float, default 0.1
    beta_1, beta_2, epsilon : float, default 0.9, 0.999, 1e-8
    dtype : {"float64", "float32"}, default "float64"
        The dtype of the weights and the computation; ``X`` is converted to it,
        and outputs and ``coefs_`` have it.

    Attributes
    ----------
    classes_ : ndarray
        The class labels, sorted.
    coefs_, intercepts_ : list of ndarray
        ``coefs_[l]`` of shape ``(fan_in, fan_out)`` (the transpose of
        ``nn.Linear.weight``), ``intercepts_[l]`` of shape ``(fan_out,)``.
    loss_ : float
        The last epoch's :math:`J_S`, averaged over its batches weighted by size.
    loss_curve_ : list of float
        ``loss_`` after every epoch.
    best_loss_ : float or None
        The smallest epoch loss (None with ``early_stopping``).
    validation_scores_ : list of float or None
    best_validation_score_ : float or None
        With ``early_stopping``: the score after every epoch, and the best one.
    n_iter_, t_ : int
        The epochs run and the samples seen.
    converged_ : bool
        True when the stopping rule ended training; False when ``max_iter`` ran
        out, which also issues scikit-learn's ``ConvergenceWarning``.
    n_layers_, n_outputs_, n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.
    out_activation_ : {"softmax", "logistic"}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> model = MLPClassifier((16,), learning_rate_init=0.01, tol=1e-3, random_state=0)
    >>> model.fit(X, y).converged_, bool(model.score(X, y) > 0.95)
    (True, True)
    >>> model.predict(X[:1]), model.predict_proba(X[:1]).round(2)
    (array([0]), array([[0.99, 0.01, 0.  ]]))
    >>> [coef.shape for coef in model.coefs_]
    [(4, 16), (16, 3)]
    """

    def _targets(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, int]:
        X, y = validate_data(self, X, y, dtype=np.dtype(self.dtype))
        check_classification_targets(y)
        classes, encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValidationError(
                f"{type(self).__name__} needs samples of at least 2 classes in y, got only one "
                f"class: {classes.tolist()[0]!r}"
            )
        if self.warm_start and not np.array_equal(getattr(self, "classes_", classes), classes):
            raise ValidationError(
                f"warm_start=True needs y to have the classes of the previous fit "
                f"{self.classes_.tolist()}, got {classes.tolist()}"
            )
        self.classes_ = classes
        self.out_activation_ = "logistic" if len(classes) == 2 else "softmax"
        if len(classes) == 2:
            return X, encoded.astype(X.dtype).reshape(-1, 1), 1
        return X, encoded.astype(np.int64), len(classes)

    def _data_loss(self, output: Tensor, targets: np.ndarray) -> Tensor:
        if output.shape[1] == 1:
            return nn.functional.binary_cross_entropy_with_logits(output, targets)
        return nn.functional.cross_entropy(output, targets)

    def _validation_score(self, output: np.ndarray, targets: np.ndarray) -> float:
        return float(np.mean(_class_index(output) == targets.ravel()))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row of ``X``."""
        index = _class_index(self._output(X))
        return self.classes_[index]

    def predict_log_proba(self, X: Any) -> np.ndarray:
        r"""Log-probabilities of ``classes_``, computed without overflow or ``log 0``.

        :math:`\log \sigma(\pm z) = -\log(1 + e^{\mp z})` for two classes, the
        log-softmax of :math:`z` otherwise; shape ``(n_samples, n_classes)``.
        """
        z = self._output(X)
        if z.shape[1] == 1:
            return np.column_stack([-np.logaddexp(0, z[:, 0]), -np.logaddexp(0, -z[:, 0])])
        return log_softmax(z, axis=1)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of ``classes_``: each row sums to 1."""
        return np.exp(self.predict_log_proba(X))


class MLPRegressor(RegressorMixin, _BaseMLP):
    r"""A multilayer perceptron minimising half the squared error of its predictions.

    The last layer is affine, with one output per target column, and

    .. math::

        \ell(z, t) = \tfrac{1}{2} \|z - t\|^2

    enters the batch loss :math:`J_S` of :mod:`mlequations.models.mlp`. For one
    target, ``loss_`` is scikit-learn's (half the mean squared error plus the
    penalty). For :math:`k` targets scikit-learn reports the data term divided by
    :math:`k` but follows the gradient of this one, which is the loss reported here.
    ``y`` may be 1-D or 2-D; ``predict`` returns shape ``(n_samples,)`` when there is
    one output.

    Parameters and attributes are those of :class:`MLPClassifier` (without
    ``classes_``); ``out_activation_`` is ``"identity"``.

    Examples
    --------
    >>> x = np.linspace(-1, 1, 200).reshape(-1, 1)
    >>> t = np.sin(3 * x[:, 0])
    >>> model = MLPRegressor((32,), "tanh", learning_rate_init=0.01, batch_size=32, tol=1e-5,
    ...                      random_state=0)
    >>> model.fit(x, t).converged_, bool(model.score(x, t) > 0.99)
    (True, True)
    >>> model.predict([[0.5]]).round(1), round(float(np.sin(1.5)), 1)
    (array([0.9]), 1.0)
    """

    def _targets(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, int]:
        dtype = np.dtype(self.dtype)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=dtype)
        self.out_activation_ = "identity"
        targets = np.asarray(y, dtype=dtype).reshape(len(y), -1)
        return X, targets, targets.shape[1]

    def _data_loss(self, output: Tensor, targets: np.ndarray) -> Tensor:
        return nn.functional.mse_loss(output, targets) * (0.5 * targets.shape[1])

    def _validation_score(self, output: np.ndarray, targets: np.ndarray) -> float:
        return float(r2_score(targets, output))

    def predict(self, X: Any) -> np.ndarray:
        """The predicted targets: shape ``(n_samples,)`` for one output, else ``(n, k)``."""
        z = self._output(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _class_index(z: np.ndarray) -> np.ndarray:
    """The index of the predicted class: :math:`z > 0` for one logit, else the arg-max."""
    return (z[:, 0] > 0).astype(np.intp) if z.shape[1] == 1 else np.argmax(z, axis=1)
