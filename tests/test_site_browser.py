"""The HTML reference in a real browser: Chromium (Debian package) driven by Playwright.

Every page loads from disk with no console error, no failed request and no request
outside the site's folder; formulas are MathML laid out in the bundled math font;
the search box filters; the English/中文 switch is remembered; Chinese text is set in
a CJK font. Screenshots of the index and of a chapter are saved as test artifacts
(into ``$MLEQUATIONS_ARTIFACTS``, default ``test-artifacts/``).

Chromium and Playwright are optional locally (the tests skip, saying what is missing)
and required in CI (``MLEQUATIONS_REQUIRE_OPTIONAL``). Never ``playwright install``:
the tests drive the Debian ``chromium`` package.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REQUIRE_OPTIONAL, require
from mlequations.catalog import load_catalog
from mlequations.site import build_site

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(
    os.environ.get("MLEQUATIONS_ARTIFACTS")
    or Path(__file__).resolve().parents[1] / "test-artifacts"
)
CJK = re.compile(r"[\u4e00-\u9fff]")


def skip_or_fail(reason: str) -> None:
    if REQUIRE_OPTIONAL:
        pytest.fail(f"{reason}; MLEQUATIONS_REQUIRE_OPTIONAL forbids skipping")
    pytest.skip(reason)


def chromium_path() -> str:
    path = os.environ.get("MLEQUATIONS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The built site, shared with test_site_build.py when both run in one session."""
    folder = tmp_path_factory.getbasetemp() / "mlequations-site"
    if not (folder / "index.html").exists():
        build_site(folder, verbose=0)
    return folder


@pytest.fixture(scope="module")
def browser():
    sync_api = require("playwright.sync_api")
    executable = chromium_path()
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        skip_or_fail(f"Chromium at {executable} does not start under Playwright ({error})")
    yield browser
    browser.close()
    playwright.stop()


class Visit:
    """A browser page that records every request, failure and console error."""

    def __init__(self, browser, site: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.prefix = site.resolve().as_uri() + "/"
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("requestfailed", lambda request: self.failures.append(request.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, name: str) -> None:
        self.page.goto(self.prefix + name, wait_until="load")
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.failures == []
        outside = [url for url in self.requests if not url.startswith(self.prefix)]
        assert outside == []


@pytest.fixture
def visit(browser, site):
    visitor = Visit(browser, site)
    yield visitor
    visitor.context.close()


def visible_entries(page) -> int:
    return page.locator(".entry-item:visible").count()


# --------------------------------------------------------------------------- every page


def test_every_page_loads_offline_with_mathml_and_no_raw_latex(visit, site):
    pages = sorted(path.name for path in site.glob("*.html"))
    assert len(pages) == len(load_catalog().chapters) + 2  # chapters, index, demos
    for name in pages:
        visit.open(name)
        page = visit.page
        # lazy images: load them all, and fail on any that does not decode
        page.evaluate(
            "Promise.all([...document.images].map("
            "i => { i.loading = 'eager'; return i.decode(); }))"
        )
        entries = page.locator("article.entry").count()
        if name not in {"index.html", "demos.html"}:
            assert entries > 0
            assert page.locator(".formula > math[display='block']").count() == entries, name
        text = page.inner_text("body")
        assert "\\frac" not in text, name
        assert "$$" not in text, name
        assert not re.search(r"\\[A-Za-z]{2,}", text), name
        visit.assert_clean()
    assert any(url.endswith(".otf") for url in visit.requests)
    assert any(url.endswith(".png") for url in visit.requests)


def test_formulas_are_laid_out_as_mathml_in_the_bundled_math_font(visit):
    visit.open("information.html")
    page = visit.page
    # a fraction is stacked: taller than a line of text, and its bar lies between its parts
    heights = page.evaluate(
        """() => {
            const fraction = document.querySelector('.formula mfrac');
            const [top, bottom] = fraction.children;
            return {
                fraction: fraction.getBoundingClientRect().height,
                numerator: top.getBoundingClientRect().bottom,
                denominator: bottom.getBoundingClientRect().top,
                line: parseFloat(getComputedStyle(document.body).lineHeight),
            };
        }"""
    )
    assert heights["fraction"] > heights["line"]
    assert heights["numerator"] <= heights["denominator"]
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": ".formula mi"})
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    assert fonts[0]["familyName"] == "Latin Modern Math"
    assert fonts[0]["isCustomFont"]  # the bundled file, not a system font
    visit.assert_clean()


# --------------------------------------------------------------------------- search


def test_the_search_box_filters_entries_as_you_type(visit):
    visit.open("index.html")
    page = visit.page
    total = page.locator(".entry-item").count()
    assert total == len(load_catalog())
    assert visible_entries(page) == total
    page.fill("#search", "entropy")
    matches = visible_entries(page)
    assert 0 < matches < total
    for item in page.locator(".entry-item:visible").all():
        assert "entropy" in item.get_attribute("data-search")
    page.locator("#search").press_sequentially(" cross", delay=10)
    assert 0 < visible_entries(page) < matches
    assert page.locator("#search-count").inner_text().startswith(str(visible_entries(page)))
    page.fill("#search", "熵")
    assert visible_entries(page) >= matches  # the Chinese titles are searched too
    page.fill("#search", "no-such-equation-zz")
    assert visible_entries(page) == 0
    assert page.locator("#no-match").is_visible()
    assert page.locator(".chapter-block:visible").count() == 0
    page.fill("#search", "")
    assert visible_entries(page) == total
    assert not page.locator("#no-match").is_visible()
    visit.assert_clean()


# --------------------------------------------------------------------------- languages


def test_the_language_switch_changes_the_text_and_is_remembered(visit):
    visit.open("index.html")
    page = visit.page
    english = page.inner_text("main")
    assert "Equations of machine learning" in english
    assert not CJK.search(page.inner_text("h1"))
    page.click("#language-switch")
    chinese = page.inner_text("main")
    assert "机器学习方程" in chinese
    assert "Equations of machine learning" not in chinese
    assert page.get_attribute("html", "lang") == "zh-Hans"
    page.reload(wait_until="load")
    assert "机器学习方程" in page.inner_text("h1")
    visit.open("information.html")  # another page: still Chinese
    assert "信息论" in page.inner_text("h1")
    assert "Shannon entropy" not in page.inner_text("main")
    assert "\\frac" not in page.inner_text("body")
    page.click("#language-switch")
    page.reload(wait_until="load")
    assert "Information theory" in page.inner_text("h1")
    visit.assert_clean()


def test_chinese_text_is_set_in_an_installed_cjk_font(visit):
    try:
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        skip_or_fail(f"fontconfig's fc-list is not available ({error})")
    families = {name.strip() for line in listing.splitlines() for name in line.split(",")}
    if not families:
        skip_or_fail("no CJK font is installed (apt-get install fonts-wqy-microhei)")
    visit.open("index.html")
    page = visit.page
    page.click("#language-switch")
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": "h1 .zh"})
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    used = {font["familyName"] for font in fonts if font["glyphCount"] > 0}
    assert used & families, (used, families)
    visit.assert_clean()


# --------------------------------------------------------------------------- artifacts


def test_screenshots_of_the_index_and_a_chapter_are_saved(visit):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    visit.open("index.html")
    index = ARTIFACTS / "site-index.png"
    visit.page.screenshot(path=str(index))
    visit.open("information.html")
    chapter = ARTIFACTS / "site-chapter-information.png"
    visit.page.screenshot(path=str(chapter))
    for path in (index, chapter):
        assert path.read_bytes().startswith(b"\x89PNG")
    visit.assert_clean()
