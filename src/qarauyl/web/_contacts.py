"""Where a person is told of the tickets given to them: their e-mail and Telegram chat, set by themselves
(the header's menu) or by an administrator, and a test message to see that they arrive."""

from __future__ import annotations

from nicegui import run, ui

from qarauyl import accounts
from qarauyl.errors import QarauylError
from qarauyl.i18n import Translator
from qarauyl.maintenance.config import load_config
from qarauyl.maintenance.notifications.status import send_personal_test
from qarauyl.web._shell import Page, notify_error, state


def contact_inputs(
    tr: Translator, user: accounts.UserInfo | None, *, mine: bool = False
) -> tuple[ui.input, ui.input]:
    """The two address fields, filled with what is saved, and a line on what comes to them (said to the
    person themselves when `mine`)."""
    email = (
        ui.input(tr("admin.email"), value=(user.email or "") if user else "")
        .props("dense type=email autocomplete=off data-testid=user-email")
        .classes("w-full")
    )
    telegram = (
        ui.input(tr("admin.telegram"), value=(user.telegram_chat_id or "") if user else "")
        .props("dense inputmode=numeric autocomplete=off data-testid=user-telegram")
        .classes("w-full")
    )
    ui.label(tr("contacts.why_mine" if mine else "admin.contacts_why")).classes("text-caption text-grey-7")
    return email, telegram


def send_test_button(tr: Translator, name: str, shown: bool) -> ui.button:
    """Sends a test message to the person's saved addresses now; shown when they have one."""

    async def send() -> None:
        button.props("loading")
        try:
            # The destinations may take their whole timeout to answer: never on the page's event loop.
            await run.io_bound(send_personal_test, state().db, load_config(), name)
        except QarauylError as exc:
            notify_error(tr, exc)
        else:
            ui.notify(tr("admin.test_sent", name=name), type="positive")
        finally:
            button.props(remove="loading")

    button = ui.button(tr("admin.send_test"), icon="send", on_click=send).props(
        "dense outline data-testid=user-test-contacts"
    )
    button.set_visibility(shown)
    return button


def my_contacts_dialog(page: Page) -> None:
    """The signed-in person's own addresses: an engineer enters the chat id the bot gave them."""
    tr = page.tr
    me = accounts.get_user(state().db, page.person.name)
    with ui.dialog() as dialog, ui.card().classes("w-96 max-w-full").props("data-testid=contacts-dialog"):
        ui.label(tr("contacts.title")).classes("text-subtitle1")
        email, telegram = contact_inputs(tr, me, mine=True)
        test = send_test_button(tr, me.name, bool(me.email or me.telegram_chat_id))

        def save() -> None:
            try:
                saved = accounts.update_user(
                    state().db,
                    me.name,
                    email=email.value,
                    telegram_chat_id=telegram.value,
                    actor=page.person,
                )
            except QarauylError as exc:
                notify_error(tr, exc)
                return
            email.set_value(saved.email or "")
            telegram.set_value(saved.telegram_chat_id or "")
            test.set_visibility(bool(saved.email or saved.telegram_chat_id))
            ui.notify(tr("admin.saved"), type="positive")

        with ui.row().classes("w-full justify-end"):
            ui.button(tr("common.close"), on_click=dialog.close).props("flat")
            ui.button(tr("common.save"), on_click=save).props("data-testid=contacts-save")
    dialog.open()
