"""Accounts on a real database (SQLite and PostgreSQL): users, argon2, throttled sign-in, tokens,
permissions, the engineer's scope, the audit log, and migration 0003 up and down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, update

from qarauyl.accounts import (
    ACTIONS,
    ROLES,
    AuthError,
    Forbidden,
    NameTaken,
    Principal,
    ThrottledError,
    authenticate,
    camera_scope,
    create_token,
    create_user,
    list_users,
    permitted,
    principal_for_token,
    record_audit,
    require,
    set_language,
    set_password,
    update_user,
)
from qarauyl.accounts.models import ApiToken, AuditEntry, LoginFailure, User
from qarauyl.errors import InputError
from qarauyl.store.database import Database
from qarauyl.store.models import Camera, Organisation, utcnow
from qarauyl.store.schema import downgrade, upgrade

PASSWORD = "correct horse battery"


@pytest.fixture
def orgs(db: Database) -> dict[str, int]:
    with db.session() as session:
        a, b = (
            Organisation(name="Contractor A", kind="contractor"),
            Organisation(name="Contractor B", kind="contractor"),
        )
        session.add_all([a, b])
        session.flush()
        return {"A": a.id, "B": b.id}


def test_migration_0003_creates_and_removes_the_accounts_tables(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"app_user", "api_token", "audit_log", "login_failure"} <= tables
    downgrade(db, "0002")
    tables = set(inspect(db.engine).get_table_names())
    assert not {"app_user", "api_token", "audit_log", "login_failure"} & tables
    assert "camera" in tables
    upgrade(db)
    assert "app_user" in set(inspect(db.engine).get_table_names())


def test_create_user_hashes_with_argon2_and_audits(db: Database, orgs: dict[str, int]) -> None:
    admin = Principal(0, "root", "admin", None, "en")
    info = create_user(
        db,
        "aigerim",
        "engineer",
        PASSWORD,
        organisation="Contractor A",
        language="kk",
        email=" aigerim@contractor-a.kz ",
        actor=admin,
    )
    assert (info.role, info.organisation, info.language, info.active) == (
        "engineer",
        "Contractor A",
        "kk",
        True,
    )
    with db.session() as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "aigerim"))
        entry = session.scalars(select(AuditEntry)).one()
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert (entry.actor, entry.action, entry.target, entry.before) == (
        "root",
        "users.create",
        "user:aigerim",
        None,
    )
    assert entry.after == {
        "role": "engineer",
        "organisation": "Contractor A",
        "language": "kk",
        "active": True,
        "email": "aigerim@contractor-a.kz",
        "telegram_chat_id": None,
    }
    with pytest.raises(NameTaken, match="already exists"):
        create_user(db, "aigerim", "viewer", PASSWORD)
    with pytest.raises(InputError, match="Unknown role 'boss'"):
        create_user(db, "x", "boss", PASSWORD)
    with pytest.raises(InputError, match="No organisation named 'Nowhere'"):
        create_user(db, "x", "viewer", PASSWORD, organisation="Nowhere")
    with pytest.raises(InputError, match="too short"):
        create_user(db, "x", "viewer", "short")
    with pytest.raises(InputError, match="not valid"):
        create_user(db, "a b", "viewer", PASSWORD)
    assert [u.name for u in list_users(db)[1]] == ["aigerim"]


def test_authenticate_and_the_same_answer_for_every_failure(db: Database) -> None:
    create_user(db, "op", "operator", PASSWORD)
    principal = authenticate(db, "op", PASSWORD, client="10.0.0.1")
    assert (principal.name, principal.role) == ("op", "operator")
    messages = set()
    for name, password in (("op", "wrong password"), ("nobody", PASSWORD)):
        with pytest.raises(AuthError) as caught:
            authenticate(db, name, password, client="10.0.0.1")
        messages.add(str(caught.value))
    update_user(db, "op", active=False)
    with pytest.raises(AuthError) as caught:
        authenticate(db, "op", PASSWORD, client="10.0.0.2")
    messages.add(str(caught.value))
    assert messages == {"Wrong user name or password, or the account is disabled."}


def test_throttling_per_name_and_client_and_window(db: Database) -> None:
    create_user(db, "op", "operator", PASSWORD)
    for _ in range(5):
        with pytest.raises(AuthError):
            authenticate(db, "op", "guess", client="10.0.0.9")
    with pytest.raises(ThrottledError, match="try again in 15 minute") as caught:
        authenticate(db, "op", PASSWORD, client="10.0.0.9")
    assert 890 <= caught.value.retry_after <= 901
    # Another address is not blocked by someone else's guessing, and a success there clears nothing here.
    assert authenticate(db, "op", PASSWORD, client="10.0.0.10").name == "op"
    with pytest.raises(ThrottledError):
        authenticate(db, "OP", PASSWORD, client="10.0.0.9")  # names are throttled case-insensitively
    # Once the failures are older than the window, the right password works again and clears them.
    with db.session() as session:
        session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=16)))
    assert authenticate(db, "op", PASSWORD, client="10.0.0.9").name == "op"
    with db.session() as session:
        assert session.scalars(select(LoginFailure).where(LoginFailure.client == "10.0.0.9")).all() == []


def test_tokens_are_hashed_and_die_with_the_user(db: Database) -> None:
    create_user(db, "bot", "viewer", PASSWORD)
    token = create_token(db, "bot", "nightly export")
    assert token.startswith("qk_") and len(token) > 40
    with db.session() as session:
        row = session.scalars(select(ApiToken)).one()
    assert row.digest != token and token not in row.digest and row.prefix == token[:10]
    principal = principal_for_token(db, token)
    assert principal is not None and principal.name == "bot"
    assert principal_for_token(db, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert principal_for_token(db, "not-a-token") is None
    update_user(db, "bot", active=False)
    assert principal_for_token(db, token) is None


def test_set_password_and_language(db: Database) -> None:
    create_user(db, "pl", "planner", PASSWORD)
    set_password(db, "pl", "a new long password")
    with pytest.raises(AuthError):
        authenticate(db, "pl", PASSWORD, client="c")
    principal = authenticate(db, "pl", "a new long password", client="c")
    assert set_language(db, principal, "ru").language == "ru"
    with pytest.raises(InputError, match="Unknown language 'de'"):
        set_language(db, principal, "de")
    assert authenticate(db, "pl", "a new long password", client="c").language == "ru"


def test_a_persons_addresses_are_checked_changed_removed_and_audited(db: Database) -> None:
    admin = Principal(0, "root", "admin", None, "en")
    create_user(db, "olzhas", "engineer", PASSWORD)
    # What a typing thumb gets wrong is refused with the field named, and nothing changes.
    for field, value, words in (
        ("email", "olzhas.mail.kz", "not an e-mail address"),
        ("email", "olzhas @mail.kz", "not an e-mail address"),
        ("email", "olzhas@mailkz", "not an e-mail address"),
        ("telegram_chat_id", "@olzhas", "not a Telegram chat id"),
        ("telegram_chat_id", "12 345", "not a Telegram chat id"),
    ):
        with pytest.raises(InputError, match=words) as refused:
            update_user(db, "olzhas", actor=admin, **{field: value})
        assert [p.column for p in refused.value.problems] == [field]
    info = update_user(db, "olzhas", email="olzhas@fixit.kz", telegram_chat_id=" 123456789 ", actor=admin)
    assert (info.email, info.telegram_chat_id) == ("olzhas@fixit.kz", "123456789")
    assert info.told_at() == "olzhas@fixit.kz, Telegram 123456789"
    # Not given: kept. Empty: removed.
    info = update_user(db, "olzhas", role="engineer", actor=admin)
    assert (info.email, info.telegram_chat_id) == ("olzhas@fixit.kz", "123456789")
    info = update_user(db, "olzhas", email="", actor=admin)
    assert (info.email, info.telegram_chat_id, info.told_at()) == (None, "123456789", "Telegram 123456789")
    with db.session() as session:
        changes = [
            (e.before, e.after)
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "users.update"))
        ]
    assert [(b["email"], a["email"], a["telegram_chat_id"]) for b, a in changes] == [
        (None, "olzhas@fixit.kz", "123456789"),
        ("olzhas@fixit.kz", None, "123456789"),
    ]
    with pytest.raises(InputError, match="not an e-mail address"):
        create_user(db, "new", "viewer", PASSWORD, email="new")
    assert [u.name for u in list_users(db)[1]] == ["olzhas"]


def test_permissions_table() -> None:
    viewer = Principal(1, "v", "viewer", None, "en")
    admin = Principal(2, "a", "admin", None, "en")
    assert all(permitted(admin, action) for action in ACTIONS)
    assert {a for a in ACTIONS if permitted(viewer, a)} == {
        "cameras.read", "events.read", "snapshots.read", "summary.read", "planning.read", "metrics.read",
        "fault_rules.read",
    }  # fmt: skip
    engineer = Principal(3, "e", "engineer", 1, "en")
    assert not permitted(engineer, "metrics.read")  # fleet-wide figures, beyond the contractor's scope
    # The contractor must not silence the faults it is paid to repair.
    assert permitted(engineer, "fault_rules.read") and not permitted(engineer, "fault_rules.write")
    assert all(set(roles) <= set(ROLES) for roles in ACTIONS.values())
    with pytest.raises(Forbidden, match=r"Your role \(viewer\) does not allow cameras.write"):
        require(viewer, "cameras.write")
    with pytest.raises(ValueError, match="unknown action"):
        permitted(admin, "cameras.teleport")


def test_engineer_scope_selects_only_their_contractors_cameras(db: Database, orgs: dict[str, int]) -> None:
    with db.session() as session:
        for code, org in (("A-1", "A"), ("A-2", "A"), ("B-1", "B"), ("N-1", None)):
            session.add(
                Camera(code=code, name=code, vendor="axis", kind="fixed", latitude=43.0, longitude=68.0,
                       lifecycle="connected", tags=[], maintainer_id=orgs[org] if org else None)
            )  # fmt: skip

    def visible(principal: Principal) -> list[str]:
        query = select(Camera.code).order_by(Camera.code)
        scope = camera_scope(principal)
        if scope is not None:
            query = query.where(scope)
        with db.session() as session:
            return list(session.scalars(query))

    assert visible(Principal(1, "e", "engineer", orgs["A"], "en")) == ["A-1", "A-2"]
    assert visible(Principal(1, "e", "engineer", orgs["B"], "en")) == ["B-1"]
    assert visible(Principal(1, "e", "engineer", None, "en")) == []
    assert visible(Principal(1, "o", "operator", None, "en")) == ["A-1", "A-2", "B-1", "N-1"]


def test_record_audit_commits_with_the_change(db: Database) -> None:
    who = Principal(7, "dana", "operator", None, "en")
    with pytest.raises(RuntimeError), db.session() as session:
        record_audit(session, who, "cameras.update", "camera:X", {"a": 1}, {"a": 2}, client="10.1.1.1")
        raise RuntimeError("the change failed")
    with db.session() as session:
        assert session.scalars(select(AuditEntry)).all() == []
        record_audit(session, who, "cameras.update", "camera:X", {"a": 1}, {"a": 2}, client="10.1.1.1")
    with db.session() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.actor_id, entry.client, entry.before, entry.after) == (
        "dana",
        7,
        "10.1.1.1",
        {"a": 1},
        {"a": 2},
    )
    assert entry.at.tzinfo is not None
