"""Notifications through the durable outbox, delivered to real local servers: a webhook receiver that
checks the HMAC, an aiosmtpd SMTP server, and a stand-in Telegram Bot API."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from maintenance_fleet import T0, Fleet
from maintenance_servers import free_port, http_receiver, maintenance_toml, smtp_server
from pydantic import SecretStr
from sqlalchemy import func, select, update

from qarauyl.accounts import authenticate, create_user, update_user
from qarauyl.config import Settings
from qarauyl.errors import InputError, NotFoundError
from qarauyl.i18n import Translator, catalogue
from qarauyl.maintenance.config import Channels, MaintenanceConfig, Route
from qarauyl.maintenance.models import OutboxMessage
from qarauyl.maintenance.notifications import ASSIGNEE_ROUTE, deliver_due
from qarauyl.maintenance.notifications.channels import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from qarauyl.maintenance.notifications.status import (
    RouteCheckFailed,
    route_statuses,
    send_personal_test,
    send_test,
)
from qarauyl.maintenance.sla import sla_tick
from qarauyl.maintenance.tickets import assign, open_ticket, process_transitions, set_status
from qarauyl.store.database import Database

SECRET = "webhook-secret-for-tests"


def _config(routes: tuple[Route, ...], **channels: object) -> MaintenanceConfig:
    return MaintenanceConfig(
        routes=routes,
        channels=Channels(webhook_secret=SecretStr(SECRET), timeout_seconds=2.0, **channels),  # type: ignore[arg-type]
    )


def _outbox(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_webhook_is_signed_grouped_and_held_for_the_grouping_window(db: Database, fleet: Fleet) -> None:
    cams = fleet.add(12, district="South")
    with http_receiver() as hook:
        config = _config(
            (Route(name="occ", channel="webhook", target=hook.url + "/hook", districts=("South",)),)
        )
        # A storm: twelve cameras fail in one minute (confirmed at T0 + 1 min).
        fleet.confirm(cams[:3], T0, "offline")
        fleet.confirm(cams[3:], T0, "no_signal")
        process_transitions(db, [], T0 + timedelta(seconds=70), config)
        assert deliver_due(db, T0 + timedelta(seconds=70), config).sent == 0  # held to group
        report = deliver_due(db, T0 + timedelta(minutes=2), config)
        assert (report.sent, report.failed, report.merged) == (1, 0, 11)
        [request] = hook.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify(SECRET, headers[TIMESTAMP_HEADER.lower()], request.body, headers[SIGNATURE_HEADER.lower()])
    assert not verify(
        "another-secret", headers[TIMESTAMP_HEADER.lower()], request.body, headers[SIGNATURE_HEADER.lower()]
    )
    assert not verify(
        SECRET, headers[TIMESTAMP_HEADER.lower()], request.body + b" ", headers[SIGNATURE_HEADER.lower()]
    )
    payload = request.json()
    assert payload["id"] == int(headers[DELIVERY_HEADER.lower()])
    # One message for twelve opened tickets (too few offline in the district to be one incident).
    assert len(payload["events"]) == 12
    assert {e["event"] for e in payload["events"]} == {"opened"}
    assert {e["district"] for e in payload["events"]} == {"South"}
    assert {e["url"] for e in payload["events"]} == {None}  # no console address configured: no links
    assert all(row.status in ("sent", "merged") for row in _outbox(db))


def test_unreachable_endpoint_and_restart_lose_nothing(db: Database, fleet: Fleet) -> None:
    fleet.add(1)
    port = free_port()
    route = Route(name="occ", channel="webhook", target=f"http://127.0.0.1:{port}/hook", language="en")
    config = _config((route,))
    open_ticket(db, "CAM-000", now=T0, config=config, priority="critical", note="pole down")
    now = T0 + timedelta(minutes=2)
    report = deliver_due(db, now, config)  # nothing listens: the message stays, with a backoff
    assert (report.sent, report.failed) == (0, 1)
    [row] = _outbox(db)
    assert (
        row.status == "pending" and row.attempts == 1 and row.next_attempt_at == now + timedelta(seconds=30)
    )
    assert row.last_error is not None and "webhook" in row.last_error
    # A "restart": a new Database object on the same store, and the endpoint now answers 500 once.
    db.dispose()
    again = Database(db.url)
    with http_receiver(fail_first=1, port=port) as hook:
        assert deliver_due(again, now + timedelta(seconds=10), config).sent == 0  # not yet due
        report = deliver_due(again, now + timedelta(seconds=31), config)
        assert (report.sent, report.failed) == (0, 1)  # HTTP 500
        [row] = _outbox(again)
        assert row.attempts == 2 and row.next_attempt_at == now + timedelta(seconds=31 + 60)
        assert deliver_due(again, now + timedelta(seconds=92), config).sent == 1
        [request] = hook.requests
    [event] = request.json()["events"]
    assert event["text"] == "Ticket #1 camera CAM-000 opened by system (critical)"
    assert (event["key"], event["values"], event["priority"]) == (
        "notice.opened.manual",
        {"actor": "system"},
        "critical",
    )
    assert request.json()["language"] == "en"
    [row] = _outbox(again)
    assert row.status == "sent" and row.attempts == 3
    assert deliver_due(again, now + timedelta(hours=2), config).sent == 0  # sent once is enough
    again.dispose()


def test_rate_limit_turns_a_stream_into_a_digest(db: Database, fleet: Fleet) -> None:
    fleet.add(6)
    with http_receiver() as hook:
        config = _config((Route(name="occ", channel="webhook", target=hook.url),))
        config = config.model_copy(update={"rate_limit_per_hour": 2})
        for i in range(6):
            at = T0 + timedelta(minutes=5 * i)
            open_ticket(db, f"CAM-{i:03d}", now=at, config=config, note=f"report {i}")
            deliver_due(db, at + timedelta(minutes=2), config)
        assert len(hook.requests) == 2  # the limit; the other four wait
        report = deliver_due(db, T0 + timedelta(minutes=63), config)
        assert report.sent == 1
    assert [len(r.json()["events"]) for r in hook.requests] == [1, 1, 4]


def test_email_and_telegram_reach_local_servers_each_in_its_language(db: Database, fleet: Fleet) -> None:
    fleet.add(1)
    with smtp_server() as (smtp_port, mailbox), http_receiver() as telegram:
        config = _config(
            (
                Route(
                    name="fixit-mail",
                    channel="email",
                    target="duty@fixit.kz",
                    organisations=("FixIt",),
                    language="kk",
                ),
                Route(
                    name="repairco-mail",
                    channel="email",
                    target="duty@repairco.kz",
                    organisations=("RepairCo",),
                ),
                # No language: the console's default, Russian.
                Route(name="tg", channel="telegram", target="-100123", priorities=("critical",)),
                Route(name="tg-low", channel="telegram", target="-100999", priorities=("low",)),
            ),
            smtp_port=smtp_port,
            telegram_token=SecretStr("123:ABC"),
            telegram_base_url=telegram.url,
        )
        # The console's address: each message links its ticket's page, for the engineer's phone.
        config = config.model_copy(update={"console_url": "https://qarauyl.occ.local"})
        open_ticket(db, "CAM-000", now=T0, config=config, priority="critical", note="cable cut")
        report = deliver_due(db, T0 + timedelta(minutes=2), config)
        assert report.sent == 2
        [mail] = mailbox
        [request] = telegram.requests
    assert mail["To"] == "duty@fixit.kz"
    assert mail["Subject"] == "#1 (камера CAM-000) өтінімін system ашты (өте маңызды)"
    assert mail.get_content().strip() == mail["Subject"] + "\nhttps://qarauyl.occ.local/tickets/1"
    assert request.path == "/bot123:ABC/sendMessage"
    assert request.json()["chat_id"] == "-100123"
    assert request.json()["text"] == (
        "Заявку #1 (камера CAM-000) открыл(а) system (критический)\nhttps://qarauyl.occ.local/tickets/1"
    )


def test_each_routes_state_says_whether_it_works(db: Database, fleet: Fleet) -> None:
    fleet.add(2)
    port = free_port()
    secret_path = f"http://hooks:s3cret@127.0.0.1:{port}/services/T0/B0/XYZ"
    config = _config(
        (
            Route(name="occ", channel="webhook", target=secret_path, priorities=("critical",)),
            Route(
                name="quiet",
                channel="email",
                target="duty@repairco.kz",
                organisations=("RepairCo",),
                language="kk",
            ),
        )
    )
    open_ticket(db, "CAM-000", now=T0, config=config, priority="critical", note="pole down")
    deliver_due(db, T0 + timedelta(minutes=2), config)  # nothing listens
    occ, quiet, assignees = route_statuses(db, config, T0 + timedelta(minutes=3))
    # The tickets' assignees are told at their own addresses: one line for them all (no bot: e-mail only).
    assert (assignees.name, assignees.personal, assignees.channel, assignees.pending) == (
        "@assignee",
        True,
        "email",
        0,
    )
    assert not occ.personal and not quiet.personal
    # A webhook's path and password are its receiver's secrets: only the host is shown.
    assert (occ.target, occ.filters, occ.language) == (
        f"http://127.0.0.1:{port}/…",
        {"priorities": ["critical"]},
        "ru",
    )
    assert (occ.pending, occ.dead, occ.sent_24h, occ.last_sent_at) == (1, 0, 0, None)
    assert occ.last_error is not None and occ.last_error.startswith("webhook ")
    assert (quiet.pending, quiet.last_error, quiet.language) == (
        0,
        None,
        "kk",
    )  # FixIt had no critical ticket
    # That message is given up for good; a later one goes through: the old error is no longer news.
    with db.session() as session:
        session.execute(update(OutboxMessage).values(status="dead"))
    open_ticket(
        db, "CAM-001", now=T0 + timedelta(minutes=1), config=config, priority="critical", note="down too"
    )
    assert route_statuses(db, config, T0 + timedelta(minutes=2))[0].dead == 1
    with http_receiver(port=port):
        deliver_due(db, T0 + timedelta(minutes=3), config)
    [occ, _, _] = route_statuses(db, config, T0 + timedelta(minutes=4))
    assert occ.dead == 1
    assert (occ.pending, occ.sent_24h, occ.last_sent_at, occ.last_error) == (
        0,
        1,
        T0 + timedelta(minutes=3),
        None,
    )
    assert route_statuses(db, config, T0 + timedelta(days=2))[0].sent_24h == 0


def test_a_test_message_reaches_the_route_in_its_language_or_says_why_not() -> None:
    with http_receiver() as telegram:
        config = _config(
            (Route(name="occ-duty", channel="telegram", target="-1001", language="kk"),),
            telegram_token=SecretStr("123:ABC"),
            telegram_base_url=telegram.url,
        )
        text = send_test(config, "occ-duty", T0)
        [request] = telegram.requests
    assert request.json()["text"] == text == catalogue("kk")["notice.test"].format(route="occ-duty")
    refused = (401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}')
    with http_receiver(refuse=refused) as telegram:
        config = config.model_copy(
            update={"channels": config.channels.model_copy(update={"telegram_base_url": telegram.url})}
        )
        with pytest.raises(
            RouteCheckFailed, match=r"route 'occ-duty' did not arrive: .*HTTP 401: Unauthorized"
        ):
            send_test(config, "occ-duty", T0)
    with pytest.raises(NotFoundError, match="No notification route named 'nope' \\(routes: occ-duty\\)"):
        send_test(config, "nope", T0)
    with http_receiver() as hook:
        webhook = _config((Route(name="hook", channel="webhook", target=hook.url + "/in", language="en"),))
        send_test(webhook, "hook", T0)
        [request] = hook.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify(SECRET, headers[TIMESTAMP_HEADER.lower()], request.body, headers[SIGNATURE_HEADER.lower()])
    assert request.json()["test"] is True and request.json()["events"] == []
    assert request.json()["text"].startswith("Qarauyl: a test message for the route “hook”")


def test_routes_and_a_test_message_from_the_command_line(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from qarauyl.cli import app

    runner = CliRunner()
    with http_receiver() as telegram:
        path = tmp_path / "maintenance.toml"
        path.write_text(maintenance_toml(telegram.url, route_language="en"), encoding="utf-8")
        monkeypatch.setenv("QARAUYL_MAINTENANCE_CONFIG", str(path))
        listed = runner.invoke(app, ["tickets", "routes"], env={"COLUMNS": "200"})
        assert listed.exit_code == 0, listed.output
        assert "occ-duty" in listed.stdout and "telegram" in listed.stdout and "never" in listed.stdout
        as_json = json.loads(runner.invoke(app, ["tickets", "routes", "--json"]).stdout)
        assert [(r["name"], r["pending"], r["language"]) for r in as_json] == [
            ("occ-duty", 0, "en"),
            ("@assignee", 0, ""),
        ]
        assert "each ticket's assignee" in listed.stdout
        sent = runner.invoke(app, ["tickets", "test-route", "occ-duty"])
        assert sent.exit_code == 0, sent.output
        assert "Sent to route occ-duty: Qarauyl: a test message for the route “occ-duty”" in sent.stdout
        assert len(telegram.requests) == 1
        missing = runner.invoke(app, ["tickets", "test-route", "occ"])
    assert isinstance(missing.exception, NotFoundError)
    assert "No notification route named 'occ' (routes: occ-duty)" in str(missing.exception)


def test_the_assignee_hears_what_changes_their_day_at_their_own_addresses_in_their_language(
    db: Database, fleet: Fleet
) -> None:
    fleet.add(1)  # North: FixIt maintains it
    create_user(db, "olzhas", "engineer", "a-long-password", organisation="FixIt", language="ru")
    update_user(db, "olzhas", email="olzhas@fixit.kz", telegram_chat_id="555")
    create_user(db, "aruzhan", "operator", "a-long-password", language="kk")
    olzhas = authenticate(db, "olzhas", "a-long-password", client="t")
    aruzhan = authenticate(db, "aruzhan", "a-long-password", client="t")
    with smtp_server() as (smtp_port, mailbox), http_receiver() as telegram:
        # The OCC's duty chat hears of every ticket, but not of who was given one.
        occ = Route(name="occ", channel="telegram", target="-1001", language="en")
        config = _config(
            (occ,), smtp_port=smtp_port, telegram_token=SecretStr("123:ABC"), telegram_base_url=telegram.url
        )
        config = config.model_copy(update={"console_url": "https://qarauyl.occ.local"})
        ticket = open_ticket(db, "CAM-000", now=T0, config=config, priority="critical", codes=("offline",))
        assign(db, ticket.id, "olzhas", now=T0 + timedelta(minutes=1), config=config, actor=aruzhan)
        assert deliver_due(db, T0 + timedelta(minutes=3), config).sent == 3
        said = (
            "aruzhan поручил(а) вам заявку #1 (камера CAM-000) (критический): нет связи; срок: "
            + Translator("ru", UTC).datetime(T0 + timedelta(hours=24))
            + " UTC"
        )
        [mail] = mailbox
        assert (mail["To"], mail["Subject"]) == ("olzhas@fixit.kz", said)
        assert mail.get_content().strip() == said + "\nhttps://qarauyl.occ.local/tickets/1"
        by_chat = {r.json()["chat_id"]: r.json()["text"] for r in telegram.requests}
        assert by_chat == {
            "555": said + "\nhttps://qarauyl.occ.local/tickets/1",
            "-1001": "Ticket #1 camera CAM-000 opened by system (critical)\nhttps://qarauyl.occ.local/tickets/1",
        }
        # He starts the work himself: nobody is told (a start is not announced, and never to its maker).
        set_status(db, ticket.id, "in_progress", now=T0 + timedelta(hours=1), config=config, actor=olzhas)
        assert deliver_due(db, T0 + timedelta(hours=2), config).sent == 0
        # The deadline nears: the duty chat and he hear of it, each in their language.
        sla_tick(db, T0 + timedelta(hours=19), config)
        assert deliver_due(db, T0 + timedelta(hours=19, minutes=2), config).sent == 3
        by_chat = {r.json()["chat_id"]: r.json()["text"] for r in telegram.requests[2:]}
        link = "\nhttps://qarauyl.occ.local/tickets/1"
        assert by_chat == {
            "555": "Предупреждение SLA: #1 (камера CAM-000) (критический), до срока 5,0 ч" + link,
            "-1001": "SLA warning: #1 camera CAM-000 (critical) is due in 5.0 h" + link,
        }
        assert [m["Subject"] for m in mailbox[1:]] == [by_chat["555"].splitlines()[0]]
        # The OCC sends the camera away for repair: he hears it (he was about to drive there).
        set_status(
            db, ticket.id, "removed_for_repair", now=T0 + timedelta(hours=20), config=config, actor=aruzhan
        )
        assert deliver_due(db, T0 + timedelta(hours=20, minutes=2), config).sent == 3
        assert mailbox[-1]["Subject"] == "Заявка #1 (камера CAM-000): снята в ремонт"
    with db.session() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.route == ASSIGNEE_ROUTE)).all()
        assert {(row.channel, row.body["language"]) for row in rows} == {("email", "ru"), ("telegram", "ru")}
        assert [row.body["items"][0]["event"] for row in rows if row.channel == "email"] == [
            "assigned",
            "sla_warning",
            "removed_for_repair",
        ]


def test_no_one_is_told_twice_and_a_disabled_or_addressless_person_is_not_told(
    db: Database, fleet: Fleet
) -> None:
    fleet.add(3)
    create_user(db, "olzhas", "engineer", "a-long-password", organisation="FixIt", telegram_chat_id="555")
    create_user(db, "dana", "engineer", "a-long-password", organisation="FixIt")  # no address at all
    create_user(db, "erlan", "operator", "a-long-password", email="erlan@occ.kz")
    # His chat is also a route's target (a small contractor's only chat): one message, not two.
    config = _config(
        (Route(name="fixit", channel="telegram", target="555"),), telegram_token=SecretStr("123:ABC")
    )
    tickets = [
        open_ticket(db, f"CAM-00{i}", now=T0, config=config, priority="critical", codes=("offline",)).id
        for i in range(3)
    ]
    for ticket_id, name in zip(tickets, ("olzhas", "dana", "erlan"), strict=True):
        assign(db, ticket_id, name, now=T0, config=config)
    update_user(db, "erlan", active=False)
    sla_tick(db, T0 + timedelta(hours=19), config)
    with db.session() as session:
        rows = [
            (row.route, row.target, row.body["items"][0]["event"], row.body["items"][0]["ticket_id"])
            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    assert [r for r in rows if r[1] == "555" and r[3] == tickets[0]] == [
        ("fixit", "555", "opened", tickets[0]),
        ("@assignee", "555", "assigned", tickets[0]),  # the route does not hear of who was given one
        ("fixit", "555", "sla_warning", tickets[0]),  # the route tells him; he is not told again
    ]
    # Without a bot, a chat id reaches no one; without an address, nothing is written for dana; erlan's
    # e-mail heard of his ticket while he was active, and of nothing after he was disabled.
    assert [r for r in rows if r[0] == ASSIGNEE_ROUTE] == [
        ("@assignee", "555", "assigned", tickets[0]),
        ("@assignee", "erlan@occ.kz", "assigned", tickets[2]),
    ]
    without_bot = config.model_copy(update={"channels": Channels()})
    assign(db, tickets[1], "olzhas", now=T0 + timedelta(hours=20), config=without_bot)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == len(rows)


def test_a_test_message_to_a_person_reaches_their_addresses_or_says_why_not(db: Database) -> None:
    create_user(db, "olzhas", "engineer", "a-long-password", language="kk", email="olzhas@fixit.kz")
    create_user(db, "dana", "engineer", "a-long-password")
    with smtp_server() as (smtp_port, mailbox), http_receiver() as telegram:
        config = _config((), smtp_port=smtp_port, telegram_token=SecretStr("123:ABC"))
        config = config.model_copy(
            update={"channels": config.channels.model_copy(update={"telegram_base_url": telegram.url})}
        )
        assert send_personal_test(db, config, "olzhas") == ["email:olzhas@fixit.kz"]
        update_user(db, "olzhas", telegram_chat_id="555")
        assert send_personal_test(db, config, "olzhas") == ["email:olzhas@fixit.kz", "telegram:555"]
        expected = catalogue("kk")["notice.test_personal"].format(name="olzhas")
        assert [m["Subject"] for m in mailbox] == [expected, expected]
        assert [r.json()["text"] for r in telegram.requests] == [expected]
        with pytest.raises(InputError, match="dana has no address to send to"):
            send_personal_test(db, config, "dana")
        with pytest.raises(NotFoundError, match="No active user named 'nobody'"):
            send_personal_test(db, config, "nobody")
    refused = (400, b'{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}')
    with http_receiver(refuse=refused) as telegram:
        config = config.model_copy(
            update={"channels": config.channels.model_copy(update={"telegram_base_url": telegram.url})}
        )
        update_user(db, "olzhas", email="")
        with pytest.raises(RouteCheckFailed, match=r"olzhas \(telegram\) did not arrive: .*chat not found"):
            send_personal_test(db, config, "olzhas")


def test_whoever_had_the_ticket_hears_that_it_is_no_longer_theirs(db: Database, fleet: Fleet) -> None:
    fleet.add(1)
    create_user(db, "olzhas", "engineer", "a-long-password", organisation="FixIt", language="ru")
    create_user(db, "dana", "engineer", "a-long-password", organisation="FixIt", language="kk")
    update_user(db, "olzhas", email="olzhas@fixit.kz")
    update_user(db, "dana", email="dana@fixit.kz")
    create_user(db, "aruzhan", "operator", "a-long-password")
    aruzhan = authenticate(db, "aruzhan", "a-long-password", client="t")
    dana = authenticate(db, "dana", "a-long-password", client="t")
    with smtp_server() as (smtp_port, mailbox):
        config = _config((), smtp_port=smtp_port)
        ticket = open_ticket(db, "CAM-000", now=T0, config=config, priority="critical", codes=("offline",))
        assign(db, ticket.id, "olzhas", now=T0, config=config, actor=aruzhan)
        assign(db, ticket.id, "dana", now=T0 + timedelta(minutes=5), config=config, actor=aruzhan)
        assign(
            db, ticket.id, None, now=T0 + timedelta(minutes=10), config=config, actor=dana
        )  # she hands it back
        assert deliver_due(db, T0 + timedelta(minutes=20), config).sent == 2  # one message per address
    by_address = {m["To"]: m.get_content() for m in mailbox}
    assert by_address["olzhas@fixit.kz"].splitlines()[-1] == (
        "- aruzhan передал(а) заявку #1 (камера CAM-000) исполнителю dana: она больше не ваша"
    )
    # Dana was given it and handed it back herself: she hears of the first, not of her own change.
    assert by_address["dana@fixit.kz"].startswith("aruzhan сізге #1 (камера CAM-000) өтінімін тапсырды")
    with db.session() as session:
        told = [
            (row.target, row.body["items"][0]["key"])
            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    assert told == [
        ("olzhas@fixit.kz", "notice.assigned"),
        ("dana@fixit.kz", "notice.assigned"),
        ("olzhas@fixit.kz", "notice.unassigned.to"),
    ]
