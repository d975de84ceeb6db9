"""The ``mlequations`` command line: browse and check the catalog, run the demos, build the site.

Every error is one line on standard error, never a traceback: exit code 2 for a
bad argument, 1 when the work failed (a disagreement in ``check``, a demo that
raised, a broken catalog file) and 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from mlequations import __version__
from mlequations.catalog import CatalogError
from mlequations.cli_common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CommandError,
    UsageError,
    one_line,
    suggest,
)

__all__ = ["main"]

#: Set to 1 to let an unexpected exception end in its traceback (for developers).
DEBUG_VARIABLE = "MLEQUATIONS_DEBUG"

_EXAMPLES = {
    None: """examples:
  mlequations list --chapter information
  mlequations show cross-entropy --lang zh
  mlequations check
  mlequations demo entropy-coin --out demo-output
  mlequations site --out site""",
    "list": """examples:
  mlequations list
  mlequations list --chapter losses
  mlequations list --lang zh""",
    "show": """examples:
  mlequations show entropy
  mlequations show kl-divergence --lang zh

The exit code is 1 when the live result disagrees with the guide or the reference.""",
    "check": """examples:
  mlequations check
  mlequations check entropy kl-divergence
  mlequations check --chapter information

The exit code is 1 when any example or reference disagrees.""",
    "demo": """examples:
  mlequations demo entropy-coin
  mlequations demo all --out demo-output""",
    "site": """examples:
  mlequations site
  mlequations site --out site --refresh

Prints the path of index.html; open it in a browser (it works offline).""",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        match = re.search(r"invalid choice: '(.*?)' \(choose from (.*)\)", message)
        if match:
            choices = [c.strip(" '") for c in match.group(2).split(",")]
            close = suggest(match.group(1), dict.fromkeys(choices, ()))
            if close:
                message += f"; did you mean: {', '.join(close)}?"
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mlequations",
        description=__doc__.splitlines()[0],
        epilog=_EXAMPLES[None],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mlequations {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=_EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    language = {"choices": ("en", "zh"), "default": "en", "help": "language (default: en)"}
    listing = command("list", "list the equations: ids, titles and chapters")
    listing.add_argument("--chapter", help="only this chapter (a name from the chapter column)")
    listing.add_argument("--lang", **language)

    show = command("show", "show one equation in full, with its example computed live")
    show.add_argument("id", help="the equation's id, as printed by 'mlequations list'")
    show.add_argument("--lang", **language)

    check = command("check", "run every worked example and its independent reference")
    check.add_argument("ids", nargs="*", metavar="ID", help="only these equations (default: all)")
    check.add_argument("--chapter", help="only this chapter")

    demo = command("demo", "run a demo (or all), write its figures, print what it measured")
    demo.add_argument("name", help="a demo name, or 'all'")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")

    site = command("site", "build the offline HTML reference")
    site.add_argument("--out", type=Path, default=Path("site"), help="output folder (site)")
    site.add_argument(
        "--refresh", action="store_true", help="recompute the cached results of the slow demos"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    _tolerate_unencodable_output()
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            return _dispatch(argv)
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except UsageError as error:
        return _fail(error, EXIT_USAGE)
    except (CommandError, CatalogError) as error:
        return _fail(error, EXIT_FAILURE)
    except KeyboardInterrupt:
        print("\nmlequations: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `mlequations list | head`: the reader left; say nothing
        _silence_stdout()
        return EXIT_FAILURE
    except Exception as error:
        if os.environ.get(DEBUG_VARIABLE) == "1":
            raise
        message = f"internal error: {type(error).__name__}: {error}"
        return _fail(f"{message} (set {DEBUG_VARIABLE}=1 for the traceback)", EXIT_FAILURE)


def _dispatch(argv: Sequence[str] | None) -> int:
    from mlequations import cli_commands, cli_show

    arguments = _build_parser().parse_args(argv)
    handlers = {
        "list": cli_commands.run_list,
        "show": cli_show.run_show,
        "check": cli_commands.run_check,
        "demo": cli_commands.run_demo,
        "site": cli_commands.run_site,
    }
    code = handlers[arguments.command](arguments)
    sys.stdout.flush()  # a closed pipe shows here, inside the handlers of main
    return code


def _fail(error: object, code: int) -> int:
    print(f"mlequations: error: {one_line(error)}", file=sys.stderr)
    return code


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"mlequations: warning: {category.__name__}: {one_line(message)}", file=sys.stderr)


def _tolerate_unencodable_output() -> None:
    """On a terminal that cannot show ✓ or 熵, print '?' instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a detached stream
                reconfigure(errors="replace")


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no real descriptor
        pass


if __name__ == "__main__":
    sys.exit(main())
