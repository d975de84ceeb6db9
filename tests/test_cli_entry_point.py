"""The installed ``mlequations`` console script, run as a user runs it (a subprocess).

A representative set of commands runs at once (in parallel, to keep the file
fast); each must give its exit code, print no traceback, and write its errors as
one line on standard error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlequations import __version__


def console_script() -> str:
    beside_python = Path(sys.executable).with_name("mlequations")
    found = str(beside_python) if beside_python.exists() else shutil.which("mlequations")
    if found is None:
        pytest.fail("the console script 'mlequations' is not installed (pip install -e .)")
    return found


#: argv -> (exit code, text on stdout, text on stderr)
CASES = {
    ("--version",): (0, f"mlequations {__version__}", ""),
    ("show", "entropy", "--lang", "zh"): (0, "现场计算结果", ""),
    ("show", "entropi"): (2, "", "unknown equation 'entropi'; did you mean: entropy"),
    ("check", "entropy"): (0, "1 of 1 equations agree", ""),
    ("demo", "fireworks"): (2, "", "unknown demo 'fireworks'"),
    ("frobnicate",): (2, "", "invalid choice: 'frobnicate'"),
}


@pytest.fixture(scope="module")
def completed(tmp_path_factory):
    """Every case's (exit code, stdout, stderr), the processes run side by side."""
    script = console_script()
    environment = os.environ | {"PYTHONUTF8": "1", "MLEQUATIONS_DEBUG": ""}
    folder = tmp_path_factory.mktemp("cli")
    processes = {
        argv: subprocess.Popen(
            [script, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=folder,
            env=environment,
        )
        for argv in CASES
    }
    results = {}
    for argv, process in processes.items():
        out, err = process.communicate(timeout=300)
        results[argv] = (process.returncode, out.decode("utf-8"), err.decode("utf-8"))
    return results


@pytest.mark.parametrize("argv", list(CASES), ids=" ".join)
def test_console_script(completed, argv):
    code, out, err = completed[argv]
    expected_code, in_out, in_err = CASES[argv]
    assert code == expected_code, err
    assert "Traceback" not in err
    assert in_out in out
    if expected_code == 0:
        assert err == ""
    else:
        assert err.count("\n") == 1
        assert err.startswith("mlequations: error: ")
        assert in_err in err


def test_the_module_runs_as_a_script():
    completed = subprocess.run(
        [sys.executable, "-m", "mlequations.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stdout) == (0, f"mlequations {__version__}\n")
