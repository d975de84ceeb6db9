"""The HTML reference, checked without a browser: pages, formulas, links, code and cache.

The site is built once per test session (the browser tests reuse the same folder);
slow demos come from the repository's cache, the others run for real.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest

from mlequations._array import ValidationError, to_numpy
from mlequations.catalog import load_catalog
from mlequations.catalog.example_code import example_code
from mlequations.catalog.verify import CheckResult, check_entry
from mlequations.demos import DEMOS
from mlequations.site import build_site, demos_cache
from mlequations.site.mathml import LatexError, latex_to_mathml, text_to_html
from mlequations.site.render import format_value, render_chapter

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
RAW_LATEX = re.compile(r"\\[A-Za-z]+|\$\$|\\\(|\\\)|\\\[|\\\]")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, list[str]]:
    """The built site (shared with the browser tests of the same session) and its progress."""
    folder = tmp_path_factory.getbasetemp() / "mlequations-site"
    lines: list[str] = []
    if not (folder / "index.html").exists():
        build_site(folder, progress=lines.append)
    return folder, lines


class Page(HTMLParser):
    """One parsed page: balanced tags, ids, links, formulas, and text outside <math>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.links: list[tuple[str, str, dict]] = []  # (tag, url, attributes)
        self.formulas = 0  # <math> directly inside <div class="formula">
        self.articles = 0
        self.text_outside_math: list[str] = []
        self.text_inside_math: list[str] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed {self.stack}")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        for name in ("href", "src"):
            if name in attributes:
                self.links.append((tag, attributes[name], attributes))
        if tag == "math" and self.stack and self.stack[-1] == "div.formula":
            self.formulas += 1
        self.articles += tag == "article"
        if tag not in VOID:
            css = attributes.get("class", "")
            self.stack.append("div.formula" if tag == "div" and css == "formula" else tag)

    def handle_startendtag(self, tag, attrs):  # <mspace ... /> inside MathML
        if "math" not in self.stack and tag not in VOID:
            self.errors.append(f"self-closing <{tag}/> outside MathML")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        top = self.stack.pop() if self.stack else None
        if top is None or top.split(".")[0] != tag:
            self.errors.append(f"</{tag}> closes <{top}>")

    def handle_data(self, data):
        if "script" in self.stack or "style" in self.stack:
            return
        (self.text_inside_math if "math" in self.stack else self.text_outside_math).append(data)


@pytest.fixture(scope="module")
def pages(site) -> dict[str, Page]:
    folder, _ = site
    return {path.name: Page(path.read_text(encoding="utf-8")) for path in folder.glob("*.html")}


# --------------------------------------------------------------------------- the built site


def test_the_build_reports_every_equation_demo_and_chapter(site):
    folder, lines = site
    catalog = load_catalog()
    summary = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    assert summary["equations"] == len(catalog)
    assert set(summary["demos"]) == set(DEMOS)
    for name, demo in summary["demos"].items():
        assert demo["status"] in {"ran", "cached"}, (name, demo)
        assert any(path.endswith(".png") for path in demo["files"]), name
    if lines:  # built by this module: one progress line per demo and per chapter
        assert sum(" demo " in line for line in lines) == len(DEMOS)
        assert sum(line.startswith("chapter ") for line in lines) == len(catalog.chapters)
        assert lines[-1].startswith("site: ")
        assert "index.html" in lines[-1]


def test_there_is_one_page_per_chapter_and_one_anchor_per_entry(pages):
    catalog = load_catalog()
    assert {"index.html", "demos.html"} <= set(pages)
    for chapter in catalog.chapters:
        page = pages[f"{chapter}.html"]
        entries = catalog.in_chapter(chapter)
        assert {entry.id for entry in entries} <= set(page.ids)
        assert page.articles == len(entries)
        assert page.formulas == len(entries), chapter


def test_every_page_parses_with_balanced_tags_and_unique_ids(pages):
    for name, page in pages.items():
        assert page.errors == [], name
        assert len(page.ids) == len(set(page.ids)), name


def test_no_raw_latex_appears_outside_or_inside_mathml(pages):
    for name, page in pages.items():
        outside = "".join(page.text_outside_math)
        assert not RAW_LATEX.search(outside), (name, RAW_LATEX.search(outside))
        inside = "".join(page.text_inside_math)
        assert not re.search(r"\\[A-Za-z]", inside), name


