r"""Multilayer perceptrons as scikit-learn estimators, trained on the autodiff engine.

:class:`MLPClassifier` minimises the cross entropy of its class probabilities,
:class:`MLPRegressor` the squared error; the network, the penalised minibatch
objective and the training loop they share are in :mod:`mlequations.models.mlp_base`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from mlequations import nn
from mlequations._array import ValidationError
from mlequations.autodiff import Tensor
from mlequations.models.mlp_base import BaseMLP
from mlequations.softmax import log_softmax

__all__ = ["MLPClassifier", "MLPRegressor"]


class MLPClassifier(ClassifierMixin, BaseMLP):
    r"""A multilayer perceptron minimising the cross entropy (log-loss) of its class probabilities.

    With :math:`K > 2` classes the last layer has :math:`K` outputs,
    :math:`p(k \mid x) = \operatorname{softmax}(z)_k` and
    :math:`\ell(z, t) = -\log \operatorname{softmax}(z)_t`. With two classes it has
    one output, as in scikit-learn: :math:`p(\text{classes\_}[1] \mid x) = \sigma(z)` and
    :math:`\ell = -t \log \sigma(z) - (1 - t) \log(1 - \sigma(z))`. The penalised batch
    loss :math:`J_S` and the network are those of :mod:`mlequations.models.mlp_base`.
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


class MLPRegressor(RegressorMixin, BaseMLP):
    r"""A multilayer perceptron minimising half the squared error of its predictions.

    The last layer is affine, with one output per target column, and

    .. math::

        \ell(z, t) = \tfrac{1}{2} \|z - t\|^2

    enters the batch loss :math:`J_S` of :mod:`mlequations.models.mlp_base`. For one
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
