"""A ticket's history, line by line, in the reader's language.

The journal (`maintenance/_common.journal`) stores each line's English text for the API and the CLI, and
beside it what the line is about: the kind of entry, the status it moved between, the health event's reason,
the incident's number, the notice's catalogue key and values. The console says the line from those, so that a
Kazakh-speaking engineer does not read "the monitor sees the camera working again". What people wrote (a
comment, an override's reason, a hand-opened ticket's note) is shown as written. An entry of a shape this
release does not know (an older or newer release's) is shown as stored rather than hidden.
"""

from __future__ import annotations

from collections.abc import Callable

from qarauyl.i18n import Translator
from qarauyl.maintenance.notifications.wording import notice_text
from qarauyl.maintenance.tickets import TicketEventView
from qarauyl.web._reasons import fault_names, say_reason

_REOPENED_PREFIX = "the fault came back: "  # older entries kept the reason only in the text


def journal_line(tr: Translator, entry: TicketEventView) -> str:
    """What happened, as one sentence; who did it and when are the caller's to show."""
    say = _SAYINGS.get(entry.kind)
    said = say(tr, entry) if say is not None else None
    return said or entry.text or entry.kind


def _notice(tr: Translator, entry: TicketEventView) -> str | None:
    item = entry.detail.get("notice")
    return notice_text(item, tr) if isinstance(item, dict) else None


def _opened(tr: Translator, entry: TicketEventView) -> str | None:
    if entry.actor:  # by hand: the person's own note, which is also the ticket's title
        return tr("journal.opened_by_hand", note=entry.text) if entry.text else tr("journal.opened_plain")
    incident = entry.detail.get("incident")
    if incident is not None:
        return tr("journal.after_incident", incident=incident)
    return tr("journal.opened", faults=_faults(tr, entry), why=say_reason(tr, entry.text))


def _joined(tr: Translator, entry: TicketEventView) -> str:
    return tr("journal.joined", faults=_faults(tr, entry), why=say_reason(tr, entry.text))


def _reopened(tr: Translator, entry: TicketEventView) -> str:
    reason = entry.detail.get("reason") or entry.text.removeprefix(_REOPENED_PREFIX)
    return tr("journal.reopened", faults=_faults(tr, entry), why=say_reason(tr, str(reason)))


def _status(tr: Translator, entry: TicketEventView) -> str | None:
    before, after = entry.detail.get("from"), entry.detail.get("to")
    if not (isinstance(before, str) and isinstance(after, str)):
        return None
    line = tr(
        "journal.status", before=tr.maybe("ticket_status", before), after=tr.maybe("ticket_status", after)
    )
    return f"{line}: {entry.text}" if entry.text else line


def _comment(tr: Translator, entry: TicketEventView) -> str:
    if entry.detail.get("reported_again"):  # a second report of a camera whose ticket is open
        note = entry.detail.get("note")
        line = tr("journal.reported_again")
        return f"{line}: {note}" if note else line
    return tr("journal.comment", text=entry.text)


def _assigned(tr: Translator, entry: TicketEventView) -> str | None:
    given, taken_from = entry.detail.get("to"), entry.detail.get("from")
    if given:
        return tr("journal.assigned", name=given)
    return tr("journal.unassigned", name=taken_from) if taken_from else None


def _grouped(tr: Translator, entry: TicketEventView) -> str | None:
    incident = entry.detail.get("incident")
    return tr("journal.grouped", incident=incident) if incident is not None else None


def _members(tr: Translator, entry: TicketEventView) -> str | None:
    added = entry.detail.get("added")
    return tr("journal.members", count=len(added)) if isinstance(added, list) else None


def _faults(tr: Translator, entry: TicketEventView) -> str:
    codes = entry.detail.get("codes")
    cause = entry.detail.get("cause")
    named = fault_names(tr, list(codes), cause if isinstance(cause, str) else None) if codes else ""
    return named or "—"


def _fixed(key: str) -> Callable[[Translator, TicketEventView], str]:
    return lambda tr, _entry: tr(key)


_SAYINGS: dict[str, Callable[[Translator, TicketEventView], str | None]] = {
    "opened": _opened,
    "joined": _joined,
    "reopened": _reopened,
    "recovered": _fixed("journal.recovered"),
    "status": _status,
    "comment": _comment,
    "override_close": lambda tr, entry: tr("journal.override_close", text=entry.text),
    "photo": _fixed("journal.photo"),
    "assigned": _assigned,
    "grouped": _grouped,
    "members": _members,
    "incident_opened": _notice,
    "incident_closed": _notice,
    "sla_warning": _notice,
    "sla_breach": _notice,
    "proposed_resolution": _notice,
}
