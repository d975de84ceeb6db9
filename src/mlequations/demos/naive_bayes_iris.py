r"""Gaussian naive Bayes on the iris flowers: the guide's 70/30 split, its accuracy and sample.

The classifier estimates a prior :math:`\pi_k`, and per feature :math:`j` a mean
:math:`\mu_{kj}` and a variance :math:`\sigma^2_{kj}`, for each species
:math:`k`, and picks the class of largest posterior, in log space:

.. math::

    \hat t(x) = \arg\max_k \Bigl[\log \pi_k + \sum_{j=1}^{4}
    \log \mathcal N(x_j \mid \mu_{kj}, \sigma^2_{kj})\Bigr].

As in the guide, 30 % of the 150 flowers (``train_test_split`` with
``random_state=42``) are held out; one of the 45 test flowers is misclassified
(accuracy 0.978), and the sample :math:`x = [5.1, 3.5, 1.4, 0.2]` is a setosa.
The guide multiplies densities before taking the logarithm, which underflows
to :math:`\log 0` for a sample far from a class; summing log-densities does not.
The figure shows each feature's three fitted Gaussians with the sample's value,
the posterior of the sample, and the confusion matrix on the test flowers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from sklearn.model_selection import train_test_split

from mlequations.datasets import load_iris
from mlequations.demos import DemoResult
from mlequations.models.naive_bayes import GaussianNaiveBayes

__all__ = ["SAMPLE", "TEST_SIZE", "fit_iris", "run"]

TEST_SIZE = 0.3
RANDOM_STATE = 42
SAMPLE = np.array([[5.1, 3.5, 1.4, 0.2]])
COLORS = ("tab:blue", "tab:orange", "tab:green")


def fit_iris() -> tuple[GaussianNaiveBayes, tuple[np.ndarray, ...], object]:
    """The guide's split of iris and the classifier fitted on its training part."""
    iris = load_iris(bunch=True)
    split = train_test_split(iris.data, iris.target, test_size=TEST_SIZE, random_state=RANDOM_STATE)
    X_train, _, y_train, _ = split
    return GaussianNaiveBayes().fit(X_train, y_train), tuple(split), iris


def _plot_densities(axes_list, model: GaussianNaiveBayes, X: np.ndarray, iris) -> None:
    for j, axes in enumerate(axes_list):
        grid = np.linspace(X[:, j].min() - 0.5, X[:, j].max() + 0.5, 300)
        for k, name in enumerate(iris.target_names):
            mean, variance = model.theta_[k, j], model.var_[k, j]
            density = np.exp(-((grid - mean) ** 2) / (2 * variance)) / np.sqrt(2 * np.pi * variance)
            axes.plot(grid, density, color=COLORS[k], label=name)
        axes.axvline(SAMPLE[0, j], color="black", linestyle="--", label="sample")
        axes.set(title=iris.feature_names[j], ylabel="p(x_j | class)")
    axes_list[0].legend(fontsize=7)


def _plot_results(posterior_axes, confusion_axes, posterior, confusion, names) -> None:
    bars = posterior_axes.bar(names, posterior[0], color=COLORS)
    posterior_axes.bar_label(bars, fmt="%.2g")
    posterior_axes.set(title=f"Posterior of the sample {SAMPLE[0].tolist()}", ylim=(0, 1.15))
    confusion_axes.imshow(confusion, cmap="Blues")
    for (row, column), count in np.ndenumerate(confusion):
        color = "white" if count > confusion.max() / 2 else "black"
        confusion_axes.text(column, row, str(count), ha="center", va="center", color=color)
    confusion_axes.set(
        title="Confusion matrix (test)",
        xticks=range(3),
        yticks=range(3),
        xticklabels=names,
        yticklabels=names,
        xlabel="predicted",
        ylabel="true",
    )


def run(out_dir: Path) -> DemoResult:
    """Fit on 70 % of iris, score on 30 %, and classify the guide's sample."""
    model, (X_train, X_test, _, y_test), iris = fit_iris()
    predictions = model.predict(X_test)
    confusion = np.zeros((3, 3), dtype=int)
    np.add.at(confusion, (y_test, predictions), 1)
    posterior = model.predict_proba(SAMPLE)
    sample_class = int(model.predict(SAMPLE)[0])
    figure = Figure(figsize=(13, 6.5), layout="constrained")
    axes = figure.subplots(2, 3)
    _plot_densities([axes[0, 0], axes[0, 1], axes[1, 0], axes[1, 1]], model, X_train, iris)
    _plot_results(axes[0, 2], axes[1, 2], posterior, confusion, list(iris.target_names))
    figure.suptitle("Gaussian naive Bayes on iris (70/30 split, random_state = 42)")
    path = out_dir / "naive-bayes-iris.png"
    figure.savefig(path, dpi=110)
    values = {
        "accuracy": float(np.mean(predictions == y_test)),
        "test_errors": float(np.sum(predictions != y_test)),
        "test_size": float(len(y_test)),
        "sample_class": float(sample_class),
        "sample_posterior_setosa": float(posterior[0, 0]),
    }
    summary = (
        f"test accuracy {values['accuracy']:.4f} ({int(values['test_errors'])} of "
        f"{len(y_test)} wrong); sample {SAMPLE[0].tolist()} predicted "
        f"{iris.target_names[sample_class]} (posterior {posterior[0, sample_class]:.6f})"
    )
    return DemoResult((path,), summary, values)
