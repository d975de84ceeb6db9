"""The command line in-process through ``main``: every command with good and bad arguments.

Each error must be one line on stderr starting ``mlequations: error:``, with exit
code 2 for a bad argument and 1 for a failure; no traceback, ever.
(``test_cli_entry_point.py`` runs the installed console script itself.)
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

import mlequations.demos
import mlequations.information
from conftest import require
from mlequations import __version__, cli_commands, cli_show
from mlequations._array import ValidationError
from mlequations.catalog import CatalogError, load_catalog
from mlequations.cli import main
from mlequations.terminal import display_width


def run(capsys, argv):
    """Exit code, stdout and stderr of ``mlequations argv``; stderr never has a traceback."""
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert err.count("\n") == 1, err
    assert err.startswith("mlequations: error: ")
    for fragment in fragments:
        assert fragment in err


# --------------------------------------------------------------------------- list


def test_list_prints_a_table_of_every_equation(capsys):
    code, out, _ = run(capsys, ["list"])
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["id", "title", "chapter"]
    catalog = load_catalog()
    assert [row.split()[0] for row in rows] == list(catalog)
    assert [row.split()[-1] for row in rows] == [entry.chapter for entry in catalog.values()]
    assert "Shannon entropy" in out


def test_list_in_chinese_for_one_chapter_keeps_columns_aligned(capsys):
    code, out, _ = run(capsys, ["list", "--chapter", "information", "--lang", "zh"])
    assert code == 0
    header, *rows = out.splitlines()
    entries = load_catalog().in_chapter("information")
    assert len(rows) == len(entries)
    assert header.split() == ["编号", "标题", "章节"]
    for row, entry in zip(rows, entries, strict=True):
        assert row.startswith(entry.id)
        assert entry.title["zh"] in row
        assert row.endswith("information")
    # every chapter column starts at the same terminal column, although 熵 takes two
    starts = {display_width(line[: line.rindex(" ") + 1]) for line in [header, *rows]}
    assert len(starts) == 1


def test_list_with_an_unknown_chapter_suggests_the_closest(capsys):
    code, _, err = run(capsys, ["list", "--chapter", "informaton"])
    assert code == 2
    assert_one_line_error(err, "unknown chapter 'informaton'; did you mean: information?")


# --------------------------------------------------------------------------- show


def test_show_prints_formula_explanation_code_and_live_result(capsys):
    require("pylatexenc")
    code, out, _ = run(capsys, ["show", "entropy"])
    assert code == 0
    entry = load_catalog()["entropy"]
    assert "H(P) = -∑ₓ P(x) log P(x)" in out  # the Unicode rendering ...
    assert entry.latex in out  # ... beside the LaTeX
    for text in (entry.explanation["en"], entry.practical_use["en"]):
        assert text in out
    assert entry.guide_correction["en"] in out
    assert "from mlequations.information import entropy" in out
    assert "result = entropy([[0.5, 0.5], [0.9, 0.1]])" in out
    assert out.count("✓") == 2  # the guide's value and scipy's
    assert "✗" not in out


def test_show_prints_related_entries_and_the_demo(capsys):
    catalog = load_catalog()
    entry = catalog["cross-entropy"]
    code, out, _ = run(capsys, ["show", entry.id])
    assert code == 0
    for related in entry.related:
        assert f"{related} ({catalog[related].title['en']})" in out
    assert f"mlequations demo {entry.demo}" in out


def test_show_in_chinese(capsys):
    require("pylatexenc")
    code, out, _ = run(capsys, ["show", "cross-entropy", "--lang", "zh"])
    assert code == 0
    entry = load_catalog()["cross-entropy"]
    assert entry.title["zh"] in out
    assert f"解释：{entry.explanation['zh']}" in out
    assert f"实际用途：{entry.practical_use['zh']}" in out
    assert "公式" in out
    assert "H(P, Q) = -∑ₓ P(x) log Q(x) = H(P) + D_KL(P ∥ Q)" in out
    assert "✓ 一致" in out


def test_show_unknown_id_suggests_the_closest_ids(capsys):
    code, out, err = run(capsys, ["show", "entropi"])
    assert (code, out) == (2, "")
    assert_one_line_error(err, "unknown equation 'entropi'; did you mean: entropy")
    suggestions = err.split("did you mean: ")[1].rstrip("?\n").split(", ")
    assert suggestions[0] == "entropy"
    assert "cross-entropy" in suggestions


def test_show_matches_titles_too(capsys):
    _, _, err = run(capsys, ["show", "shannon"])  # the title is "Shannon entropy"
    assert_one_line_error(err, "did you mean: entropy")


def test_show_marks_a_disagreement_and_exits_1(capsys, monkeypatch):
    monkeypatch.setattr(mlequations.information, "entropy", lambda p, **_: [0.6, 0.3])
    code, out, _ = run(capsys, ["show", "entropy"])
    assert code == 1
    assert out.count("✗ DIFFERS") == 2
    assert "[0.6, 0.3]" in out


# --------------------------------------------------------------------------- check


def test_check_passes_and_prints_a_table(capsys):
    code, out, _ = run(capsys, ["check", "--chapter", "information"])
    assert code == 0
    header = out.splitlines()[0].split()
    assert header == ["equation", "ours", "expected", "reference", "agreement"]
    count = len(load_catalog().in_chapter("information"))
    assert out.count("✓ ok") == count
    assert f"{count} of {count} equations agree" in out


def test_check_exits_1_on_a_disagreement(capsys, monkeypatch):
    monkeypatch.setattr(mlequations.information, "entropy", lambda p, **_: [0.7, 0.3])
    code, out, _ = run(capsys, ["check", "entropy", "kl-divergence"])
    assert code == 1
    assert "✗ DIFFERS from the worked example" in out
    assert "1 of 2 equations agree; 1 disagree" in out


def test_check_reports_a_function_that_raises(capsys, monkeypatch):
    def broken(p, **_):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(mlequations.information, "entropy", broken)
    code, out, err = run(capsys, ["check", "entropy"])
    assert (code, err) == (1, "")
    assert "✗ ERROR: our function failed: RuntimeError: broken on purpose" in out


def test_check_unknown_id_suggests(capsys):
    code, _, err = run(capsys, ["check", "entropy", "kl-divergense"])
    assert code == 2
    assert_one_line_error(err, "unknown equation 'kl-divergense'; did you mean: kl-divergence")


# --------------------------------------------------------------------------- demo


def test_demo_writes_its_figure_and_prints_its_figures_of_merit(tmp_path, capsys):
    code, out, _ = run(capsys, ["demo", "entropy-coin", "--out", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "entropy-coin.png").stat().st_size > 1000
    assert "entropy-coin: entropy peaks at p = 0.50" in out
    assert [line.split() for line in out.splitlines() if "  =  " in line] == [
        ["peak_p", "=", "0.5"],
        ["max_entropy_bits", "=", "1"],
    ]
    assert f"wrote {tmp_path / 'entropy-coin.png'}" in out


def test_demo_that_raises_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    def explode(name, out_dir):
        raise ValueError("the demo broke\nover two lines")

    monkeypatch.setitem(mlequations.demos.DEMOS, "boom", "nowhere:run")
    monkeypatch.setattr(mlequations.demos, "run_demo", explode)
    code, out, err = run(capsys, ["demo", "boom", "--out", str(tmp_path)])
    assert code == 1
    assert_one_line_error(err, "demo 'boom' failed: ValueError: the demo broke over two lines")
    assert "1 of 1 demos failed: boom" in out


def test_demo_unknown_name_suggests(capsys):
    code, _, err = run(capsys, ["demo", "entropy-con"])
    assert code == 2
    assert_one_line_error(err, "unknown demo 'entropy-con'; did you mean: entropy-coin?")


# --------------------------------------------------------------------------- site


def fake_site(monkeypatch, build_site):
    module = types.ModuleType("mlequations.site")
    module.build_site = build_site
    monkeypatch.setitem(__import__("sys").modules, "mlequations.site", module)


@pytest.mark.parametrize("refresh", [False, True])
def test_site_calls_build_site_and_prints_index_html(tmp_path, capsys, monkeypatch, refresh):
    calls = []

    def build_site(out_dir, refresh=False):
        calls.append((out_dir, refresh))
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "index.html").write_text("<html></html>", encoding="utf-8")
        return out_dir / "index.html"

    fake_site(monkeypatch, build_site)
    out_dir = tmp_path / "reference"
    argv = ["site", "--out", str(out_dir)] + (["--refresh"] if refresh else [])
    code, out, _ = run(capsys, argv)
    assert code == 0
    assert calls == [(out_dir, refresh)]
    assert out == f"{(out_dir / 'index.html').resolve()}\n"


def test_site_defaults_to_the_site_folder(tmp_path, capsys, monkeypatch):
    calls = []
    fake_site(monkeypatch, lambda out_dir, refresh: calls.append((out_dir, refresh)))
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, ["site"])
    assert calls == [(Path("site"), False)]
    assert code == 1  # the fake wrote nothing: said in one line
    assert_one_line_error(err, "index.html does not exist")


def test_site_refusing_its_folder_is_one_line(capsys, monkeypatch):
    fake_site(monkeypatch, raiser(ValidationError("out_dir must be empty, got a full folder")))
    code, _, err = run(capsys, ["site", "--out", "somewhere"])
    assert code == 1
    assert_one_line_error(err, "cannot build the HTML reference: out_dir must be empty")


def test_site_without_its_builder_is_one_line(capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "mlequations.site", None)
    code, _, err = run(capsys, ["site", "--out", "nowhere"])
    assert code == 1
    assert_one_line_error(err, "cannot build the HTML reference")


# --------------------------------------------------------------------------- errors, help


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "the following arguments are required: command"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["lst"], "did you mean: list?"),
        (["show"], "the following arguments are required: id"),
        (["show", "entropy", "--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
        (["list", "--colour"], "unrecognized arguments: --colour"),
        (["demo"], "the following arguments are required: name"),
        (["site", "--refresh=yes"], "ignored explicit argument 'yes'"),
    ],
)
def test_bad_arguments_are_one_line_with_exit_code_2(capsys, argv, fragment):
    code, out, err = run(capsys, argv)
    assert (code, out) == (2, "")
    assert_one_line_error(err, fragment)


@pytest.mark.parametrize("command", [[], ["list"], ["show"], ["check"], ["demo"], ["site"]])
def test_help_of_every_command_has_examples(capsys, command):
    code, out, _ = run(capsys, [*command, "--help"])
    assert code == 0
    assert "examples:\n  mlequations " + (command[0] if command else "") in out


def test_version(capsys):
    code, out, _ = run(capsys, ["--version"])
    assert (code, out) == (0, f"mlequations {__version__}\n")


def test_a_broken_catalog_file_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    (tmp_path / "broken.toml").write_text('chapter = "broken"\ntitle = {', encoding="utf-8")
    monkeypatch.setattr(cli_commands, "load_catalog", lambda: load_catalog(tmp_path))
    code, _, err = run(capsys, ["list"])
    assert code == 1
    assert_one_line_error(err, "broken.toml: not valid TOML")
    with pytest.raises(CatalogError):
        load_catalog(tmp_path)


def raiser(error: BaseException):
    def function(*args, **kwargs):
        raise error

    return function


def test_ctrl_c_exits_130_with_one_line(capsys, monkeypatch):
    monkeypatch.setattr(cli_show, "load_catalog", raiser(KeyboardInterrupt()))
    code, _, err = run(capsys, ["show", "entropy"])
    assert code == 130
    assert err.strip() == "mlequations: interrupted"


def test_an_unexpected_error_is_one_line_unless_debugging(capsys, monkeypatch):
    monkeypatch.setattr(cli_commands, "load_catalog", raiser(ZeroDivisionError("oops\nagain")))
    code, _, err = run(capsys, ["list"])
    assert code == 1
    assert_one_line_error(err, "internal error: ZeroDivisionError: oops again")
    monkeypatch.setenv("MLEQUATIONS_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["list"])
