"""TLS as the secret's "ssl" key says, observed from both ends: the rotator's log lines and the
server's (log_connections: a TLS login reads "SSL enabled"; a handshake the client abandons
because the certificate does not verify leaves "could not accept SSL connection"). One test per
row of the TLS table in rotator/strategies/postgres/README.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pgserver import DbUser, PgServer
from rotator_harness import Service

from rotator.errors import ConfigurationError, RotationError
from rotator.logs import StepLog
from rotator.strategies.postgres import database
from rotator.strategies.postgres.errors import CleartextPasswordRefusedError, DatabaseTlsError
from rotator.strategies.postgres.secret import parse_secret

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _single_user(use_strategy: Callable[[str], None]) -> None:
    use_strategy("postgres-single-user")


def _json(service: Service, arn: str, stage: str = "AWSCURRENT") -> dict[str, Any]:
    value: dict[str, Any] = json.loads(service.value(arn, stage))
    return value


def _logins(out: str) -> list[dict[str, Any]]:
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [e for e in events if e["message"] == "database_login"]


def test_ssl_true_verifies_the_server_against_pg_ca_bundle(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    ca_bundle: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user(tls_only=True)
    with pytest.raises(Exception, match=r"pg_hba\.conf rejects"):
        pg.can_login(user.name, user.password)  # plain TCP is refused for this user
    arn = service.create("tls", json.dumps(user.secret(pg, ssl=True)))
    capsys.readouterr()
    log_start = pg.log_size()

    service.rotate(arn)

    new_password = _json(service, arn)["password"]
    assert pg.can_login(user.name, new_password, tls=True)
    logins = _logins(capsys.readouterr().out)
    assert logins
    assert {(e["tls"], e["tls_fallback"]) for e in logins} == {("verify-full", False)}
    server_log = pg.log_since(log_start)
    authorized = [
        line for line in server_log.splitlines() if f"authorized: user={user.name} " in line
    ]
    assert authorized
    assert all("SSL enabled" in line for line in authorized)


@pytest.mark.parametrize("ssl", [True, "true"])
def test_ssl_true_with_the_wrong_ca_fails_and_keeps_current(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    monkeypatch: pytest.MonkeyPatch,
    ssl: Any,
) -> None:
    monkeypatch.setenv("PG_CA_BUNDLE", str(pg.wrong_ca_file))
    user = make_user(tls_only=True)
    original = user.secret(pg, ssl=ssl)
    arn = service.create("wrong-ca", json.dumps(original))

    with pytest.raises(DatabaseTlsError) as raised:
        service.rotate(arn)

    message = str(raised.value)
    assert "TLS certificate verification failed" in message
    assert f"{pg.host}:{pg.port}" in message
    assert "database_ca_bundle_file" in message
    assert _json(service, arn) == original
    assert pg.can_login(user.name, user.password, tls=True)


def test_ssl_true_without_pg_ca_bundle_uses_the_system_bundle(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The system bundle does not know the test CA; SSL_CERT_FILE (which OpenSSL honours for
    the system bundle) makes it, and then the rotation verifies and completes."""
    user = make_user(tls_only=True)
    arn = service.create("system-bundle", json.dumps(user.secret(pg, ssl=True)))
    token = service.stage(arn)
    service.run("createSecret", arn, token)

    with pytest.raises(DatabaseTlsError, match=r"certificate verif"):
        service.run("setSecret", arn, token)

    monkeypatch.setenv("SSL_CERT_FILE", str(pg.ca_file))
    for step in ("setSecret", "testSecret", "finishSecret"):
        service.run(step, arn, token)
    assert pg.can_login(user.name, _json(service, arn)["password"], tls=True)


