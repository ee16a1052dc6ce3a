"""The console's shared frame: its state (database, snapshots, settings), who is logged in, and the
header, navigation drawer and language switch every page sits in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from nicegui import app, ui
from starlette.requests import Request

from qarauyl import accounts
from qarauyl.accounts import Principal
from qarauyl.config import Settings
from qarauyl.i18n import LANGUAGE_NAMES, Translator, normalise
from qarauyl.monitor import SnapshotStore
from qarauyl.store import Database
from qarauyl.web import _auth
from qarauyl.web._data import Scope


@dataclass
class ConsoleState:
    settings: Settings
    db: Database
    snapshots: SnapshotStore


_state: ConsoleState | None = None


def set_state(state: ConsoleState) -> None:
    global _state
    _state = state


def state() -> ConsoleState:
    if _state is None:
        raise RuntimeError("qarauyl.web.mount() has not been called")
    return _state


def current_person() -> Principal | None:
    """The signed-in person, from the accounts session cookie that the API's POST /login sets
    (HttpOnly, SameSite=Lax, checked against the database on every page)."""
    from nicegui import context

    request = getattr(context.client, "request", None)
    return accounts.principal_from_request(request) if request is not None else None


# An open page asks this often whether its session still stands: signing out elsewhere, an administrator's
# "sign out everywhere", a new password or a disabled account close it within this time.
SESSION_CHECK_SECONDS = 20.0


def _leave_if_signed_out() -> None:
    from nicegui import context

    request = getattr(context.client, "request", None)
    if request is not None and accounts.principal_from_request(request, again=True) is None:
        ui.navigate.to("/login")


def person_from_route(request: Request) -> Principal | None:
    """The same for plain HTTP routes (map data, snapshots)."""
    return accounts.principal_from_request(request)


def language_of(person: Principal) -> str:
    return normalise(person.language)


@dataclass
class Page:
    person: Principal
    tr: Translator
    scope: Scope

    def can(self, action: str) -> bool:
        return _auth.permitted(self.person, action)


NAVIGATION = (
    ("/", "nav.overview", "dashboard", "cameras.read"),
    ("/map", "nav.map", "map", "cameras.read"),
    ("/cameras", "nav.cameras", "videocam", "cameras.read"),
    ("/events", "nav.events", "notifications", "events.read"),
    ("/rules", "nav.rules", "rule", "fault_rules.read"),
    ("/tickets", "nav.tickets", "build", "events.read"),
    ("/kpi", "nav.kpi", "insights", "metrics.read"),
    ("/planning", "nav.planning", "add_location_alt", "planning.read"),
    ("/admin", "nav.admin", "admin_panel_settings", "users.manage"),
)

STYLE = """
<link rel="stylesheet" href="/console-static/console.css">
"""


@contextmanager
def frame(title_key: str, path: str) -> Iterator[Page | None]:
    """Builds the header and drawer; yields None (after redirecting to the sign-in page) for strangers."""
    person = current_person()
    if person is None:
        from urllib.parse import quote

        request = getattr(ui.context.client, "request", None)
        wanted = request.url.path if request is not None else path
        ui.navigate.to(f"/login?next={quote(wanted)}")
        yield None
        return
    picked = app.storage.user.pop("signin_language", None)
    if picked and picked != person.language:
        # A language picked on the sign-in page becomes the person's remembered choice.
        person = _auth.remember_language(state().db, person, normalise(picked))
    tr = Translator(language_of(person), state().settings.zone())
    page = Page(person=person, tr=tr, scope=_auth.scope_of(person))
    ui.timer(SESSION_CHECK_SECONDS, _leave_if_signed_out)
    ui.page_title(f"{tr(title_key)} · Qarauyl")
    ui.add_head_html(STYLE)
    ui.query("html").props(f"lang={tr.language}")
    drawers: list[ui.left_drawer] = []  # the menu button toggles the drawer built after the header
    with ui.header(elevated=True).classes("items-center gap-2 q-px-sm bg-primary"):
        ui.button(icon="menu", on_click=lambda: drawers[0].toggle()).props(
            f'flat round color=white aria-label="{tr("nav.menu")}" data-testid=menu'
        )
        ui.label("Qarauyl").classes("text-h6 text-white")
        ui.label(tr(title_key)).classes("text-subtitle1 text-white gt-xs")
        ui.space()
        language_switch(person, tr)
        with (
            ui.button(icon="account_circle").props("flat round color=white data-testid=user-menu"),
            ui.menu(),
        ):
            ui.menu_item(f"{person.name} · {tr('role.' + person.role)}").props("disable")
            if page.can("events.ack"):  # the roles a ticket can be given to (tickets.REPAIR_ACTION)
                ui.menu_item(tr("contacts.title"), on_click=lambda: _my_contacts(page)).props(
                    "data-testid=my-contacts"
                )
            ui.menu_item(tr("nav.logout"), on_click=logout).props("data-testid=logout")
    with ui.left_drawer(value=False, bordered=True).props("show-if-above width=220 breakpoint=800") as drawer:
        drawers.append(drawer)
        for target, key, icon, action in NAVIGATION:
            if not page.can(action):
                continue
            active = "bg-blue-1 text-primary" if target == path else ""
            with (
                ui.link(target=target)
                .classes(f"no-underline text-black w-full rounded {active}")
                .props(f"data-testid=nav-{key.split('.')[1]}"),
                ui.row().classes("items-center gap-3 q-pa-sm"),
            ):
                ui.icon(icon)
                ui.label(tr(key))
    with ui.column().classes("w-full q-pa-md gap-4 console-page"):
        yield page


def language_switch(person: Principal, tr: Translator) -> None:
    def change(event: Any) -> None:
        language = normalise(event.value)
        if language == person.language:
            return
        app.storage.user["language"] = language
        _auth.remember_language(state().db, person, language)
        ui.navigate.reload()

    ui.select(LANGUAGE_NAMES, value=tr.language, on_change=change).props(
        'dense borderless dark options-dense data-testid=language aria-label="language"'
    ).classes("text-white")


def _my_contacts(page: Page) -> None:
    from qarauyl.web._contacts import my_contacts_dialog  # it builds on this module

    my_contacts_dialog(page)


def logout() -> None:
    # The session cookie is HttpOnly: only the API's /logout can clear it (it then shows /login).
    ui.navigate.to("/logout")


def ticket_link(page: Page, ticket: dict[str, Any] | None) -> None:
    """A camera's open repair ticket, with its status and who repairs it, linking its page: the camera page
    and the map's card (`_data.camera_detail`'s "ticket")."""
    if not ticket or not page.can("events.read"):
        return
    status = page.tr.maybe("ticket_status", ticket["status"])
    words = page.tr("camera.ticket", id=ticket["id"], status=status)
    if ticket.get("assignee"):
        words += f" · {ticket['assignee']}"
    ui.link(words, f"/tickets/{ticket['id']}").props("data-testid=camera-ticket")


def notify_error(tr: Translator, exc: Exception) -> None:
    ui.notify(tr.error(exc), type="negative", multi_line=True)


HEALTH_COLOURS = {"ok": "green-8", "degraded": "amber-8", "failed": "red-8", "unknown": "grey-6"}


def health_badge(tr: Translator, health: str) -> ui.badge:
    return ui.badge(tr.maybe("health", health), color=HEALTH_COLOURS.get(health, "grey-6")).props(
        f"data-health={health}"
    )


def live(refresh: Callable[[], object], signature: Callable[[], object], seconds: float) -> ui.timer:
    """Re-draws a refreshable only when `signature()` changes, so that people's clicks never land on
    an element that a periodic redraw has just replaced."""
    last = [signature()]

    def tick() -> None:
        current = signature()
        if current != last[0]:
            last[0] = current
            refresh()

    return ui.timer(seconds, tick)
