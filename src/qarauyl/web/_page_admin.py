"""Administration: people (add, change role, organisation, language, where they are told of their
tickets, disable, new password, sign out everywhere), the roles, the organisations, the notification routes
(whether each works, and a test message) and the audit log. Every change goes through `qarauyl.accounts`
with the administrator as the actor, so it is audited exactly as the same change through the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nicegui import run, ui
from sqlalchemy import select

from qarauyl import accounts
from qarauyl.errors import QarauylError
from qarauyl.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, Translator
from qarauyl.maintenance.config import MaintenanceConfig, load_config
from qarauyl.maintenance.notifications.status import route_statuses, send_test
from qarauyl.store import Organisation
from qarauyl.web import _auth
from qarauyl.web._contacts import contact_inputs, send_test_button
from qarauyl.web._shell import Page, frame, notify_error, state

NO_ORGANISATION = ""
# A Quasar slot: the row's edit button sends the user's name back to the server as an `edit` event.
EDIT_BUTTON = (
    '<q-td :props="props"><q-btn flat dense round icon="edit" :aria-label="props.value" '
    ":data-testid=\"'edit-user-' + props.value\" @click=\"$parent.$emit('edit', props.value)\" /></q-td>"
)


def _client() -> str | None:
    request = getattr(ui.context.client, "request", None)
    return request.client.host if request is not None and request.client else None


def _organisations() -> list[tuple[str, str]]:
    with state().db.session() as session:
        return [
            (name, kind)
            for name, kind in session.execute(
                select(Organisation.name, Organisation.kind).order_by(Organisation.name)
            )
        ]


def _role_options(tr: Translator) -> dict[str, str]:
    return {role: tr.maybe("role", role) for role in _auth.ROLES}


def _organisation_options() -> dict[str, str]:
    return {NO_ORGANISATION: "—", **{name: name for name, _ in _organisations()}}


def _user_dialog(page: Page, user: accounts.UserInfo | None, redraw: Any) -> None:
    """One dialog for both: a new user (name and password required) or changes to an existing one."""
    tr = page.tr
    with ui.dialog() as dialog, ui.card().classes("w-96 max-w-full").props("data-testid=user-dialog"):
        ui.label(tr("admin.new_user") if user is None else user.name).classes("text-subtitle1")
        name = None
        if user is None:
            name = ui.input(tr("signin.name")).props("dense data-testid=user-name").classes("w-full")
        role = (
            ui.select(_role_options(tr), label=tr("admin.role"), value=user.role if user else "viewer")
            .props("dense data-testid=user-role")
            .classes("w-full")
        )
        organisation = (
            ui.select(
                _organisation_options(),
                label=tr("admin.organisation"),
                value=(user.organisation or NO_ORGANISATION) if user else NO_ORGANISATION,
            )
            .props("dense data-testid=user-organisation")
            .classes("w-full")
        )
        language = (
            ui.select(
                dict(LANGUAGE_NAMES),
                label=tr("admin.language"),
                value=user.language if user else DEFAULT_LANGUAGE,
            )
            .props("dense data-testid=user-language")
            .classes("w-full")
        )
        email, telegram = contact_inputs(tr, user)
        active = ui.switch(tr("admin.active"), value=user.active if user else True).props(
            "data-testid=user-active"
        )
        if user is None:
            active.set_visibility(False)
        password = (
            ui.input(
                tr("admin.password") if user is None else tr("admin.new_password"),
                password=True,
                password_toggle_button=True,
            )
            .props('dense autocomplete="new-password" data-testid=user-password')
            .classes("w-full")
        )

        def save() -> None:
            db = state().db
            org = organisation.value or None
            try:
                if user is None:
                    assert name is not None
                    accounts.create_user(
                        db,
                        (name.value or "").strip(),
                        role.value,
                        password.value or "",
                        organisation=org,
                        language=language.value,
                        email=email.value,
                        telegram_chat_id=telegram.value,
                        actor=page.person,
                        client=_client(),
                    )
                else:
                    accounts.check_not_self_lockout(page.person, user.name, role.value, active.value)
                    # The other fields first: a refused one (an address with a typo) leaves the password.
                    accounts.update_user(
                        db,
                        user.name,
                        role=role.value,
                        organisation=org,
                        language=language.value,
                        active=bool(active.value),
                        email=email.value,
                        telegram_chat_id=telegram.value,
                        actor=page.person,
                        client=_client(),
                    )
                    if password.value:
                        accounts.set_password(
                            db, user.name, password.value, actor=page.person, client=_client()
                        )
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            ui.notify(tr("admin.saved"), type="positive")
            dialog.close()
            redraw()

        def sign_out() -> None:
            assert user is not None
            try:
                ended = accounts.end_sessions(state().db, user.name, actor=page.person, client=_client())
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            ui.notify(tr("admin.signed_out", n=ended, name=user.name), type="positive")
            dialog.close()
            redraw()

        if user is not None:
            send_test_button(tr, user.name, bool(user.email or user.telegram_chat_id))
            _tokens(page, user.name)

        with ui.row().classes("w-full justify-end"):
            if user is not None:
                # A lost phone or a shared computer left signed in: its cookie stops working at once.
                ui.button(tr("admin.sign_out"), on_click=sign_out).props(
                    "flat color=negative data-testid=user-sign-out"
                )
            ui.button(tr("common.cancel"), on_click=dialog.close).props("flat")
            ui.button(tr("common.save"), on_click=save).props("data-testid=user-save")
    dialog.open()


def _tokens(page: Page, name: str) -> None:
    """A user's API tokens (prefix, label, last use), a button to revoke each, and a new one, shown once."""
    tr = page.tr

    @ui.refreshable
    def listing() -> None:
        for token in accounts.list_tokens(state().db, name):
            used = tr.datetime(token.last_used_at) if token.last_used_at else tr("admin.never")
            with ui.row().classes("w-full items-center gap-1").props(f"data-testid=token-{token.id}"):
                ui.label(token.prefix).classes("text-caption text-weight-medium")
                ui.label(token.label or "—").classes("text-caption")
                ui.label(tr("admin.token_used", when=used)).classes("text-caption text-grey-7")
                ui.space()
                ui.button(icon="delete", on_click=lambda _, t=token.id: revoke(t)).props(
                    f'flat dense round color=negative aria-label="{tr("admin.revoke")}" '
                    f"data-testid=token-revoke-{token.id}"
                )

    def revoke(token_id: int) -> None:
        try:
            info = accounts.revoke_token(state().db, name, token_id, actor=page.person, client=_client())
        except QarauylError as exc:
            notify_error(tr, exc)
            return
        ui.notify(tr("admin.revoked", prefix=info.prefix), type="positive")
        listing.refresh()

    def create() -> None:
        try:
            value = accounts.create_token(
                state().db, name, (label.value or "").strip(), actor=page.person, client=_client()
            )
        except QarauylError as exc:
            notify_error(tr, exc)
            return
        shown.set_value(value)
        shown.set_visibility(True)
        label.set_value("")
        listing.refresh()

    ui.label(tr("admin.tokens")).classes("text-caption text-weight-medium q-mt-sm")
    listing()
    with ui.row().classes("w-full items-center no-wrap"):
        label = ui.input(tr("admin.token_label")).props("dense data-testid=token-label").classes("grow")
        ui.button(tr("admin.new_token"), on_click=create).props("dense outline data-testid=token-create")
    # Shown once, as the CLI prints it: only its digest is kept.
    shown = ui.input(tr("admin.token_once")).props("dense readonly data-testid=token-value").classes("w-full")
    shown.set_visibility(False)


