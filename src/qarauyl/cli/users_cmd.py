"""`qarauyl users create|set-password|list|token|set|test-notice`: accounts, run by whoever holds the
server."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.table import Table

from qarauyl.cli._app import app, console
from qarauyl.domain.roles import ROLES
from qarauyl.errors import InputError

EMAIL_HELP = "Their e-mail address: where they are told of the tickets given to them."
TELEGRAM_HELP = (
    "Their Telegram chat id (a number: Telegram's @userinfobot tells it); they press Start in a chat with "
    "the notifications bot first."
)
users_app = typer.Typer(help="People and machines that sign in: users, roles, tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _read_password(from_stdin: bool) -> str:
    """From stdin (one line, for scripts) or typed twice at a hidden prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("No password on standard input.")
        return password
    typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


@users_app.command("create")
def create(
    name: str = typer.Argument(..., help="The sign-in name.", show_default=False),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}.", show_default=False),
    org: str | None = typer.Option(None, "--org", help="Organisation (engineers: their contractor)."),
    language: str = typer.Option("en", "--language", help="kk, ru or en."),
    email: str | None = typer.Option(None, "--email", help=EMAIL_HELP),
    telegram: str | None = typer.Option(None, "--telegram", help=TELEGRAM_HELP),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Create a user; asks for the password twice unless --password-stdin."""
    from qarauyl.accounts import contact_email, contact_telegram, create_user
    from qarauyl.runtime import open_database

    contact_email(email), contact_telegram(telegram)  # a typo is refused before the password is asked
    db = open_database()
    password = _read_password(password_stdin)
    info = create_user(
        db,
        name,
        role,
        password,
        organisation=org,
        language=language,
        email=email,
        telegram_chat_id=telegram,
    )
    where = f" of {info.organisation}" if info.organisation else ""
    console.print(f"User '{info.name}' created: {info.role}{where}.", markup=False)


@users_app.command("set-password")
def set_password_(
    name: str = typer.Argument(..., help="The sign-in name.", show_default=False),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Set a user's password; their open sessions end."""
    from qarauyl.accounts import set_password
    from qarauyl.runtime import open_database

    db = open_database()
    set_password(db, name, _read_password(password_stdin))
    console.print(f"Password of '{name}' changed; their open sessions have ended.", markup=False)


@users_app.command("set")
def set_(
    name: str = typer.Argument(..., help="The sign-in name.", show_default=False),
    role: str | None = typer.Option(None, "--role", help=f"One of: {', '.join(ROLES)}."),
    active: bool | None = typer.Option(None, "--active/--disabled", help="Allow or refuse sign-in."),
    language: str | None = typer.Option(None, "--language", help="kk, ru or en."),
    email: str | None = typer.Option(None, "--email", help=EMAIL_HELP + ' "" removes it.'),
    telegram: str | None = typer.Option(None, "--telegram", help=TELEGRAM_HELP + ' "" removes it.'),
) -> None:
    """Change a user's role, language or addresses, or disable them."""
    from qarauyl.accounts import update_user
    from qarauyl.runtime import open_database

    given: dict[str, Any] = {"email": email, "telegram_chat_id": telegram}
    info = update_user(
        open_database(),
        name,
        role=role,
        active=active,
        language=language,
        **{field: value for field, value in given.items() if value is not None},
    )
    console.print(
        f"User '{info.name}': {info.role}, {'active' if info.active else 'disabled'}, "
        f"{info.language}; told at: {info.told_at() or 'nowhere'}.",
        markup=False,
    )


@users_app.command("test-notice")
def test_notice(name: str = typer.Argument(..., help="The sign-in name.", show_default=False)) -> None:
    """Send a test message to a user's own addresses now, in their language, to see that it arrives."""
    from qarauyl.maintenance.config import load_config
    from qarauyl.maintenance.notifications.status import send_personal_test
    from qarauyl.runtime import open_database

    sent = send_personal_test(open_database(), load_config(), name)
    console.print(f"Test message to {name} taken by: {', '.join(sent)}.", markup=False)


@users_app.command("list")
def list_() -> None:
    """Every user with role, organisation, language and last sign-in."""
    from qarauyl.accounts import list_users
    from qarauyl.runtime import open_database

    total, users = list_users(open_database())
    table = Table("name", "role", "organisation", "language", "told at", "active", "last sign-in")
    for user in users:
        table.add_row(
            user.name,
            user.role,
            user.organisation or "",
            user.language,
            user.told_at(),
            "yes" if user.active else "no",
            user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else "never",
        )
    console.print(table)
    console.print(f"{total} user(s).")


@users_app.command("token")
def token(
    name: str = typer.Argument(..., help="The user the token acts as.", show_default=False),
    label: str = typer.Option("", "--label", help="What the token is for (shown in listings)."),
) -> None:
    """Create an API bearer token for a machine; it is printed once and stored only as a digest."""
    from qarauyl.accounts import create_token
    from qarauyl.runtime import open_database

    value = create_token(open_database(), name, label)
    console.print(value, markup=False, highlight=False, soft_wrap=True)


@users_app.command("tokens")
def tokens(name: str = typer.Argument(..., help="Whose tokens.", show_default=False)) -> None:
    """A user's API tokens: the prefix that tells them apart, what each is for, when it was last used."""
    from rich.table import Table

    from qarauyl.accounts import list_tokens
    from qarauyl.runtime import open_database

    listed = list_tokens(open_database(), name)
    table = Table("id", "prefix", "label", "created", "last used")
    for t in listed:
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        table.add_row(str(t.id), t.prefix, t.label, f"{t.created_at:%Y-%m-%d %H:%M}", used)
    console.print(table)
    console.print(f"{len(listed)} token(s) of {name}.", markup=False, highlight=False)


@users_app.command("revoke-token")
def revoke_token_(
    name: str = typer.Argument(..., help="Whose token.", show_default=False),
    token_id: int = typer.Argument(
        ..., help="The token's id (`qarauyl users tokens NAME`).", show_default=False
    ),
) -> None:
    """Revoke one API token (a leaked scraper token): it stops working at once; the user keeps the others."""
    from qarauyl.accounts import revoke_token
    from qarauyl.runtime import open_database

    info = revoke_token(open_database(), name, token_id)
    console.print(f"Revoked token #{info.id} ({info.prefix}) of {name}.", markup=False, highlight=False)


@users_app.command("sign-out")
def sign_out(
    name: str = typer.Argument(..., help="The user whose sessions end.", show_default=False),
) -> None:
    """End every signed-in session of a user (a lost phone, a shared computer left signed in); their API
    tokens keep working: `qarauyl users set NAME --inactive` stops those too."""
    from qarauyl.accounts import end_sessions
    from qarauyl.runtime import open_database

    ended = end_sessions(open_database(), name)
    console.print(f"Ended {ended} session(s) of {name}.", markup=False, highlight=False)
