"""A ticket's history as the console says it (`web/_journal.py`): every line of real tickets' lives in the
reader's language, lines of an older release's shape as they were stored, and words for every kind of line
the maintenance code writes."""

from __future__ import annotations

import ast
from datetime import UTC, timedelta
from pathlib import Path

from maintenance_fleet import T0, Fleet
from sqlalchemy import select

from qarauyl.accounts.permissions import Principal
from qarauyl.i18n import LANGUAGES, Translator
from qarauyl.maintenance.config import MaintenanceConfig
from qarauyl.maintenance.models import Ticket
from qarauyl.maintenance.sla import sla_tick
from qarauyl.maintenance.tickets import (
    TicketEventView,
    add_comment,
    open_ticket,
    process_transitions,
    set_status,
    ticket_detail,
)
from qarauyl.store.database import Database
from qarauyl.web._journal import _SAYINGS, journal_line

ROOT = Path(__file__).resolve().parents[2]
CONFIG = MaintenanceConfig(confirm_minutes=30)
ENGINEER = Principal(id=7, name="aidar", role="engineer", organisation_id=None, language="kk")


def _said(db: Database, ticket_id: int, language: str) -> list[tuple[str, str]]:
    tr = Translator(language, UTC)
    return [(e.kind, journal_line(tr, e)) for e in ticket_detail(db, ticket_id, now=T0, config=CONFIG).events]


def _ticket(db: Database, camera_id: int) -> Ticket:
    with db.session() as session:
        ticket = session.scalar(
            select(Ticket).where(Ticket.camera_id == camera_id).order_by(Ticket.id.desc())
        )
        assert ticket is not None
        return ticket


def test_a_camera_tickets_whole_life_is_said_in_the_readers_language(db: Database, fleet: Fleet) -> None:
    [cam] = fleet.add(1)
    fleet.confirm([cam], T0, "offline", cause="refused")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    ticket_id = _ticket(db, cam).id
    fleet.confirm([cam], T0 + timedelta(minutes=10))  # back: "recovered"
    fleet.confirm([cam], T0 + timedelta(minutes=20), "auth_failed")  # another fault joins
    process_transitions(db, [], T0 + timedelta(minutes=22), CONFIG)
    add_comment(db, ticket_id, "Кабель перерезан у опоры", now=T0 + timedelta(hours=1), actor=ENGINEER)
    set_status(db, ticket_id, "acknowledged", now=T0 + timedelta(hours=1), config=CONFIG, actor=ENGINEER)
    sla_tick(db, T0 + timedelta(hours=25), CONFIG)  # critical: due in 24 h
    fleet.confirm([cam], T0 + timedelta(hours=26))
    process_transitions(db, [], T0 + timedelta(hours=26, minutes=2), CONFIG)
    sla_tick(db, T0 + timedelta(hours=27), CONFIG)  # working for 30 min: proposed for resolution
    set_status(db, ticket_id, "resolved", now=T0 + timedelta(hours=27), config=CONFIG, actor=ENGINEER)
    fleet.confirm([cam], T0 + timedelta(hours=28), "offline", cause="refused")  # the repair did not hold
    process_transitions(db, [], T0 + timedelta(hours=28, minutes=2), CONFIG)
    set_status(db, ticket_id, "resolved", now=T0 + timedelta(hours=29), config=CONFIG, actor=ENGINEER)
    set_status(
        db,
        ticket_id,
        "closed",
        now=T0 + timedelta(hours=29),
        config=CONFIG,
        actor=ENGINEER,
        override_reason="Камеру заменят по гарантии",
    )

    said = _said(db, ticket_id, "ru")
    assert said == [
        ("opened", "Открыта монитором: нет связи (порт никто не слушает) (замечено в 2 проверках подряд)"),
        ("recovered", "Монитор видит, что камера снова работает"),
        ("joined", "Новая неисправность: ошибка авторизации (замечено в 2 проверках подряд)"),
        ("comment", "Комментарий: Кабель перерезан у опоры"),
        ("status", "Статус: открыта → принята"),
        (
            "sla_breach",
            "Нарушен срок SLA: #1 (камера CAM-000) (критический), срок истёк 02.10.2026, 08:01 UTC",
        ),
        ("recovered", "Монитор видит, что камера снова работает"),
        ("proposed_resolution", "Предложено закрыть: #1 (камера CAM-000) работает с 02.10.2026, 10:01 UTC"),
        ("status", "Статус: принята → устранено"),
        (
            "reopened",
            "Открыта снова, неисправность вернулась: нет связи (порт никто не слушает) "
            "(замечено в 2 проверках подряд)",
        ),
        ("status", "Статус: в работе → устранено"),
        ("override_close", "Закрыта без подтверждения монитора: Камеру заменят по гарантии"),
        ("status", "Статус: устранено → закрыта"),
    ]
    english = [e.text for e in ticket_detail(db, ticket_id, now=T0, config=CONFIG).events]
    for language in LANGUAGES:
        for (kind, line), stored in zip(_said(db, ticket_id, language), english, strict=True):
            assert "{" not in line and line.strip(), (language, kind, line)
            if language != "en":  # nothing the machine wrote reaches a Kazakh or Russian reader in English
                assert line != stored, (language, kind, line)
    assert [line for _, line in _said(db, ticket_id, "kk")] != [line for _, line in said]


