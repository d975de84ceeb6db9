"""The terminal helpers of the command line: Unicode formulas, aligned tables, example code."""

from __future__ import annotations

import contextlib
import io
import unicodedata

import numpy as np
import pytest

from conftest import require
from mlequations._array import to_numpy
from mlequations.catalog import load_catalog
from mlequations.catalog.example_code import example_code
from mlequations.cli_common import format_value, suggest
from mlequations.terminal import display_width, format_table, latex_to_unicode

# --------------------------------------------------------------------------- formulas


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"\sigma(x) = \frac{1}{1 + e^{-x}}", "σ(x) = 1/(1 + e⁻ˣ)"),
        (r"\langle x, y \rangle = \sum_{i=1}^{n} x_i y_i", "⟨x, y⟩ = ∑ᵢ₌₁ⁿ xᵢ yᵢ"),
        (
            r"\mathrm{MSE} = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat{y}_i)^2",
            "MSE = 1/n ∑ᵢ₌₁ⁿ (yᵢ - ŷᵢ)²",
        ),
        (
            r"D_{KL}(P \parallel Q) = \sum_{x} P(x) \log \frac{P(x)}{Q(x)}",
            "D_KL(P ∥ Q) = ∑ₓ P(x) log (P(x)/Q(x))",
        ),
        (r"\frac{g(\theta + h) - g(\theta - h)}{2h}", "(g(θ + h) - g(θ - h))/(2h)"),
        (r"\exp\left(-\frac{(x-\mu)^2}{2\sigma^2}\right)", "exp(-(x-μ)²/(2σ²))"),
        (r"\frac{\partial s_i}{\partial z_j}", "∂sᵢ/∂zⱼ"),
        (r"\lVert x \rVert_{2} = \sqrt{x^{\top} x}", "‖x‖₂ = √(xᵀ x)"),
        (
            r"\operatorname{ReLU}^{\prime}(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
            "ReLU′(x) = {1 if x > 0; 0 if x ≤ 0}",
        ),
        (r"\mathbb{E}_{x \sim p}[f(x)]", "𝔼_(x ∼ p)[f(x)]"),
        (r"\theta^{\mathrm{ERM}}_{\mathcal{D}}", "θᴱᴿᴹ_𝒟"),
        (r"\mathbb{1}(t \neq \hat{t})", "𝟙(t ≠ t̂)"),
        (r"a \quad b \qquad c", "a   b   c"),
        (r"\underbrace{a + b}_{\text{bias}}", "[a + b]_(bias)"),
        (r"\sqrt[3]{x} + \sqrt{2}", "∛x + √2"),
        (r"\arg\max_{t}\, p(t \mid x)", "arg maxₜ p(t | x)"),
    ],
)
def test_latex_to_unicode(latex, text):
    require("pylatexenc")
    assert latex_to_unicode(latex) == text


def test_every_catalog_formula_renders_without_latex_left_over():
    require("pylatexenc")
    for entry in load_catalog().values():
        text = latex_to_unicode(entry.latex)
        assert text, entry.id
        assert "\\" not in text, (entry.id, text)
        for opening, closing in ("()", "[]", "{}"):
            assert text.count(opening) == text.count(closing), (entry.id, text)


# --------------------------------------------------------------------------- tables


def reference_width(text: str) -> int:
    """Terminal columns from the Unicode tables alone: wide characters 2, marks 0."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


@pytest.mark.parametrize(
    "text", ["entropy", "香农熵", "KL 散度（相对熵）", "ŷ = θᵀx", "", "中a文b"]
)
def test_display_width_counts_terminal_columns(text):
    assert display_width(text) == reference_width(text)


def test_format_table_aligns_mixed_width_columns():
    rows = [("id", "标题", "chapter"), ("entropy", "香农熵", "information"), ("kl", "KL", "x")]
    lines = format_table(rows).splitlines()
    assert lines == [
        "id       标题    chapter",
        "entropy  香农熵  information",
        "kl       KL      x",
    ]
    with pytest.raises(ValueError, match="rows must all have 3 cells"):
        format_table([("a", "b", "c"), ("d",)])


# --------------------------------------------------------------------------- suggestions


def test_suggest_prefers_close_spellings_then_substrings():
    names = {"entropy": ["Shannon entropy"], "cross-entropy": [], "relu": [], "leaky-relu": []}
    assert suggest("entropi", names)[0] == "entropy"
    assert suggest("SHANNON", names) == ["entropy"]
    assert suggest("relu", names) == ["relu", "leaky-relu"]
    assert suggest("zzz", names) == []


def test_format_value():
    assert format_value(None) == "-"
    assert format_value(True) == "True"
    assert format_value(0.123456789) == "0.123457"
    assert format_value([[1.0, 2.5], [3.0, 4.0]]) == "[[1, 2.5], [3, 4]]"
    assert format_value(np.arange(40.0), limit=20) == "[0, 1, 2, 3, 4, 5..."


# --------------------------------------------------------------------------- example code


def test_example_code_is_readable_python():
    source = example_code(load_catalog()["gaussian-pdf"])
    assert source.startswith("from mlequations.")
    assert "print(result)  # the worked example: " in source
    compile(source, "gaussian-pdf", "exec")


def test_every_example_script_runs_and_reproduces_the_worked_example():
    """The code ``show`` prints is real: run it and compare with the guide's value."""
    failures = []
    for entry in load_catalog().values():
        namespace: dict = {}
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(example_code(entry), entry.id, "exec"), namespace)
        except Exception as error:
            failures.append(f"{entry.id}: {type(error).__name__}: {error}")
            continue
        result, expected = namespace["result"], entry.example.expected
        if isinstance(expected, bool):
            agrees = bool(result) == expected
        else:
            value = np.asarray(_plain(result), dtype=float)
            agrees = value.shape == np.shape(expected) and np.allclose(
                value, expected, rtol=0.0, atol=entry.example.atol
            )
        if not agrees:
            failures.append(f"{entry.id}: got {result!r}, expected {expected!r}")
    assert not failures, "\n".join(failures)


def _plain(value):
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, int | float | np.generic):
        return value
    data = getattr(value, "data", None)  # an mlequations.autodiff.Tensor
    return to_numpy(data if isinstance(data, np.ndarray) else value)