def _sections(page: Page) -> None:
    """People (editable), roles, organisations and the audit log."""
    tr = page.tr

    @ui.refreshable
    def table() -> None:
        people = _auth.users(state().db)
        rows = [
            {
                "name": u.name,
                "role": tr.maybe("role", u.role),
                "organisation": u.organisation or "—",
                "language": LANGUAGE_NAMES.get(u.language, u.language),
                "active": tr("common.yes") if u.active else tr("common.no"),
                "contacts": u.told_at() or "—",
            }
            for u in people
        ]
        columns = [
            {"name": "name", "label": tr("signin.name"), "field": "name", "align": "left"},
            {"name": "role", "label": tr("admin.role"), "field": "role", "align": "left"},
            {
                "name": "organisation",
                "label": tr("admin.organisation"),
                "field": "organisation",
                "align": "left",
            },
            {"name": "language", "label": tr("admin.language"), "field": "language", "align": "left"},
            {"name": "active", "label": tr("admin.active"), "field": "active", "align": "left"},
            {"name": "contacts", "label": tr("admin.contacts"), "field": "contacts", "align": "left"},
            {"name": "edit", "label": "", "field": "name", "align": "right"},
        ]
        grid = ui.table(columns=columns, rows=rows, row_key="name").props("flat dense").classes("w-full")
        grid.add_slot("body-cell-edit", EDIT_BUTTON)
        by_name = {u.name: u for u in people}
        grid.on(
            "edit",
            lambda e: _user_dialog(page, by_name[e.args], redraw) if e.args in by_name else None,
        )

    with ui.card().classes("w-full").props("flat bordered data-testid=admin-users"):
        with ui.row().classes("w-full items-center"):
            ui.label(tr("admin.users")).classes("text-subtitle1")
            ui.space()
            ui.button(
                tr("admin.new_user"), icon="person_add", on_click=lambda: _user_dialog(page, None, redraw)
            ).props("dense outline data-testid=add-user")
        table()

    def redraw() -> None:
        table.refresh()
        audit.refresh()

    @ui.refreshable
    def audit() -> None:
        _audit(page)

    with ui.card().classes("w-full").props("flat bordered data-testid=admin-roles"):
        ui.label(tr("admin.roles")).classes("text-subtitle1")
        for role in _auth.ROLES:
            with ui.row().classes("gap-2"):
                ui.label(tr("role." + role)).classes("text-weight-medium")
                ui.label(tr("role_help." + role)).classes("text-caption text-grey-8")
    with ui.card().classes("w-full").props("flat bordered data-testid=admin-organisations"):
        ui.label(tr("admin.organisations")).classes("text-subtitle1")
        for name, kind in _organisations():
            with ui.row().classes("gap-2"):
                ui.label(name)
                ui.label(tr.maybe("org_kind", kind)).classes("text-caption text-grey-8")
    with ui.card().classes("w-full").props("flat bordered data-testid=admin-routes"):
        ui.label(tr("admin.routes")).classes("text-subtitle1")
        _routes(page)
    with ui.card().classes("w-full").props("flat bordered data-testid=admin-audit"):
        ui.label(tr("admin.audit")).classes("text-subtitle1")
        audit()


