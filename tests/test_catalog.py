"""The catalog: every entry validates, and its worked example and reference agree with our code."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from mlequations.catalog import CatalogError, load_catalog
from mlequations.catalog.verify import check_entry, decode_value, select_from

CATALOG = load_catalog()


@pytest.mark.parametrize("entry_id", list(CATALOG))
def test_example_and_reference_agree(entry_id):
    result = check_entry(CATALOG[entry_id])
    assert result.error is None, result.error
    assert result.example_ok, (
        f"{entry_id}: ours {result.ours} != expected {CATALOG[entry_id].example.expected}"
    )
    assert result.reference_ok, f"{entry_id}: ours {result.ours} != reference {result.reference}"


def test_every_entry_is_bilingual_and_points_at_mlequations():
    for entry in CATALOG.values():
        for field in (entry.title, entry.explanation, entry.practical_use):
            assert set(field) == {"en", "zh"}
            assert any("\u4e00" <= ch <= "\u9fff" for ch in field["zh"]), entry.id
        assert entry.function.startswith("mlequations."), entry.id
        assert callable(entry.implementation())


def test_reference_is_independent_of_mlequations():
    for entry in CATALOG.values():
        if entry.reference.function is not None:
            assert not entry.reference.function.startswith("mlequations"), entry.id


GOOD_ENTRY = """
chapter = "demo"
title = { en = "Demo", zh = "演示" }

[[equation]]
id = "square"
title = { en = "Square", zh = "平方" }
latex = 'x^{2}'
explanation = { en = "A square.", zh = "平方。" }
practical_use = { en = "Areas.", zh = "面积。" }
function = "numpy:square"
related = ["cube"]
demo = "entropy-coin"

[equation.example]
description = { en = "Three squared", zh = "三的平方" }
args = [3.0]
expected = 9.0

[equation.reference]
library = "sympy"
expression = "x**2"
kwargs = { x = 3.0 }

[[equation]]
id = "cube"
title = { en = "Cube", zh = "立方" }
latex = 'x^{3}'
explanation = { en = "A cube.", zh = "立方。" }
practical_use = { en = "Volumes.", zh = "体积。" }
function = "numpy:cbrt"
related = ["square"]
demo = "entropy-coin"

[equation.example]
description = { en = "The cube root of 27", zh = "27 的立方根" }
args = [27.0]
expected = 3.0

[equation.reference]
library = "sympy"
expression = "x**(S(1)/3)"
kwargs = { x = 27.0 }
"""


def _write(tmp_path, text, name="demo.toml"):
    (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_a_good_file_loads_and_checks(tmp_path):
    catalog = load_catalog(_write(tmp_path, GOOD_ENTRY))
    assert list(catalog) == ["square", "cube"]
    assert check_entry(catalog["square"]).ok
    assert catalog["square"].related == ("cube",)
    assert catalog["square"].demo == "entropy-coin"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('function = "numpy:square"', 'function = "numpy:no_such"'), "unknown function"),
        (("latex = 'x^{2}'", "latex = 'x^{2'"), "unclosed"),
        (("latex = 'x^{2}'", "latex = '$x^2$'"), "without \\$ delimiters"),
        (("latex = 'x^{2}'", r"latex = '\begin{cases} x'"), "never closed"),
        (
            ('title = { en = "Square", zh = "平方" }', 'title = { en = "Square" }'),
            "missing language",
        ),
        (('id = "square"', 'id = "Square Root"'), "kebab-case"),
        (("expected = 9.0", "wanted = 9.0"), "unknown field"),
        (('library = "sympy"', 'library = "excel"'), "library must be one of"),
        (('chapter = "demo"', 'chapter = "other"'), "'chapter' must be 'demo'"),
        (("practical_use = ", "practical_usage = "), "unknown field"),
        (('related = ["cube"]', 'related = ["cubes"]'), r"related id 'cubes' is not in .*cube"),
        (('related = ["cube"]', 'related = ["square"]'), "cannot be related to itself"),
        (('related = ["cube"]', "related = []"), "at least one related id"),
        (('related = ["cube"]', 'related = ["cube", "cube"]'), "repeated id"),
        (('related = ["cube"]', 'related = "cube"'), "related: expected a list"),
        (('related = ["cube"]', 'related = ["Cube"]'), "kebab-case"),
        (('demo = "entropy-coin"', 'demo = "entropy-coins"'), r"unknown demo .*entropy-coin"),
        (('demo = "entropy-coin"', 'demo = "zzz"'), r"unknown demo 'zzz' \(demos: "),
    ],
)
def test_malformed_entries_are_named(tmp_path, change, message):
    old, new = change
    assert old in GOOD_ENTRY
    with pytest.raises(CatalogError, match=message) as raised:
        load_catalog(_write(tmp_path, GOOD_ENTRY.replace(old, new, 1)))
    assert "demo.toml" in str(raised.value)


@pytest.mark.parametrize("field", ["related", "demo"])
def test_related_and_demo_are_required(tmp_path, field):
    line = next(line for line in GOOD_ENTRY.splitlines() if line.startswith(f"{field} = "))
    folder = _write(tmp_path, GOOD_ENTRY.replace(line + "\n", "", 1))
    with pytest.raises(CatalogError, match=f"entry 'square': missing field '{field}'"):
        load_catalog(folder)


def test_every_entry_has_related_entries_and_a_demo():
    for entry in CATALOG.values():
        assert entry.related, entry.id
        assert entry.id not in entry.related, entry.id
        assert entry.demo is not None, entry.id


def test_duplicate_ids_and_bad_toml_are_reported(tmp_path):
    _write(tmp_path, GOOD_ENTRY)
    _write(tmp_path, GOOD_ENTRY.replace('chapter = "demo"', 'chapter = "extra"'), "extra.toml")
    with pytest.raises(CatalogError, match="'square' is already used"):
        load_catalog(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    _write(broken, "chapter = [", "broken.toml")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(broken)


def test_a_wrong_expected_value_fails_the_check(tmp_path):
    catalog = load_catalog(_write(tmp_path, GOOD_ENTRY.replace("expected = 9.0", "expected = 9.1")))
    result = check_entry(catalog["square"])
    assert not result.ok
    assert not result.example_ok
    assert result.reference_ok


def test_decoded_values():
    assert decode_value({"array": [1, 2], "dtype": "int64"}).dtype == np.int64
    square = decode_value({"expression": "x**2", "variables": ["x"]})
    assert square(3.0) == 9.0
    vector = decode_value({"expression": "a + 2*b", "variables": ["a", "b"], "form": "vector"})
    assert vector([1.0, 2.0]) == 5.0
    gradient = decode_value({"expression": "a**2 * b", "variables": ["a", "b"], "form": "gradient"})
    np.testing.assert_array_equal(gradient([2.0, 3.0]), [12.0, 4.0])
    assert decode_value({"callable": "numpy:sqrt"}) is np.sqrt
    assert select_from({"a": [1, (2, 3)]}, ("a", 1, 0)) == 2
