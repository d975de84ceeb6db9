"""Every catalog text exists in English and Chinese, and the Chinese follows the glossary."""

from __future__ import annotations

import pytest

from mlequations.catalog import CatalogError, load_catalog
from mlequations.catalog.glossary import (
    bilingual_texts,
    glossary_violations,
    has_chinese,
    load_glossary,
    uses_term,
)

CATALOG = load_catalog()
GLOSSARY = load_glossary()


@pytest.mark.parametrize("entry_id", list(CATALOG))
def test_every_text_is_written_in_both_languages(entry_id):
    entry = CATALOG[entry_id]
    fields = dict(bilingual_texts(entry))
    assert {"title", "explanation", "practical_use", "example.description"} <= set(fields)
    for name, text in fields.items():
        assert set(text) == {"en", "zh"}, (entry_id, name)
        assert text["en"].strip(), (entry_id, name)
        assert text["zh"].strip(), (entry_id, name)
        assert has_chinese(text["zh"]), f"{entry_id} {name}: no Chinese in {text['zh']!r}"
        assert not has_chinese(text["en"]), f"{entry_id} {name}: Chinese in the English text"
    assert has_chinese(entry.chapter_title["zh"]), entry.chapter


def test_the_glossary_covers_the_key_terms():
    assert len(GLOSSARY) >= 80
    assert GLOSSARY["entropy"] == "熵"
    assert GLOSSARY["gradient"] == "梯度"
    assert GLOSSARY["posterior"] == "后验"
    assert GLOSSARY["likelihood"] == "似然"
    for english, chinese in GLOSSARY.items():
        assert english == english.lower().strip(), english
        assert has_chinese(chinese), english


def test_the_glossary_is_not_read_as_a_chapter():
    assert "glossary" not in CATALOG.chapters


@pytest.mark.parametrize(
    ("text", "term", "expected"),
    [
        ("Cross-entropies and KL divergences", "cross-entropy", True),
        ("probabilities", "probability", True),
        ("cross entropy", "cross-entropy", True),
        ("KL divergences add up", "kl divergence", True),
        ("the marginal distribution", "marginal", True),
        ("written in the margins", "classification margin", False),
        ("the gradients vanish", "gradient", True),
        ("a gradient-free method", "gradient", False),  # a compound is a word of its own
        ("gradients of the gradiently", "gradiently", True),
        ("ungradient", "gradient", False),
        ('scikit-learn\'s criterion="entropy"', "entropy", False),
        ("SGD(params, lr, momentum) for networks", "momentum", False),
        ("F.cross_entropy(logits, labels) takes the logits", "label", False),
        ("torch.nn.functional.cross_entropy", "cross-entropy", False),
        ("the 'invscaling' rate", "invscaling", False),
        ("Bayes' theorem", "bayes' theorem", True),
        ("a post-norm block", "norm", False),
        ("see numerical-gradient", "gradient", False),
        ("the normal distribution", "norm", False),
    ],
)
def test_terms_are_found_in_prose_only(text, term, expected):
    assert uses_term(text, term) is expected


def test_a_longer_term_covers_the_shorter_one_inside_it():
    text = "gradient descent follows the gradient"
    assert uses_term(text, "gradient", longer_terms=["gradient descent"])
    assert not uses_term("gradient descent", "gradient", longer_terms=["gradient descent"])
    assert not uses_term("the layer norms", "norm", longer_terms=["layer norm"])


def test_a_violation_is_reported_with_its_place(tmp_path):
    (tmp_path / "glossary.toml").write_text('[terms]\n"shannon" = "仙农"\n', encoding="utf-8")
    glossary = load_glossary(tmp_path / "glossary.toml")
    entries = {"entropy": CATALOG["entropy"]}  # titled "Shannon entropy", 香农熵
    violations = glossary_violations(entries, glossary)
    assert [str(v) for v in violations] == ["entropy (title): 'shannon' should be written 仙农"]
    assert glossary_violations(entries, {"shannon": "香农"}) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[terms]\n", "non-empty"),
        ('[terms]\n"Entropy" = "熵"\n', "lower-case"),
        ('[terms]\n"entropy" = "entropy"\n', "Chinese translation"),
        ("[terms\n", "not valid TOML"),
    ],
)
def test_a_malformed_glossary_is_named(tmp_path, text, message):
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        load_glossary(path)


@pytest.mark.parametrize("chapter", CATALOG.chapters)
def test_chinese_texts_use_the_glossary_terms(chapter):
    entries = {entry.id: entry for entry in CATALOG.in_chapter(chapter)}
    violations = glossary_violations(entries, GLOSSARY)
    assert not violations, "\n".join(str(v) for v in violations)
