"""`qarauyl users ...` as an administrator runs it: a real process on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qarauyl.accounts import authenticate, list_tokens, principal_for_token
from qarauyl.accounts.users import begin_session, principal_for_session
from qarauyl.store.database import Database


def qarauyl(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qarauyl", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_users_create_set_password_list_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    env = {
        **os.environ,
        "QARAUYL_DATA_DIR": str(tmp_path / "data"),
        "QARAUYL_DATABASE_URL": url,
        "QARAUYL_CONFIG": str(tmp_path / "absent.toml"),
        "COLUMNS": "200",
    }
    made = qarauyl(
        env, "users", "create", "dana", "--role", "operator", "--password-stdin", stdin="first-password\n"
    )
    assert made.returncode == 0, made.stderr
    assert "User 'dana' created: operator." in made.stdout
    bad = qarauyl(
        env,
        "users",
        "create",
        "eng",
        "--role",
        "engineer",
        "--org",
        "Nowhere",
        "--password-stdin",
        stdin="x" * 9,
    )
    assert bad.returncode == 2 and "No organisation named 'Nowhere'" in bad.stderr
    short = qarauyl(env, "users", "create", "eve", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "too short" in short.stderr
    changed = qarauyl(env, "users", "set-password", "dana", "--password-stdin", stdin="second-password\n")
    assert changed.returncode == 0, changed.stderr
    listed = qarauyl(env, "users", "list")
    assert "dana" in listed.stdout and "operator" in listed.stdout and "1 user(s)." in listed.stdout
    token = qarauyl(env, "users", "token", "dana", "--label", "ci").stdout.strip()
    missing = qarauyl(env, "users", "set-password", "nobody", "--password-stdin", stdin="whatever-long\n")
    assert missing.returncode == 3 and "No user named 'nobody'" in missing.stderr

    db = Database(url)
    dana = authenticate(db, "dana", "second-password", client="cli-test")
    assert dana.role == "operator"
    principal = principal_for_token(db, token)
    assert principal is not None and principal.name == "dana"
    # Two browsers signed in; the administrator ends both from the command line. The token keeps working.
    cookies = [begin_session(db, dana, client="127.0.0.1") for _ in range(2)]
    assert all(principal_for_session(db, c["u"], c["f"], c["s"]) == dana for c in cookies)
    ended = qarauyl(env, "users", "sign-out", "dana")
    assert ended.returncode == 0, ended.stderr
    assert "Ended 2 session(s) of dana." in ended.stdout
    assert all(principal_for_session(db, c["u"], c["f"], c["s"]) is None for c in cookies)
    assert principal_for_token(db, token) is not None
    listed = qarauyl(env, "users", "tokens", "dana")
    assert listed.returncode == 0 and token[:10] + "…" in listed.stdout and "ci" in listed.stdout
    assert token not in listed.stdout and "1 token(s) of dana." in listed.stdout
    [info] = list_tokens(db, "dana")
    revoked = qarauyl(env, "users", "revoke-token", "dana", str(info.id))
    assert revoked.returncode == 0 and f"Revoked token #{info.id}" in revoked.stdout
    assert principal_for_token(db, token) is None
    twice = qarauyl(env, "users", "revoke-token", "dana", str(info.id))
    assert twice.returncode == 3 and f"User 'dana' has no API token #{info.id}." in twice.stderr
    nobody = qarauyl(env, "users", "sign-out", "nobody")
    assert nobody.returncode == 3 and "No user named 'nobody'" in nobody.stderr
    db.dispose()


@pytest.mark.slow
def test_a_persons_addresses_and_a_test_message_from_the_command_line(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "maintenance"))
    from maintenance_servers import http_receiver, maintenance_toml, smtp_server

    env = {
        **os.environ,
        "QARAUYL_DATA_DIR": str(tmp_path / "data"),
        "QARAUYL_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
        "QARAUYL_CONFIG": str(tmp_path / "absent.toml"),
        "QARAUYL_MAINTENANCE_CONFIG": str(tmp_path / "maintenance.toml"),
        "COLUMNS": "200",
    }
    # A typo is refused before the password is asked for (stdin is empty: asking would fail otherwise).
    typo = qarauyl(
        env, "users", "create", "olzhas", "--role", "engineer", "--email", "olzhas", "--password-stdin"
    )
    assert typo.returncode == 2 and "'olzhas' is not an e-mail address" in typo.stderr
    made = qarauyl(
        env,
        *("users", "create", "olzhas", "--role", "engineer", "--language", "ru"),
        *("--email", "olzhas@fixit.kz", "--password-stdin"),
        stdin="a-long-password\n",
    )
    assert made.returncode == 0, made.stderr
    changed = qarauyl(env, "users", "set", "olzhas", "--telegram", "555")
    assert changed.returncode == 0, changed.stderr
    assert "told at: olzhas@fixit.kz, Telegram 555." in changed.stdout
    assert "olzhas@fixit.kz, Telegram 555" in qarauyl(env, "users", "list").stdout
    with smtp_server() as (smtp_port, mailbox), http_receiver() as telegram:
        (tmp_path / "maintenance.toml").write_text(
            maintenance_toml(telegram.url, smtp_port=smtp_port), encoding="utf-8"
        )
        sent = qarauyl(env, "users", "test-notice", "olzhas")
        assert sent.returncode == 0, sent.stderr
        assert "Test message to olzhas taken by: email:olzhas@fixit.kz, telegram:555." in sent.stdout
        [mail] = mailbox
        [request] = telegram.requests
    said = "Qarauyl: проверочное сообщение для olzhas. Сюда будут приходить заявки, которые поручат вам."
    assert (mail["To"], mail["Subject"], request.json()["text"]) == ("olzhas@fixit.kz", said, said)
    removed = qarauyl(env, "users", "set", "olzhas", "--email", "", "--telegram", "")
    assert removed.returncode == 0 and "told at: nowhere." in removed.stdout
    nowhere = qarauyl(env, "users", "test-notice", "olzhas")
    assert nowhere.returncode == 2 and "olzhas has no address to send to" in nowhere.stderr
