"""The Typer application and the one place where Qarauyl errors become messages and exit codes."""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from collections.abc import Callable
from functools import cache

import typer
from rich.console import Console

from qarauyl.errors import InputError, QarauylError

app = typer.Typer(
    name="qarauyl",
    help="Qarauyl (қарауыл, the sentry): keeps a city's CCTV network seeing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Piped output (to a file, to grep) gets a wide fixed width instead of Rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def counts_text(counts: Counter[str], say: Callable[[str], str] = str) -> str:
    """`name n, ...`, the most first: a cycle's or the fleet's faults, causes, held-back codes."""
    return ", ".join(f"{say(name)} {n}" for name, n in counts.most_common())


def run_app(application: typer.Typer) -> int:
    try:
        result = application(standalone_mode=False)
    except QarauylError as exc:
        report_error(exc)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("Aborted.")
        return 130
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:
        if isinstance(exc, _usage_errors()):
            # A mistyped command or option, a missing argument, or no arguments at all (help): click's
            # own message and exit code (2), not a traceback.
            exc.show()  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        raise
    # Without standalone mode Click returns what it would have exited with: a typer.Exit's code, and 130
    # when it turned Ctrl-C into an Abort (Typer's own copy of Click does so instead of raising).
    if isinstance(result, int) and not isinstance(result, bool) and result:
        if result == 130:
            err_console.print("Interrupted.")
        return result
    return 0


@cache
def _usage_errors() -> tuple[type[Exception], ...]:
    """Click's exception classes. Typer before 0.29 raises those of the click package; from 0.29 on, those
    of its own copy of click (`typer._click`), which are other classes: caught as click's alone, every usage
    error of a fresh install came out as a traceback."""
    found: list[type[Exception]] = []
    for module in ("click.exceptions", "typer._click.exceptions"):
        try:
            found.append(importlib.import_module(module).ClickException)
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def report_error(exc: QarauylError) -> None:
    if isinstance(exc, InputError) and exc.problems:
        for problem in exc.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    err_console.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
