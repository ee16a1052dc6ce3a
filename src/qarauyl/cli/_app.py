"""The Typer application and the one place where Qarauyl errors become messages and exit codes."""

from __future__ import annotations

import sys

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


def run_app(application: typer.Typer) -> int:
    try:
        application(standalone_mode=False)
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
    except Exception as exc:  # click's usage errors
        from click.exceptions import ClickException

        if isinstance(exc, ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


def report_error(exc: QarauylError) -> None:
    if isinstance(exc, InputError) and exc.problems:
        for problem in exc.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    err_console.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
