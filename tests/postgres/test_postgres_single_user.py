"""postgres-single-user on a real PostgreSQL 15, driven through the sandbox's RotateSecret."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pgserver import DbUser, PgServer
from rotator_harness import STEPS, Service

from rotator.context import StepContext
from rotator.strategies.postgres.errors import (
    DatabaseAuthenticationError,
    DatabaseUnreachableError,
    PendingCredentialsMismatchError,
)

pytestmark = pytest.mark.postgres
STRATEGY = "postgres-single-user"


@pytest.fixture(autouse=True)
def _single_user(use_strategy: Callable[[str], None]) -> None:
    use_strategy(STRATEGY)


def _json(service: Service, arn: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(service.value(arn, stage))
    return value


def test_rotation_changes_the_database_password(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    original = user.secret(pg, extra_key={"kept": [1, 2]})
    arn = service.create("single", json.dumps(original))

    token = service.rotate(arn)

    rotated = _json(service, arn)
    assert rotated["password"] != user.password
    assert {k: v for k, v in rotated.items() if k != "password"} == {
        k: v for k, v in original.items() if k != "password"
    }
    assert pg.can_login(user.name, rotated["password"]), "the new password works"
    assert not pg.can_login(user.name, user.password), "the old one does not"
    assert service.stages(arn)[token] == ["AWSCURRENT"]


def test_awsprevious_is_absent_before_the_first_rotation_then_holds_the_old_value(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    original = user.secret(pg)
    arn = service.create("previous", json.dumps(original))
    assert "AWSPREVIOUS" not in {s for stages in service.stages(arn).values() for s in stages}

    service.rotate(arn)
    first = _json(service, arn)
    assert _json(service, arn, "AWSPREVIOUS") == original

    service.rotate(arn)
    second = _json(service, arn)
    assert _json(service, arn, "AWSPREVIOUS") == first
    assert pg.can_login(user.name, second["password"])
    assert not pg.can_login(user.name, first["password"])


def test_set_secret_logs_in_with_previous_when_current_no_longer_works(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """E.g. the database was restored from a snapshot taken before the last rotation."""
    user = make_user()
    arn = service.create("restored", json.dumps(user.secret(pg)))
    service.rotate(arn)
    pg.set_password(user.name, user.password)  # back to what AWSPREVIOUS holds
    capsys.readouterr()

    service.rotate(arn)

    assert pg.can_login(user.name, _json(service, arn)["password"])
    logins = _events(capsys.readouterr().out, "database_login")
    assert [e["credentials"] for e in logins if e["step"] == "setSecret"] == ["AWSPREVIOUS"]


def test_first_rotation_without_working_credentials_fails_and_keeps_current(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    original = user.secret(pg)
    arn = service.create("drifted", json.dumps(original))
    pg.set_password(user.name, "changed-behind-our-back")

    with pytest.raises(DatabaseAuthenticationError) as raised:
        service.rotate(arn)

    message = str(raised.value)
    assert "setSecret" in message
    assert arn in message
    assert f"{pg.host}:{pg.port}" in message
    assert "authentication failed" in message
    assert user.password not in message
    assert _json(service, arn) == original


def test_set_secret_is_idempotent(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user()
    arn = service.create("twice", json.dumps(user.secret(pg)))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    service.run("setSecret", arn, token)
    pending = _json(service, arn, "AWSPENDING")
    capsys.readouterr()

    service.run("setSecret", arn, token)

    assert [e["message"] for e in _events(capsys.readouterr().out)][-2:] == [
        "database_password_already_set",
        "step_finished",
    ]
    for step in ("testSecret", "finishSecret"):
        service.run(step, arn, token)
    assert _json(service, arn) == pending
    assert pg.can_login(user.name, pending["password"])


AWKWARD_PASSWORDS = [
    "it's-a-quote",
    "back\\slash\\'\\",
    'double"quote"',
    "dollar$$quote$tag$",
    "pässwörd\u2013✓-日本語",
    "'; DROP ROLE canary; --",
    "E'\\x41' || '",
    ":name %s %(x)s $1 ?",
]


@pytest.mark.parametrize("password", AWKWARD_PASSWORDS)
def test_awkward_password_is_set_exactly_and_cannot_inject_sql(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    monkeypatch: pytest.MonkeyPatch,
    password: str,
) -> None:
    if not pg.role_exists("canary"):
        pg.create_role("canary", "canary-pw", attributes="NOLOGIN")
    user = make_user(password=password[::-1])  # awkward in AWSCURRENT too
    arn = service.create("awkward-pw", json.dumps(user.secret(pg)))
    monkeypatch.setattr(StepContext, "new_password", lambda self: password)

    service.rotate(arn)

    assert _json(service, arn)["password"] == password
    assert pg.can_login(user.name, password)
    assert pg.role_exists("canary"), "nothing was injected"


AWKWARD_USERNAMES = [
    "O'Brien",
    'say "hi"',
    "Ünïcödé-ユーザー",
    "semi;colon",
    "back\\slash",
    "with space",
    'x"; DROP ROLE canary; --',
    "UPPER",
]


@pytest.mark.parametrize("name", AWKWARD_USERNAMES)
def test_awkward_username_is_quoted_by_the_server(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser], name: str
) -> None:
    if not pg.role_exists("canary"):
        pg.create_role("canary", "canary-pw", attributes="NOLOGIN")
    user = make_user(name=name)
    arn = service.create("awkward-user", json.dumps(user.secret(pg)))

    service.rotate(arn)

    assert pg.can_login(name, _json(service, arn)["password"])
    assert not pg.can_login(name, user.password)
    assert pg.role_exists("canary")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("username", "AWSPENDING is for user 'victim' but, going by AWSCURRENT, this rotation"),
        ("host", r"AWSPENDING is for localhost:\d+ but AWSCURRENT is for 127\.0\.0\.1:\d+"),
        # Issue 19: the same host on another port is another server (a listener of anyone's).
        ("port", r"AWSPENDING is for 127\.0\.0\.1:\d+ but AWSCURRENT is for 127\.0\.0\.1:\d+"),
    ],
)
def test_pending_for_another_user_or_host_is_rejected(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    change: str,
    expected: str,
) -> None:
    user = make_user()
    victim = make_user(name="victim" if change == "username" else f"victim{change}")
    arn = service.create(f"mismatch-{change}", json.dumps(user.secret(pg)))
    token = service.stage(arn)
    # Something other than createSecret wrote AWSPENDING.
    forged = user.secret(pg, password="forged-password-1")
    forged[change] = {"username": victim.name, "host": "localhost", "port": pg.port + 1}[change]
    service.sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(forged),
        VersionStages=["AWSPENDING"],
    )
    service.run("createSecret", arn, token)

    with pytest.raises(PendingCredentialsMismatchError, match=expected):
        service.run("setSecret", arn, token)

    assert pg.can_login(user.name, user.password)
    assert pg.can_login(victim.name, victim.password)
    assert not pg.can_login(victim.name, "forged-password-1")


def test_server_down_is_a_clear_error_and_the_retry_completes(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    original = user.secret(pg)
    arn = service.create("down", json.dumps(original))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    pg.stop()
    try:
        with pytest.raises(DatabaseUnreachableError) as raised:
            service.run("setSecret", arn, token)
    finally:
        pg.start()

    message = str(raised.value)
    assert f"setSecret of secret {arn}" in message
    assert f"{pg.host}:{pg.port}" in message
    assert "network error" in message
    assert "Check the host and port" in message
    assert _json(service, arn) == original
    assert service.stages(arn)[token] == ["AWSPENDING"]
    assert pg.can_login(user.name, user.password), "nothing changed in the database"

    for step in STEPS[1:]:
        service.run(step, arn, token)

    assert pg.can_login(user.name, _json(service, arn)["password"])
    assert not pg.can_login(user.name, user.password)


def test_no_password_in_logs_at_debug(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    user = make_user()
    arn = service.create("quiet", json.dumps(user.secret(pg)))
    capfd.readouterr()

    service.rotate(arn)
    pg.set_password(user.name, "drifted-password-42")
    with pytest.raises(DatabaseAuthenticationError):
        service.rotate(arn)  # failures are logged too

    captured = capfd.readouterr()
    everything = captured.out + captured.err + caplog.text
    passwords = [user.password, _json(service, arn)["password"], "drifted-password-42"]
    assert '"database_login"' in everything
    assert not [p for p in passwords if p in everything]


def _events(out: str, message: str | None = None) -> list[dict[str, Any]]:
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [e for e in events if message is None or e["message"] == message]
