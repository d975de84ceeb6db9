r"""Layer 1: inference with a known joint distribution :math:`p(x, t)`.

When the joint distribution of an input :math:`x` and a target :math:`t` is
known, predicting :math:`t` from :math:`x` is *inference* (learning is the
case where it must be estimated from data). Every function here takes the
joint as a table:

- ``joint[i, j] = p(x = x_i, t = t_j)``: rows run over the values of
  :math:`x`, columns over the values of :math:`t`, and all entries sum to 1;
- ``t_values`` (optional) gives the numeric value :math:`t_j` of each column;
  by default the columns are :math:`t = 0, 1, \dots, K-1`;
- a hard predictor is a vector with one prediction :math:`\hat t(x_i)` per row;
- a soft predictor is a table ``q[i, j] = q(t_j | x_i)`` whose rows sum to 1.

All functions accept NumPy arrays or any array-API array and return the caller's kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import array_api_compat

from mlequations._array import ShapeError, ValidationError, as_array, as_arrays, native, xlogy
from mlequations._checks import check_finite, check_probability, check_same_shape

__all__ = [
    "log_loss",
    "optimal_hard_predictor",
    "optimal_soft_predictor",
    "population_log_loss",
    "population_loss",
]

LossArgument = Literal["zero_one", "quadratic"] | Callable[[Any, Any], Any]


# --------------------------------------------------------------------------- helpers


def _joint_and_values(joint: Any, t_values: Any | None, *extra: tuple[Any, str]) -> tuple:
    """Convert and check the joint table, the t values and any extra arrays."""
    values = [joint, *(v for v, _ in extra)]
    names = ["joint", *(n for _, n in extra)]
    if t_values is not None:
        values.append(t_values)
        names.append("t_values")
    xp, *arrays = as_arrays(*values, names=names)
    dtype = getattr(values[0], "dtype", None)
    if dtype is not None and xp.isdtype(dtype, "real floating"):
        # A floating joint table sets the precision: integer predictions must not upcast it.
        arrays = [a if a.dtype == dtype else xp.astype(a, dtype) for a in arrays]
    joint = arrays[0]
    if joint.ndim != 2:
        raise ShapeError(
            "joint must be a table with rows for x and columns for t, "
            f"got shape {tuple(joint.shape)}"
        )
    check_probability(joint, "joint", xp, axis=None)
    num_t = int(joint.shape[1])
    if t_values is None:
        device = array_api_compat.device(joint)
        t_array = xp.arange(num_t, dtype=joint.dtype, device=device)
    else:
        t_array = arrays.pop()
        if tuple(t_array.shape) != (num_t,):
            raise ShapeError(
                f"t_values must have shape ({num_t},), one value per column of joint, "
                f"got shape {tuple(t_array.shape)}"
            )
        check_finite(t_array, "t_values", xp)
    return xp, joint, t_array, arrays[1:]


def _loss_table(xp: Any, loss: LossArgument, t_values: Any, predictions: Any) -> Any:
    """``table[i, j] = loss(t_j, prediction_i)`` for every row and column."""
    t = xp.expand_dims(t_values, axis=0)
    t_hat = xp.expand_dims(predictions, axis=1)
    if isinstance(loss, str) and loss == "zero_one":
        return xp.astype(t != t_hat, t_values.dtype)
    if isinstance(loss, str) and loss == "quadratic":
        return (t - t_hat) ** 2
    if callable(loss) and not isinstance(loss, str):
        table = as_array(loss(t, t_hat), "loss(t, t_hat)", xp)
        if table.dtype != t_values.dtype:
            table = xp.astype(table, t_values.dtype)
        shape = (int(predictions.shape[0]), int(t_values.shape[0]))
        if tuple(table.shape) != shape:
            table = xp.broadcast_to(table, shape)
        check_finite(table, "loss(t, t_hat)", xp)
        return table
    raise ValidationError(f"loss must be 'zero_one', 'quadratic' or a callable, got {loss!r}")


def _rows_or_prior(xp: Any, joint: Any) -> tuple[Any, Any]:
    """Each row of ``joint`` and its mass; rows of mass 0 are replaced by the marginal p(t).

    Any prediction is optimal for an x of probability 0, since it never adds to
    the population loss; the marginal p(t) gives a definite, NaN-free choice.
    """
    row_mass = xp.sum(joint, axis=1, keepdims=True)
    prior = xp.broadcast_to(xp.sum(joint, axis=0, keepdims=True), joint.shape)
    rows = xp.where(row_mass > 0, joint, prior)
    mass = xp.where(row_mass > 0, row_mass, xp.ones_like(row_mass))
    return rows, mass


# --------------------------------------------------------------------------- hard prediction


def population_loss(
    joint: Any,
    predictor: Any,
    loss: LossArgument = "zero_one",
    t_values: Any | None = None,
) -> Any:
    r"""Population loss of a hard predictor: its expected loss under the joint distribution.

    .. math::

        L_p(\hat t) = \mathbb{E}_{(x,t) \sim p(x,t)}\big[\ell(t, \hat t(x))\big]
        = \sum_{x} \sum_{t} p(x, t)\, \ell(t, \hat t(x))

    Parameters
    ----------
    joint : array_like, shape (N, K)
        ``joint[i, j] = p(x_i, t_j)``, summing to 1.
    predictor : array_like, shape (N,)
        The prediction :math:`\hat t(x_i)` for each row.
    loss : {"zero_one", "quadratic"} or callable
        ``"zero_one"`` is the detection-error loss :math:`\mathbb{1}(t \ne \hat t)`,
        ``"quadratic"`` is :math:`(t - \hat t)^2`; a callable ``loss(t, t_hat)``
        receives arrays of shape (1, K) and (N, 1) and returns finite losses
        broadcasting to (N, K).
    t_values : array_like, shape (K,), optional
        The value of :math:`t` in each column; ``0, 1, ..., K-1`` by default.

    Returns
    -------
    array
        A 0-d array.

    Examples
    --------
    The guide's joint table (rows :math:`x`, columns :math:`t`): always predicting
    :math:`\hat t = 1`, and the optimal :math:`\hat t(0) = 0,\ \hat t(1) = 1`:

    >>> joint = [[0.45, 0.05], [0.10, 0.40]]
    >>> round(float(population_loss(joint, [1, 1])), 4)
    0.55
    >>> round(float(population_loss(joint, [0, 1])), 4)
    0.15
    """
    xp, joint, t_values, (predictions,) = _joint_and_values(
        joint, t_values, (predictor, "predictor")
    )
    if tuple(predictions.shape) != (int(joint.shape[0]),):
        raise ShapeError(
            f"predictor must have shape ({joint.shape[0]},), one prediction per row of joint, "
            f"got shape {tuple(predictions.shape)}"
        )
    check_finite(predictions, "predictor", xp)
    return native(xp, xp.sum(joint * _loss_table(xp, loss, t_values, predictions)))


def optimal_hard_predictor(
    joint: Any, loss: LossArgument = "zero_one", t_values: Any | None = None
) -> Any:
    r"""The hard predictor of least population loss (the Bayes decision).

    .. math::

        \hat t^*(x) = \arg\min_{\hat t}\ \mathbb{E}_{t \sim p(t \mid x)}[\ell(t, \hat t)]
        = \begin{cases}
            \arg\max_t\, p(t \mid x) & \text{0-1 loss (MAP)} \\
            \mathbb{E}[t \mid x] = \sum_t t\, p(t \mid x) & \text{quadratic loss}
          \end{cases}

    Parameters
    ----------
    joint : array_like, shape (N, K)
        ``joint[i, j] = p(x_i, t_j)``, summing to 1.
    loss : {"zero_one", "quadratic"} or callable
        As in :func:`population_loss`. For a callable the minimum is taken over
        the candidates ``t_values``.
    t_values : array_like, shape (K,), optional
        The value of :math:`t` in each column; ``0, 1, ..., K-1`` by default.

    Returns
    -------
    array, shape (N,)
        :math:`\hat t^*(x_i)` for each row. Ties go to the first column. For an
        :math:`x` of probability 0 (where any choice is optimal) the prediction
        uses the marginal :math:`p(t)` instead of :math:`p(t \mid x)`.

    Examples
    --------
    >>> joint = [[0.45, 0.05], [0.10, 0.40]]
    >>> optimal_hard_predictor(joint), optimal_hard_predictor(joint, loss="quadratic")
    (array([0., 1.]), array([0.1, 0.8]))
    """
    xp, joint, t_values, _ = _joint_and_values(joint, t_values)
    rows, mass = _rows_or_prior(xp, joint)
    if isinstance(loss, str) and loss == "quadratic":
        return xp.sum(rows * xp.expand_dims(t_values, axis=0), axis=1) / mass[:, 0]
    if isinstance(loss, str) and loss == "zero_one":
        best = xp.argmax(rows, axis=1)
    else:
        # risk[i, c] = sum_t p(x_i, t) loss(t, t_values[c]); pairs[j, c] = loss(t_j, t_c).
        pairs = _loss_table(xp, loss, t_values, t_values)
        best = xp.argmin(xp.matmul(rows, xp.matrix_transpose(pairs)), axis=1)
    return xp.take(t_values, best, axis=0)


# --------------------------------------------------------------------------- soft prediction


def optimal_soft_predictor(joint: Any) -> Any:
    r"""The soft predictor of least population log loss: the posterior :math:`p(t \mid x)`.

    .. math::

        q^*(t \mid x) = p(t \mid x) = \frac{p(x, t)}{\sum_{t'} p(x, t')}

    Parameters
    ----------
    joint : array_like, shape (N, K)
        ``joint[i, j] = p(x_i, t_j)``, summing to 1.

    Returns
    -------
    array, shape (N, K)
        Rows sum to 1. A row of probability 0 (any choice is optimal there) is
        set to the marginal :math:`p(t)`, so no NaN appears.

    Examples
    --------
    >>> optimal_soft_predictor([[0.45, 0.05], [0.10, 0.40]])
    array([[0.9, 0.1],
           [0.2, 0.8]])
    """
    xp, joint, _, _ = _joint_and_values(joint, None)
    rows, mass = _rows_or_prior(xp, joint)
    return rows / mass


def population_log_loss(joint: Any, soft_predictor: Any) -> Any:
    r"""Population log loss (cross-entropy) of a soft predictor under the joint distribution.

    .. math::

        L_p(q) = \mathbb{E}_{(x,t) \sim p(x,t)}\big[-\log q(t \mid x)\big]
        = -\sum_{x} \sum_{t} p(x, t) \log q(t \mid x)

    In nats. Cells with :math:`p(x, t) = 0` add 0 (:math:`0 \log 0 = 0`); a cell
    with :math:`q(t \mid x) = 0 < p(x, t)` makes the loss ``+inf``. The minimum,
    reached by :func:`optimal_soft_predictor`, is the conditional entropy
    :math:`H(t \mid x)`.

    Parameters
    ----------
    joint : array_like, shape (N, K)
        ``joint[i, j] = p(x_i, t_j)``, summing to 1.
    soft_predictor : array_like, shape (N, K)
        ``soft_predictor[i, j] = q(t_j | x_i)``; each row sums to 1.

    Returns
    -------
    array
        A 0-d array, in [0, inf].

    Examples
    --------
    >>> joint = [[0.45, 0.05], [0.10, 0.40]]
    >>> round(float(population_log_loss(joint, [[0.9, 0.1], [0.2, 0.8]])), 4)
    0.4127
    >>> float(population_log_loss(joint, [[1.0, 0.0], [0.0, 1.0]]))
    inf
    """
    xp, joint, _, (q,) = _joint_and_values(joint, None, (soft_predictor, "soft_predictor"))
    check_same_shape(joint, q, "joint", "soft_predictor")
    check_probability(q, "soft_predictor", xp, axis=-1)
    return native(xp, -xp.sum(xlogy(joint, q, xp)))


#: Short alias of :func:`population_log_loss`.
log_loss = population_log_loss
