"""The new password never reaches the server in clear: the rotator sends a SCRAM-SHA-256
verifier, so the server's statement log (``log_statement = 'all'``, and the failing statement
that ``log_min_error_statement`` logs) and ``pg_stat_activity`` hold no generated password."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator

import pytest
from pgserver import DbUser, PgServer
from rotator_harness import Service
from scramp import ScramMechanism

from rotator.logs import StepLog
from rotator.strategies.postgres import database
from rotator.strategies.postgres.errors import DatabasePrivilegeError
from rotator.strategies.postgres.secret import parse_secret

pytestmark = pytest.mark.postgres


@pytest.fixture
def statement_log(pg: PgServer) -> Iterator[int]:
    """Every statement logged while the test runs; yields the log offset at the start."""
    pg.sql("ALTER SYSTEM SET log_statement = 'all'")
    pg.sql("SELECT pg_reload_conf()")
    try:
        yield pg.log_size()
    finally:
        pg.sql("ALTER SYSTEM RESET log_statement")
        pg.sql("SELECT pg_reload_conf()")


def _passwords(service: Service, arn: str) -> set[str]:
    """Every password any version of the secret holds (generated ones and the initial one)."""
    found = set()
    for version in service.sm.list_secret_version_ids(SecretId=arn)["Versions"]:
        value = service.sm.get_secret_value(SecretId=arn, VersionId=version["VersionId"])
        found.add(json.loads(value["SecretString"])["password"])
    return found


def test_rotations_and_a_failed_alter_leave_no_password_in_the_server_log(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    use_strategy: Callable[[str], None],
    statement_log: int,
    allow_master: Callable[[str], str],
) -> None:
    single = make_user()
    single_arn = service.create("log-single", json.dumps(single.secret(pg)))
    use_strategy("postgres-single-user")
    service.rotate(single_arn)
    service.rotate(single_arn)

    master = make_user(attributes="LOGIN CREATEROLE")
    master_arn = service.create("log-master", json.dumps(master.secret(pg)))
    allow_master(master_arn)
    multi = make_user()
    multi_arn = service.create("log-multi", json.dumps(multi.secret(pg, masterarn=master_arn)))
    use_strategy("postgres-multi-user")
    service.rotate(multi_arn)  # CREATE ROLE ..._clone
    service.rotate(multi_arn)  # ALTER ROLE of the original
    service.rotate(multi_arn)  # ALTER ROLE of the clone

    # An ALTER ROLE the server refuses: the clone exists, the "master" may not change it. The
    # server logs the failing statement (log_min_error_statement = error, the default).
    weak = make_user()
    weak_arn = service.create("log-weak-master", json.dumps(weak.secret(pg)))
    allow_master(weak_arn)
    victim = make_user()
    make_user(f"{victim.name}_clone")
    failing_arn = service.create("log-failing", json.dumps(victim.secret(pg, masterarn=weak_arn)))
    with pytest.raises(DatabasePrivilegeError):
        service.rotate(failing_arn)
    failed_pending = json.loads(service.value(failing_arn, "AWSPENDING"))["password"]

    log = pg.log_since(statement_log)
    generated = (
        _passwords(service, single_arn) | _passwords(service, multi_arn) | {failed_pending}
    ) - {single.password, multi.password, victim.password}
    assert len(generated) == 6  # 2 single-user, 3 multi-user, 1 failed
    # Controls: the log holds the statements, verifiers in place of passwords, and the error.
    assert log.count('ALTER ROLE "') >= 4
    assert 'CREATE ROLE "' in log
    assert "WITH PASSWORD 'SCRAM-SHA-256$4096:" in log
    assert f'STATEMENT:  ALTER ROLE "{victim.name}_clone"' in log
    # (The initial passwords are in the log: the test's own CREATE ROLE set them in clear.)
    for password in generated:
        assert password not in log


def test_pg_stat_activity_shows_the_verifier_not_the_password(
    pg: PgServer, make_user: Callable[..., DbUser]
) -> None:
    user = make_user()
    secret = parse_secret(json.dumps(user.secret(pg, ssl=False)), label="test")
    new_password = "never-in-pg-stat-activity-Zx9"
    session = database.login(secret, credentials="test", log=StepLog())
    try:
        pid = session.conn.run("SELECT pg_backend_pid()")[0][0]
        database.set_password(session, user.name, new_password)
        # The session is idle now; pg_stat_activity shows its last statement.
        rows = pg.sql("SELECT query FROM pg_stat_activity WHERE pid = :pid", pid=pid)
    finally:
        session.close()

    query = rows[0][0]
    assert query.startswith(f'ALTER ROLE "{user.name}" WITH PASSWORD \'SCRAM-SHA-256$4096:')
    assert new_password not in query
    assert pg.can_login(user.name, new_password)


def test_the_verifier_matches_an_independent_scram_implementation() -> None:
    salt = bytes(range(16))
    password = "pencil-Ée'\"\\"

    verifier = database.scram_verifier(password, salt=salt)

    _, stored_key, server_key, iterations = ScramMechanism("SCRAM-SHA-256").make_auth_info(
        password, iteration_count=4096, salt=salt
    )
    b64 = base64.b64encode
    assert verifier == (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}$"
        f"{b64(stored_key).decode()}:{b64(server_key).decode()}"
    )
    assert database.scram_verifier(password) != database.scram_verifier(password), "random salt"


@pytest.mark.parametrize(
    "password",
    [
        "non\u00a0breaking\u2003spaces",  # SASLprep maps them to U+0020
        "\ufb01ligature-and-soft\u00adhyphen",  # NFKC: "fi"; U+00AD maps to nothing
        "plain-ascii-Password-1",
    ],
)
def test_passwords_that_saslprep_changes_still_log_in(
    pg: PgServer, make_user: Callable[..., DbUser], password: str
) -> None:
    """The client normalises the password with SASLprep at login; so must the verifier."""
    user = make_user()
    secret = parse_secret(json.dumps(user.secret(pg, ssl=False)), label="test")
    with database.session(secret, credentials="test", log=StepLog()) as session:
        database.set_password(session, user.name, password)

    assert pg.can_login(user.name, password)
    assert not pg.can_login(user.name, user.password)


def test_names_are_quoted_without_asking_the_server(
    pg: PgServer, make_user: Callable[..., DbUser], statement_log: int
) -> None:
    """Case, quotes and spaces kept; the only statement sent is the ALTER ROLE itself."""
    admin = make_user(attributes="LOGIN CREATEROLE")
    odd = make_user('Mixed "Case" role; DROP ROLE x --')
    secret = parse_secret(json.dumps(admin.secret(pg, ssl=False)), label="test")
    with database.session(secret, credentials="test", log=StepLog()) as session:
        database.set_password(session, odd.name, "odd-role-new-pw-1")

    assert pg.can_login(odd.name, "odd-role-new-pw-1")
    statements = [
        line for line in pg.log_since(statement_log).splitlines() if "statement: " in line
    ]
    assert any('ALTER ROLE "Mixed ""Case"" role; DROP ROLE x --"' in line for line in statements)
    assert not any("quote_ident" in line or "quote_literal" in line for line in statements)
