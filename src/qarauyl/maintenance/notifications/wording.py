"""Notices in words, in each destination's language.

A notice is kept as a catalogue key (`notice.*` in qarauyl/i18n) and its values, not as a sentence, so
that the same event reaches the OCC's Telegram group in Russian, the contractor's e-mail in Kazakh and a
webhook in English. The English sentence is also what the ticket's journal records.

Values are JSON (they wait in the outbox): a name ending in `_at` holds an ISO moment, written in the
OCC's time zone, or in UTC marked as such when no zone is configured; `hours` a number in the reader's
locale; `raised_from` a priority; `status` a ticket status; anything else is said as it is. The notice's
own fields give `label` (which ticket), `priority`, `faults` (the codes, each access fault with why the
camera could not be read) and `place` (an incident's node or district).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from qarauyl.health.state_machine import ACCESS_FAULTS
from qarauyl.i18n import Translator


def translator(language: str, zone: tzinfo | None) -> Translator:
    """The notices' translator: the OCC's zone, else UTC (a server's own zone says nothing to a reader)."""
    return Translator(language, zone or UTC)


def notice_text(item: Mapping[str, Any], tr: Translator) -> str:
    """One notice (an outbox item) as a sentence. An item without a key, or with a key this release has no
    words for (a newer release's), is said as it was stored; so is one whose words want a value the item
    lacks: a faulty translation must never stop a ticket from being opened or a message from leaving."""
    key = item.get("key")
    if not isinstance(key, str) or not tr.has(key):
        return str(item.get("text", ""))
    try:
        values = {name: _value(name, value, tr) for name, value in (item.get("values") or {}).items()}
        return tr(
            key,
            **values,
            label=_label(item, tr),
            place=_place(item),
            priority=tr.maybe("priority", item.get("priority")),
            faults=faults_text(item.get("codes") or (), item.get("cause"), tr),
        )
    except (KeyError, IndexError, ValueError, TypeError):
        return str(item.get("text", "")) or key


def faults_text(codes: Sequence[str], cause: str | None, tr: Translator) -> str:
    """Fault names, an access fault with why the camera could not be read: "offline (unreachable)" sends a
    van, "auth_failed (credentials)" a password, from the same desk."""
    names = []
    for code in codes:
        name = tr.maybe("fault", code)
        if cause and code in ACCESS_FAULTS:
            name += f" ({tr.maybe('cause', cause)})"
        names.append(name)
    return ", ".join(names)


def message_text(
    items: Sequence[Mapping[str, Any]], tr: Translator, console_url: str | None = None
) -> tuple[str, str]:
    """The subject and the body of one message: a single notice, or a digest with a line per notice; with the
    console's address, each notice is followed by its ticket's page there."""
    lines = [notice_text(item, tr) for item in items]
    links = [ticket_url(item, console_url) for item in items]
    if len(lines) == 1:
        return lines[0], "\n".join(filter(None, [lines[0], links[0]]))
    subject = tr("notice.digest", n=len(lines))
    said = [f"- {line}" + (f"\n  {link}" if link else "") for line, link in zip(lines, links, strict=True)]
    return subject, "\n".join([subject, "", *said])


def ticket_url(item: Mapping[str, Any], console_url: str | None) -> str | None:
    """The console page of the notice's ticket (`/tickets/{id}`), or None without an address or a ticket."""
    ticket_id = item.get("ticket_id")
    return f"{console_url}/tickets/{ticket_id}" if console_url and isinstance(ticket_id, int) else None


def _label(item: Mapping[str, Any], tr: Translator) -> str:
    """Which ticket: its number and camera, or its number and the node or district of an incident."""
    kind = item.get("kind") or "camera"
    if kind == "camera":
        return tr("notice.label.camera", id=item.get("ticket_id"), camera=item.get("camera") or "?")
    return tr(f"notice.label.{kind}", id=item.get("ticket_id"), place=_place(item))


def _place(item: Mapping[str, Any]) -> str:
    """Where an incident is: its network node, else its district."""
    return str((item.get("node") if item.get("kind") == "node" else item.get("district")) or "?")


def _value(name: str, value: Any, tr: Translator) -> str:
    if value is None:
        return "—"
    if name.endswith("_at"):
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is None:  # the store keeps UTC; a moment without an offset is one of those
            moment = moment.replace(tzinfo=UTC)
        written = tr.datetime(moment)
        return f"{written} UTC" if tr.zone is UTC else written
    if name == "hours":
        return tr.number(float(value), 1)
    if name == "raised_from":
        return tr.maybe("priority", str(value))
    if name == "status":
        return tr.maybe("ticket_status", str(value))
    return str(value)
