"""Notices in words: each destination's language, the OCC's time zone, digests, items that cannot be said
(an older row, a newer release's key, a missing value) said as they were stored, and e-mails that carry
the words whole."""

from __future__ import annotations

import ast
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from qarauyl.i18n import LANGUAGES, Translator, catalogue
from qarauyl.maintenance.config import EVENTS
from qarauyl.maintenance.notifications.channels import email_message
from qarauyl.maintenance.notifications.wording import faults_text, message_text, notice_text, translator

ROOT = Path(__file__).resolve().parents[2]

BREACH: dict[str, Any] = {
    "event": "sla_breach",
    "ticket_id": 7,
    "kind": "camera",
    "camera": "TRK-0001",
    "priority": "critical",
    "codes": ["offline"],
    "cause": "refused",
    "key": "notice.sla_breach",
    "values": {"due_at": "2026-11-29T14:00:00+00:00"},
    "text": "stored English",
}


def test_a_notice_is_said_in_the_destinations_language_and_the_occs_time() -> None:
    almaty = ZoneInfo("Asia/Almaty")  # UTC+5
    assert notice_text(BREACH, translator("ru", almaty)) == (
        "Нарушен срок SLA: #7 (камера TRK-0001) (критический), срок истёк 29.11.2026, 19:00"
    )
    assert notice_text(BREACH, translator("kk", almaty)).startswith(
        "SLA мерзімі бұзылды: #7 (камера TRK-0001) (өте маңызды), мерзімі "
    )
    # Without a configured zone the reader is told the time is UTC, not the server's own zone.
    assert notice_text(BREACH, translator("en", None)) == (
        "SLA breached: #7 camera TRK-0001 (critical) was due 29/11/2026, 14:00 UTC"
    )


def test_an_access_fault_says_why_the_camera_cannot_be_read_in_each_language() -> None:
    for language in LANGUAGES:
        words = catalogue(language)
        said = faults_text(["offline", "blur"], "refused", translator(language, None))
        assert said == f"{words['fault.offline']} ({words['cause.refused']}), {words['fault.blur']}"
    # A picture fault never carries the cause of another fault.
    assert faults_text(["blur"], "refused", translator("en", None)) == "out of focus"


def test_an_incident_is_named_by_its_node_or_district() -> None:
    node = {
        **BREACH,
        "kind": "node",
        "node": "cabinet-17",
        "camera": None,
        "key": "notice.incident_opened.node",
        "values": {"count": 5, "size": 6, "seconds": 300},
    }
    assert notice_text(node, translator("ru", None)) == (
        "Инцидент #7 (узел cabinet-17): 5 из 6 камер за узлом cabinet-17 отключились одновременно"
    )
    closed = {**node, "kind": "district", "district": "Түркістан", "key": "notice.incident_closed"}
    closed["values"] = {"back": 4, "total": 5}
    assert notice_text(closed, translator("kk", None)) == (
        "#7 (Түркістан ауданы) оқиғасы жабылды: 5 камераның 4 камерасы қайта істейді"
    )


def test_several_notices_leave_as_one_digest() -> None:
    warning = {**BREACH, "key": "notice.sla_warning", "values": {"hours": 5.3}}
    subject, body = message_text([BREACH, warning], translator("ru", None))
    assert subject == "Qarauyl: событий по обслуживанию: 2"
    lines = body.splitlines()
    assert lines[:2] == [subject, ""]
    assert lines[2].startswith("- Нарушен срок SLA: #7")
    # Hours in the reader's locale: a decimal comma in Russian.
    assert lines[3] == "- Предупреждение SLA: #7 (камера TRK-0001) (критический), до срока 5,3 ч"
    single = message_text([BREACH], translator("en", None))
    assert single[0] == single[1] == notice_text(BREACH, translator("en", None))


