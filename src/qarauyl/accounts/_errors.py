"""Account errors; the faces turn them into 401, 403 and 429 answers and CLI messages."""

from __future__ import annotations

from qarauyl.errors import QarauylError


class AuthError(QarauylError):
    """Sign-in failed or no valid credentials were given. The message never says which half was wrong."""

    exit_code = 4


class ThrottledError(AuthError):
    """Too many failed sign-ins for one name from one address; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(QarauylError):
    """The principal is known but its role does not allow the action."""

    exit_code = 5
