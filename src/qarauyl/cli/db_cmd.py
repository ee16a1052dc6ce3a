"""`qarauyl db upgrade|current`."""

from __future__ import annotations

import typer

from qarauyl.cli._app import app, console
from qarauyl.domain.stream_url import redact_url

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Create the schema, or migrate it to the newest revision."""
    from qarauyl.runtime import open_database
    from qarauyl.store import schema

    db = open_database(migrate=False)
    before = schema.current_revision(db)
    schema.upgrade(db, revision)
    after = schema.current_revision(db)
    where = redact_url(db.url)
    if before == after:
        console.print(f"{where}: schema already at revision {after}.", markup=False)
    else:
        console.print(f"{where}: schema migrated from {before or 'empty'} to {after}.", markup=False)


@db_app.command("current")
def current() -> None:
    """Print the schema revision of the database and of this Qarauyl."""
    from qarauyl.runtime import open_database
    from qarauyl.store import schema

    db = open_database(migrate=False)
    console.print(f"database: {schema.current_revision(db) or 'empty'}; code: {schema.head_revision(db)}")
