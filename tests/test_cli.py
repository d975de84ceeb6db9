"""The command line: list, show, check and demo, and its one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mlequations.catalog import load_catalog
from mlequations.cli import main


def test_list_prints_every_equation(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(load_catalog())
    assert any(line.split()[0] == "entropy" for line in lines)


def test_list_in_chinese_for_one_chapter(capsys):
    assert main(["list", "--chapter", "information", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "熵" in out
    assert all(line.split()[1] == "information" for line in out.splitlines())


def test_show_prints_the_equation_and_its_example(capsys):
    assert main(["show", "kl-divergence"]) == 0
    out = capsys.readouterr().out
    entry = load_catalog()["kl-divergence"]
    assert entry.latex in out
    assert entry.explanation["en"] in out
    assert "mlequations.divergences:kl_divergence" in out
    assert f"Cross-checked with {entry.reference.library}: {entry.reference.function}" in out


def test_check_passes_and_prints_a_table(capsys):
    assert main(["check", "--chapter", "information"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:5] == [
        "equation",
        "ours",
        "expected",
        "reference",
        "agreement",
    ]
    count = len(load_catalog().in_chapter("information"))
    assert f"{count} of {count} equations agree" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "no-such-equation"], "unknown equation id 'no-such-equation'"),
        (["check", "--chapter", "astrology"], "unknown chapter 'astrology'"),
        (["demo", "fireworks"], "unknown demo 'fireworks'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: command"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("mlequations: error: ")
    assert message in err


def test_demo_writes_its_figure(tmp_path, capsys):
    assert main(["demo", "entropy-coin", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "entropy-coin.png").exists()
    assert "entropy peaks at p = 0.50" in capsys.readouterr().out


def test_console_script_runs_as_a_module():
    completed = subprocess.run(
        [sys.executable, "-m", "mlequations.cli", "check", "entropy"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "1 of 1 equations agree" in completed.stdout