def test_with_the_consoles_address_each_notice_links_its_tickets_page() -> None:
    console = "https://qarauyl.occ.local/kz"
    subject, body = message_text([BREACH], translator("en", None), console)
    assert subject == notice_text(BREACH, translator("en", None))  # a subject line without an address
    assert body == f"{subject}\n{console}/tickets/7"
    other = {**BREACH, "ticket_id": 8}
    test = {"key": "notice.test", "values": {"route": "occ"}, "text": "test"}  # no ticket, no link
    subject, body = message_text([BREACH, other, test], translator("ru", None), console)
    lines = body.splitlines()
    assert lines[2].startswith("- Нарушен срок SLA: #7") and lines[3] == f"  {console}/tickets/7"
    assert lines[4].startswith("- Нарушен срок SLA: #8") and lines[5] == f"  {console}/tickets/8"
    assert lines[6] == "- " + Translator("ru")("notice.test", route="occ") and len(lines) == 7


def test_what_cannot_be_said_is_said_as_stored() -> None:
    tr = translator("ru", None)
    # A row queued before notices had keys, and one of a newer release with a key this one lacks.
    assert (
        notice_text({"text": "Ticket #1 camera A opened (critical)"}, tr)
        == "Ticket #1 camera A opened (critical)"
    )
    assert notice_text({**BREACH, "key": "notice.from_the_future"}, tr) == "stored English"
    # Words that want a value the item lacks: never an exception in the middle of opening a ticket.
    assert notice_text({**BREACH, "values": {}}, tr) == "stored English"


def test_every_notice_the_code_sends_has_words_in_every_language() -> None:
    """Each `notify(...)` call names a catalogue key (its `key=`, else `notice.<event>`); an f-string key is
    checked for every kind of incident. A key missing from a catalogue would send the stored English. Its
    event is one the settings can name."""
    wanted: set[str] = set()
    events = {"resolved", "closed", "removed_for_repair"}  # the statuses that notify(..., status, ...) sends
    for source in (ROOT / "src" / "qarauyl" / "maintenance").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "notify"):
                continue
            if isinstance(node.args[3], ast.Constant):
                events.add(node.args[3].value)
            key = next((k.value for k in node.keywords if k.arg == "key"), None)
            if isinstance(key, ast.IfExp):  # one key or another: both are said
                assert isinstance(key.body, ast.Constant) and isinstance(key.orelse, ast.Constant)
                wanted |= {key.body.value, key.orelse.value}
            elif isinstance(key, ast.Constant):
                wanted.add(key.value)
            elif isinstance(key, ast.JoinedStr):
                prefix = "".join(str(p.value) for p in key.values if isinstance(p, ast.Constant))
                wanted |= {prefix + kind for kind in ("node", "district")}
            elif isinstance(node.args[3], ast.Constant):
                wanted.add(f"notice.{node.args[3].value}")
            else:  # a ticket status as the event: notify(..., status, ..., key="notice.status") above
                raise AssertionError(f"{source.name}:{node.lineno}: a notice without a key of its own")
    # A route's `events` and `assignee_events` are checked against EVENTS: it must know every one sent.
    assert events == set(EVENTS), events ^ set(EVENTS)
    wanted |= {"notice.label.camera", "notice.label.node", "notice.label.district", "notice.digest"}
    assert len(wanted) >= 15, sorted(wanted)
    for language in LANGUAGES:
        missing = sorted(wanted - set(catalogue(language)))
        assert not missing, f"{language}: {missing}"


# Kazakh and Russian letters, Latin, digits, the punctuation notices use, and spaces.
_SAID = (
    st.text(
        alphabet=st.sampled_from("әғқңөұүһіЁёабвгдежзийклмнопрстуфхцчшщъыьэюяABCxyz0189#:;,.()«»-— "),
        min_size=1,
        max_size=400,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=300, deadline=None)
@given(subject=_SAID, body=_SAID)
def test_an_e_mail_arrives_with_every_space_of_its_subject(subject: str, body: str) -> None:
    # A long Russian subject used to lose the space where it was folded ("до срока" became "досрока").
    raw = email_message("qarauyl@occ.kz", "olzhas@fixit.kz", subject, body).as_bytes()
    assert all(len(line) <= 78 for line in raw.split(b"\n"))  # folded as mail servers want
    received = message_from_bytes(raw, policy=policy.default)
    assert isinstance(received, EmailMessage)
    assert received["Subject"] == subject
    assert received.get_content().rstrip("\n") == body
