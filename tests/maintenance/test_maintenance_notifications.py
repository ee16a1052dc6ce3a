"""Notifications through the durable outbox, delivered to real local servers: a webhook receiver that
checks the HMAC, an aiosmtpd SMTP server, and a stand-in Telegram Bot API."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from maintenance_fleet import T0, Fleet
from maintenance_servers import free_port, http_receiver, smtp_server
from pydantic import SecretStr
from sqlalchemy import select, update

from qarauyl.config import Settings
from qarauyl.errors import NotFoundError
from qarauyl.i18n import catalogue
from qarauyl.maintenance.config import Channels, MaintenanceConfig, Route
from qarauyl.maintenance.models import OutboxMessage
from qarauyl.maintenance.notifications import deliver_due
from qarauyl.maintenance.notifications.channels import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from qarauyl.maintenance.notifications.status import RouteCheckFailed, route_statuses, send_test
from qarauyl.maintenance.tickets import open_ticket, process_transitions
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
    occ, quiet = route_statuses(db, config, T0 + timedelta(minutes=3))
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
    [occ, _] = route_statuses(db, config, T0 + timedelta(minutes=4))
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
        path.write_text(
            f"""
[maintenance.channels]
telegram_token = "123:ABC"
telegram_base_url = "{telegram.url}"

[[maintenance.routes]]
name = "occ-duty"
channel = "telegram"
target = "-1001"
language = "en"
""",
            encoding="utf-8",
        )
        monkeypatch.setenv("QARAUYL_MAINTENANCE_CONFIG", str(path))
        listed = runner.invoke(app, ["tickets", "routes"], env={"COLUMNS": "200"})
        assert listed.exit_code == 0, listed.output
        assert "occ-duty" in listed.stdout and "telegram" in listed.stdout and "never" in listed.stdout
        as_json = json.loads(runner.invoke(app, ["tickets", "routes", "--json"]).stdout)
        assert [(r["name"], r["pending"], r["language"]) for r in as_json] == [("occ-duty", 0, "en")]
        sent = runner.invoke(app, ["tickets", "test-route", "occ-duty"])
        assert sent.exit_code == 0, sent.output
        assert "Sent to route occ-duty: Qarauyl: a test message for the route “occ-duty”" in sent.stdout
        assert len(telegram.requests) == 1
        missing = runner.invoke(app, ["tickets", "test-route", "occ"])
    assert isinstance(missing.exception, NotFoundError)
    assert "No notification route named 'occ' (routes: occ-duty)" in str(missing.exception)