def test_a_hand_opened_ticket_and_a_second_report_are_said_with_the_peoples_words(
    db: Database, fleet: Fleet
) -> None:
    [cam] = fleet.add(1)
    operator = Principal(id=3, name="olzhas", role="operator", organisation_id=None, language="ru")
    view = open_ticket(db, "CAM-000", now=T0, config=CONFIG, note="Объектив разбит", actor=operator)
    open_ticket(db, "CAM-000", now=T0 + timedelta(minutes=5), config=CONFIG, actor=operator)
    open_ticket(db, "CAM-000", now=T0 + timedelta(minutes=6), config=CONFIG, note="Снова", actor=operator)
    assert _said(db, view.id, "ru") == [
        ("opened", "Открыта вручную: Объектив разбит"),
        ("comment", "Сообщили повторно"),
        ("comment", "Сообщили повторно: Снова"),
    ]
    # The API and the CLI keep the stored English.
    assert [e.text for e in ticket_detail(db, view.id, now=T0, config=CONFIG).events][1] == "reported again"
    assert _ticket(db, cam).id == view.id


def test_an_incidents_history_is_said_from_its_figures(db: Database, fleet: Fleet) -> None:
    node = fleet.add(6, node="cabinet-17")
    fleet.confirm(node[:5], T0, "offline")
    process_transitions(db, [], T0 + timedelta(minutes=2), CONFIG)
    fleet.confirm(node[:4], T0 + timedelta(minutes=30))
    process_transitions(db, [], T0 + timedelta(minutes=32), CONFIG)
    with db.session() as session:
        incident = session.scalar(select(Ticket).where(Ticket.kind == "node"))
        assert incident is not None
        folded = session.scalar(select(Ticket).where(Ticket.camera_id == node[0]).order_by(Ticket.id))
        assert folded is not None
    assert _said(db, incident.id, "ru") == [
        (
            "incident_opened",
            f"Инцидент #{incident.id} (узел cabinet-17): "
            "5 из 6 камер за узлом cabinet-17 отключились одновременно",
        ),
        ("members", "К инциденту добавлено камер: 5"),
        ("incident_closed", f"Инцидент #{incident.id} (узел cabinet-17) закрыт: снова работают 4 из 5 камер"),
    ]
    assert _said(db, folded.id, "ru")[-1] == ("grouped", f"Включена в инцидент #{incident.id}")
    still_down = _ticket(db, node[4])
    assert _said(db, still_down.id, "ru") == [
        ("opened", f"Открыта: камера не работала и после закрытия инцидента #{incident.id}"),
    ]


def test_a_line_of_a_shape_this_release_does_not_know_is_shown_as_stored() -> None:
    tr = Translator("ru", UTC)
    old = [  # as an earlier release wrote them: the facts only in the English text
        TicketEventView(T0, "grouped", None, "folded into incident #3"),
        TicketEventView(T0, "sla_breach", None, "SLA breached: #7 camera TRK-0001 was due …"),
        TicketEventView(T0, "status", "aidar", "moved by hand"),
        TicketEventView(T0, "dispatched", None, "a newer release's line"),
        TicketEventView(T0, "dispatched", None, ""),
    ]
    assert [journal_line(tr, e) for e in old] == [
        "folded into incident #3",
        "SLA breached: #7 camera TRK-0001 was due …",
        "moved by hand",
        "a newer release's line",
        "dispatched",
    ]
    # An older reopened line kept its reason only in the text: the reason is still said.
    reopened = TicketEventView(T0, "reopened", None, "the fault came back: seen in 2 consecutive probes")
    assert journal_line(tr, reopened) == (
        "Открыта снова, неисправность вернулась: — (замечено в 2 проверках подряд)"
    )


def test_every_kind_of_line_the_maintenance_code_writes_has_words_in_the_console() -> None:
    """Finds each `journal(session, ticket, "<kind>", …)` call in the code: a new kind without a saying in
    web/_journal.py would reach Kazakh and Russian readers in English."""
    written: set[str] = set()
    for path in (ROOT / "src" / "qarauyl" / "maintenance").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "journal":
                kind = node.args[2]
                assert isinstance(kind, ast.Constant), (
                    f"{path.name}:{node.lineno}: a journal kind is a literal"
                )
                written.add(kind.value)
    assert len(written) >= 14, written
    assert written <= set(_SAYINGS), written - set(_SAYINGS)