def test_ssl_false_never_uses_tls(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    ca_bundle: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user()
    arn = service.create("plain", json.dumps(user.secret(pg, ssl=False)))
    capsys.readouterr()
    log_start = pg.log_size()

    service.rotate(arn)

    server_log = pg.log_since(log_start)
    assert f"authorized: user={user.name} " in server_log
    assert "SSL" not in server_log, "no TLS login and no TLS handshake attempted"
    logins = _logins(capsys.readouterr().out)
    assert {(e["tls"], e["tls_fallback"]) for e in logins} == {("none", False)}


def test_ssl_false_connection_is_plain_in_pg_stat_ssl(
    pg: PgServer, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    for ssl, expected in ((False, False), (True, True)):
        secret = parse_secret(json.dumps(user.secret(pg, ssl=ssl)), label="test")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PG_CA_BUNDLE", str(pg.ca_file))
            session = database.login(secret, credentials="test", log=StepLog())
        try:
            rows = session.conn.run("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        finally:
            session.close()
        assert rows == [[expected]], f"ssl={ssl}"


def _authorized(server_log: str, user: str) -> list[str]:
    return [line for line in server_log.splitlines() if f"authorized: user={user} " in line]


def test_ssl_absent_falls_back_to_unverified_tls_not_plain_when_it_does_not_verify(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No PG_CA_BUNDLE: the certificate does not verify; the logins still use TLS."""
    user = make_user()
    arn = service.create("try-fallback", json.dumps(user.secret(pg)))
    capsys.readouterr()
    log_start = pg.log_size()

    service.rotate(arn)

    out = capsys.readouterr().out
    assert {(e["tls"], e["tls_fallback"]) for e in _logins(out)} == {("unverified", True)}
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    fallbacks = [e for e in lines if e.get("message") == "database_tls_fallback"]
    assert fallbacks
    assert all("certificate verification failed" in e["reason"] for e in fallbacks)
    metrics = [e for e in lines if e.get("message") == "database_tls_fallback_metric"]
    assert len(metrics) == len(fallbacks), "one embedded-format metric per fallback"
    assert all(e["DatabaseTlsFallback"] == 1 for e in metrics)
    assert all(m["_aws"]["CloudWatchMetrics"][0]["Namespace"] for m in metrics)
    server_log = pg.log_since(log_start)
    assert "could not accept SSL connection" in server_log, "verify-full was tried first"
    authorized = _authorized(server_log, user.name)
    assert authorized
    assert all("SSL enabled" in line for line in authorized), "no login without TLS"
    assert pg.can_login(user.name, _json(service, arn)["password"])


def test_ssl_absent_tls_only_user_rotates_over_unverified_tls(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    """pg_hba.conf allows this user over TLS only: the fallback is TLS, so it works."""
    user = make_user(tls_only=True)
    arn = service.create("try-tls-only", json.dumps(user.secret(pg)))

    service.rotate(arn)

    assert pg.can_login(user.name, _json(service, arn)["password"], tls=True)


def test_ssl_absent_refuses_a_cleartext_password_request_over_unverified_tls(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    user = make_user(cleartext=True)
    original = user.secret(pg)
    arn = service.create("try-cleartext", json.dumps(original))
    log_start = pg.log_size()

    with pytest.raises(CleartextPasswordRefusedError) as raised:
        service.rotate(arn)

    message = str(raised.value)
    assert "asked for the password in clear" in message
    assert "TLS without a verified certificate" in message
    assert "database_ca_bundle_file" in message
    assert _json(service, arn) == original
    assert not _authorized(pg.log_since(log_start), user.name), "no login succeeded"


def test_cleartext_password_request_is_answered_over_verified_tls(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser], ca_bundle: Path
) -> None:
    """Control for the test above: with a verified server the same user rotates."""
    user = make_user(cleartext=True)
    arn = service.create("try-cleartext-verified", json.dumps(user.secret(pg)))

    service.rotate(arn)

    assert pg.can_login(user.name, _json(service, arn)["password"])


def test_ssl_false_answers_a_cleartext_password_request(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    """ "ssl": false says plaintext on purpose: the password method works as configured."""
    user = make_user(cleartext=True)
    arn = service.create("plain-cleartext", json.dumps(user.secret(pg, ssl=False)))

    service.rotate(arn)

    assert pg.can_login(user.name, _json(service, arn)["password"])


def test_ssl_absent_server_without_tls_is_refused_not_used_without_it(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser], ca_bundle: Path
) -> None:
    """Issue 19: a plaintext fallback can be forced by whoever answers 'N', and nothing on a
    plaintext connection can be bound to a channel; so "ssl" absent never goes without TLS."""
    user = make_user()
    original = user.secret(pg)
    arn = service.create("try-no-tls", json.dumps(original))
    log_start = pg.log_size()

    with pg.without_tls(), pytest.raises(DatabaseTlsError) as raised:
        service.rotate(arn)

    assert "does not offer TLS" in str(raised.value)
    assert '"ssl": false' in str(raised.value)
    assert not _authorized(pg.log_since(log_start), user.name), "no login without TLS"
    assert _json(service, arn) == original


@pytest.mark.parametrize("verified", [True, False], ids=["ca-bundle", "no-ca-bundle"])
def test_ssl_absent_user_refused_over_tls_by_pg_hba_is_not_retried_without_tls(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    monkeypatch: pytest.MonkeyPatch,
    verified: bool,
) -> None:
    """pg_hba.conf has no TLS entry for this user: whoever answered could have forged that."""
    if verified:
        monkeypatch.setenv("PG_CA_BUNDLE", str(pg.ca_file))
    user = make_user(plain_only=True)
    original = user.secret(pg)
    arn = service.create(f"try-plain-only-{verified}", json.dumps(original))

    with pytest.raises(RotationError) as raised:
        service.rotate(arn)

    assert "pg_hba.conf rejects connection" in str(raised.value)
    assert _json(service, arn) == original


def test_ssl_false_user_refused_over_tls_rotates_without_tls(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser]
) -> None:
    """Control: written down, plaintext still works for such a user."""
    user = make_user(plain_only=True)
    arn = service.create("plain-only-false", json.dumps(user.secret(pg, ssl=False)))

    service.rotate(arn)

    assert pg.can_login(user.name, _json(service, arn)["password"])


def test_ssl_true_server_without_tls_fails(
    pg: PgServer, service: Service, make_user: Callable[..., DbUser], ca_bundle: Path
) -> None:
    user = make_user()
    original = user.secret(pg, ssl=True)
    arn = service.create("tls-no-tls", json.dumps(original))

    with pg.without_tls(), pytest.raises(DatabaseTlsError, match="does not offer TLS"):
        service.rotate(arn)

    assert _json(service, arn) == original


def test_ssl_absent_uses_tls_when_it_verifies(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    ca_bundle: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user()
    arn = service.create("try-tls", json.dumps(user.secret(pg)))
    capsys.readouterr()

    service.rotate(arn)

    logins = _logins(capsys.readouterr().out)
    assert {(e["tls"], e["tls_fallback"]) for e in logins} == {("verify-full", False)}


def test_unreadable_pg_ca_bundle_is_a_configuration_error(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PG_CA_BUNDLE", str(tmp_path / "missing.pem"))
    user = make_user()
    arn = service.create("no-bundle", json.dumps(user.secret(pg, ssl=True)))

    with pytest.raises(ConfigurationError, match="PG_CA_BUNDLE"):
        service.rotate(arn)


def test_database_ca_bundle_verifies_and_wins_over_pg_ca_bundle(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bundle modules/rotation-function packs (here the trustme CA that signed the test
    server's certificate) is what verify uses, even with another bundle in PG_CA_BUNDLE."""
    monkeypatch.setenv("PG_CA_BUNDLE", str(pg.wrong_ca_file))
    monkeypatch.setenv("DATABASE_CA_BUNDLE", str(pg.ca_file))
    user = make_user(tls_only=True)
    arn = service.create("packed-bundle", json.dumps(user.secret(pg, ssl=True)))

    service.rotate(arn)

    assert pg.can_login(user.name, _json(service, arn)["password"], tls=True)


def test_database_tls_default_verify_refuses_an_unverified_server(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The module's default: a secret without "ssl" is verified, and does not fall back."""
    monkeypatch.setenv("DATABASE_TLS_DEFAULT", "verify")
    user = make_user()
    original = user.secret(pg)
    arn = service.create("default-verify", json.dumps(original))

    with pytest.raises(DatabaseTlsError, match="certificate verification failed"):
        service.rotate(arn)

    assert _json(service, arn) == original