def test_every_link_and_anchor_resolves_and_nothing_leaves_the_folder(site, pages):
    folder, _ = site
    for name, page in pages.items():
        for tag, url, attributes in page.links:
            parts = urlsplit(url)
            if parts.scheme in {"http", "https"} or url.startswith("//"):
                # only outbound reference links, which the browser does not load
                assert tag == "a", (name, url)
                assert "noopener" in attributes.get("rel", ""), (name, url)
                continue
            assert not parts.scheme, (name, url)
            target = folder / unquote(parts.path) if parts.path else folder / name
            assert target.is_file(), (name, url)
            assert target.resolve().is_relative_to(folder.resolve()), (name, url)
            if parts.fragment:
                assert parts.fragment in pages[target.name].ids, (name, url)


def test_the_stylesheet_loads_only_the_bundled_font(site):
    folder, _ = site
    css = (folder / "static" / "site.css").read_text(encoding="utf-8")
    assert "@import" not in css
    urls = re.findall(r"url\(\s*[\"']?([^\"')]+)", css)
    assert urls == ["latinmodern-math.otf"]
    font = folder / "static" / urls[0]
    assert font.read_bytes()[:4] == b"OTTO"  # OpenType with CFF outlines
    assert (folder / "static" / "GUST-FONT-LICENSE.txt").is_file()
    script = (folder / "static" / "site.js").read_text(encoding="utf-8")
    assert not re.search(r"fetch\(|XMLHttpRequest|https?://", script)


def test_every_entry_shows_its_checks_and_its_demo_figures(site):
    folder, _ = site
    catalog = load_catalog()
    summary = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    for chapter in catalog.chapters:
        text = (folder / f"{chapter}.html").read_text(encoding="utf-8")
        articles = re.split(r'<article class="entry" id="', text)[1:]
        by_id = {article.split('"', 1)[0]: article for article in articles}
        for entry in catalog.in_chapter(chapter):
            article = by_id[entry.id]
            agree = entry.id not in summary["disagreements"]
            assert article.count('class="mark ok"') == (2 if agree else 0), entry.id
            if entry.demo is not None:
                for path in summary["demos"][entry.demo]["files"]:
                    if path.endswith(".png"):
                        assert f'src="{path}"' in article, (entry.id, path)
            for other in entry.related:
                assert f'#{other}"' in article, (entry.id, other)


def test_a_disagreement_is_shown_with_a_cross():
    catalog = load_catalog()
    entry = catalog["entropy"]
    wrong = CheckResult(entry, ours=np.array([0.7, 0.3]), reference=np.array([0.69, 0.33]))
    results = {e.id: check_entry(e) for e in catalog.in_chapter("information")}
    results["entropy"] = wrong
    page = render_chapter(catalog, "information", results, {})
    article = page.split('id="entropy"', 1)[1].split("<article", 1)[0]
    assert article.count('class="mark bad"') == 2
    assert "DIFFERS" in article


def test_building_into_a_folder_of_other_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValidationError, match="out_dir must be empty or made by"):
        build_site(tmp_path, verbose=0)
    with pytest.raises(ValidationError, match="out_dir must be a folder"):
        build_site(tmp_path / "notes.txt", verbose=0)


# --------------------------------------------------------------------------- example code


def test_every_example_script_runs_and_reproduces_the_check():
    for entry in load_catalog().values():
        code = example_code(entry)
        namespace: dict = {}
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            exec(compile(code, f"<{entry.id}>", "exec"), namespace)
        assert printed.getvalue().strip(), entry.id
        np.testing.assert_allclose(
            as_floats(namespace["result"]),
            np.asarray(check_entry(entry).ours, dtype=float),
            rtol=1e-9,
            atol=1e-12,
            err_msg=entry.id,
        )


def as_floats(value) -> np.ndarray:
    if isinstance(value, tuple | list):
        return np.asarray([as_floats(part) for part in value])
    return np.asarray(to_numpy(value), dtype=float)


# --------------------------------------------------------------------------- MathML


def test_every_catalog_formula_becomes_clean_mathml():
    for entry in load_catalog().values():
        mathml = latex_to_mathml(entry.latex, display=True)
        assert mathml.startswith("<math")
        assert 'display="block"' in mathml
        assert not re.search(r"\\[A-Za-z]", re.sub(r"<[^>]+>", "", mathml)), entry.id


