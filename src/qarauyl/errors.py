"""One exception hierarchy for the whole product; the faces turn it into exit codes and HTTP answers."""

from __future__ import annotations

from dataclasses import dataclass


class QarauylError(Exception):
    """Base of every error Qarauyl raises on purpose. The message is a sentence for a person."""

    exit_code = 1
    # A key of the console's catalogues (qarauyl/i18n) that says the same in the person's language, and its
    # values; without one the console shows the message, which is English.
    catalogue_key: str | None = None
    catalogue_values: dict[str, str] | None = None


class ConfigError(QarauylError):
    """The settings are unusable (a bad database URL, an unreadable config file)."""


class RemoteRefused(QarauylError):
    """A server beyond ours (a mail server, Telegram, a webhook receiver) refused or did not answer."""


class NotFoundError(QarauylError):
    """A named thing (a camera code, an organisation) does not exist."""

    exit_code = 3

    @classmethod
    def camera(cls, code: str) -> NotFoundError:
        error = cls(f"No camera with code '{code}'.")
        error.catalogue_key, error.catalogue_values = "camera.not_found", {"code": code}
        return error


@dataclass(frozen=True)
class Problem:
    """One problem with one place in an input file: `FILE:LINE: column: message`."""

    location: str
    column: str
    message: str

    def __str__(self) -> str:
        # A problem with a whole request part (`query`, `path`) names it once, not "path: path: ...".
        if not self.column or self.column == self.location:
            return f"{self.location}: {self.message}"
        return f"{self.location}: {self.column}: {self.message}"


class InputError(QarauylError):
    """The input (a file, a row, an argument) is invalid; nothing was written."""

    exit_code = 2

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class CameraError(QarauylError):
    """A camera could not be reached or read; `code` is a fault code such as `offline`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def first_line(exc: BaseException) -> str:
    """An exception for a log line: its first line (SQLAlchemy's message goes on with the statement and every
    parameter, findings and baselines among them), or its class's name when it says nothing."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