def _routes(page: Page) -> None:
    """Each notification route (set in maintenance.toml) with what its outbox says, and a test message."""
    tr = page.tr
    try:
        config = load_config()
    except QarauylError as exc:
        ui.label(tr.error(exc)).classes("text-negative")
        return
    statuses = route_statuses(state().db, config, datetime.now(UTC))
    if all(status.personal for status in statuses):
        ui.label(tr("admin.no_routes")).classes("text-grey-7")
    for status in statuses:
        testid = "route-assignees" if status.personal else f"route-{status.name}"
        with ui.row().classes("w-full items-center gap-2").props(f"data-testid={testid}"):
            ui.label(tr("admin.route_assignees") if status.personal else status.name).classes(
                "text-weight-medium"
            )
            ui.badge(status.channel, color="blue-grey-6")
            if status.personal:
                ui.label(tr("admin.route_assignees_where")).classes("text-caption")
            else:
                ui.label(status.target).classes("text-caption")
                ui.label(LANGUAGE_NAMES.get(status.language, status.language)).classes("text-caption")
            last = tr.datetime(status.last_sent_at) if status.last_sent_at else tr("admin.never")
            ui.label(
                tr(
                    "admin.route_state",
                    waiting=status.pending,
                    dead=status.dead,
                    sent=status.sent_24h,
                    last=last,
                )
            ).classes("text-caption" + (" text-negative" if status.dead else ""))
            ui.space()
            if not status.personal:  # each person's own test is in their dialog under Users
                button = ui.button(tr("admin.send_test"), icon="send").props(
                    f"dense outline data-testid=route-test-{status.name}"
                )
                button.on_click(lambda _, name=status.name, b=button: _send_test(page, config, name, b))
        if status.last_error:
            ui.label(tr("admin.last_error", error=status.last_error)).classes("text-caption text-negative")


async def _send_test(page: Page, config: MaintenanceConfig, name: str, button: ui.button) -> None:
    button.props("loading")
    try:
        # The destination may take its whole timeout to answer: never on the page's event loop.
        await run.io_bound(send_test, config, name, datetime.now(UTC))
    except QarauylError as exc:
        notify_error(page.tr, exc)
    else:
        ui.notify(page.tr("admin.test_sent", name=name), type="positive")
    finally:
        button.props(remove="loading")


def _audit(page: Page) -> None:
    tr = page.tr
    entries = _auth.audit_entries(state().db) if page.can("audit.read") else []
    if not entries:
        ui.label(tr("admin.audit_empty")).classes("text-grey-7")
    for entry in entries:
        before = entry["before"] or {}
        changes = ", ".join(
            f"{k}: {before[k]} → {v}" if k in before else f"{k}: {v}"
            for k, v in (entry["after"] or {}).items()
        )
        ui.label(
            f"{tr.datetime(entry['at'])} · {entry['actor'] or tr('admin.system')} · "
            f"{tr.maybe('audit', entry['action'])} · {entry['target']} {changes}"
        ).classes("text-caption").props(f"data-testid=audit-entry data-action={entry['action']}")


@ui.page("/admin")
def admin_page() -> None:
    with frame("nav.admin", "/admin") as page:
        if page is None:
            return
        if not page.can("users.manage"):
            ui.label(page.tr("error.forbidden")).classes("text-negative").props("data-testid=forbidden")
            return
        _sections(page)