def test_mathml_repairs_what_latex2mathml_leaves():
    argmax = latex_to_mathml(r"\arg\max_{t} p(t)", display=True)
    assert "<munder><mo>arg max</mo>" in argmax
    assert "<msub><mo>arg max</mo>" in latex_to_mathml(r"\arg\max_{t} p(t)")
    assert "<mi>𝝁</mi>" in latex_to_mathml(r"\boldsymbol{\mu}")
    assert "<mi>sign</mi>" in latex_to_mathml(r"\operatorname{sign}(x)")
    assert "<mo>∼</mo>" in latex_to_mathml(r"x \sim p")
    assert "{" in latex_to_mathml(r"\Big\{ a \Big\}")
    assert "<munderover><mo>∑</mo>" in latex_to_mathml(r"\sum_{i=1}^{n} x_i", display=True)
    assert "<msubsup><mo>∑</mo>" in latex_to_mathml(r"\sum_{i=1}^{n} x_i")
    spaced = latex_to_mathml(r"\log Q + \log(x)")
    assert spaced.count("<mspace") == 1


def test_unsupported_latex_is_an_error_not_raw_text():
    with pytest.raises(LatexError, match=r"unsupported LaTeX command"):
        latex_to_mathml(r"\lamda x")
    with pytest.raises(LatexError, match="cannot convert"):
        latex_to_mathml(r"\frac{a}{")


def test_math_inside_text_becomes_inline_mathml_and_the_rest_is_escaped():
    html = text_to_html(r"a < b & $\frac{1}{2}$ or \(x^2\)")
    assert html.startswith("a &lt; b &amp; <math")
    assert html.count("<math") == 2
    assert 'display="inline"' in html
    assert "$" not in html
    assert "\\" not in html


def test_values_are_formatted_briefly():
    assert format_value(None) == "—"
    assert format_value(True) == "True"
    assert format_value(np.float32(0.1)) == "0.1"
    assert format_value([1.0, 2.5]) == "[1, 2.5]"
    assert "..." in format_value(np.arange(100.0))


# --------------------------------------------------------------------------- demo cache


def test_a_slow_demo_comes_from_the_cache_and_a_stale_one_says_so(tmp_path):
    cache = tmp_path / "cache"
    (cache / "entropy-coin").mkdir(parents=True)
    (cache / "entropy-coin" / "entropy-coin.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    record = {
        "key": "not the source's hash",
        "summary": "cached summary",
        "values": {"peak_p": 0.5},
        "files": ["entropy-coin.png"],
        "seconds": 600.0,
        "computed": "2026-01-01",
    }
    (cache / "entropy-coin" / "result.json").write_text(json.dumps(record), encoding="utf-8")
    site = tmp_path / "site"
    outcome = demos_cache.collect_demo("entropy-coin", site, cache)
    assert (outcome.status, outcome.summary, outcome.stale) == ("cached", "cached summary", True)
    assert outcome.files == ("figures/entropy-coin/entropy-coin.png",)
    assert (site / outcome.files[0]).read_bytes().endswith(b"fake")
    record["key"] = demos_cache.demo_key("entropy-coin")
    (cache / "entropy-coin" / "result.json").write_text(json.dumps(record), encoding="utf-8")
    assert not demos_cache.collect_demo("entropy-coin", site, cache).stale


def test_refresh_reruns_a_demo_and_drops_the_cache_of_a_fast_one(tmp_path):
    cache = tmp_path / "cache"
    (cache / "entropy-coin").mkdir(parents=True)
    (cache / "entropy-coin" / "result.json").write_text("{}", encoding="utf-8")
    outcome = demos_cache.collect_demo("entropy-coin", tmp_path / "site", cache, refresh=True)
    assert outcome.status == "ran"
    assert outcome.values["max_entropy_bits"] == pytest.approx(1.0)
    assert not (cache / "entropy-coin").exists()  # fast: rerun in every build, not cached


def test_refresh_caches_a_slow_demo_and_a_known_slow_one_is_never_run_uncached(
    tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    monkeypatch.setattr(demos_cache, "ALWAYS_CACHED_DEMOS", frozenset({"entropy-coin"}))
    missing = demos_cache.collect_demo("entropy-coin", tmp_path / "site", cache)
    assert missing.status == "missing"
    assert missing.files == ()
    ran = demos_cache.collect_demo("entropy-coin", tmp_path / "site", cache, refresh=True)
    record = json.loads((cache / "entropy-coin" / "result.json").read_text(encoding="utf-8"))
    assert record["files"] == ["entropy-coin.png"]
    assert record["key"] == demos_cache.demo_key("entropy-coin")
    assert record["values"] == ran.values
    again = demos_cache.collect_demo("entropy-coin", tmp_path / "again", cache)
    assert (again.status, again.stale, again.values) == ("cached", False, ran.values)
