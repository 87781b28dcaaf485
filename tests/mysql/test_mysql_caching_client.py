"""An application that logs in continuously, through a client that caches the secret for less
than the rotation interval (as AWS's caching clients do), sees no failed login during a dozen
multi-user rotations: the user in AWSPREVIOUS keeps working until the next rotation."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pymysql
import pytest
from mariadbserver import DbUser, MariaDb
from rotator_harness import Service

pytestmark = pytest.mark.mariadb

CACHE_TTL_S = 0.5
ROTATIONS = 12


@dataclass
class CachingApp:
    """Reads AWSCURRENT at most every CACHE_TTL_S seconds; logs in and queries in a loop."""

    service: Service
    mariadb: MariaDb
    arn: str
    logins: int = 0
    users: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _cached: dict[str, Any] | None = None
    _read_at: float = 0.0

    def credentials(self) -> dict[str, Any]:
        if self._cached is None or time.monotonic() - self._read_at > CACHE_TTL_S:
            self._cached = json.loads(self.service.value(self.arn))
            self._read_at = time.monotonic()
        return self._cached

    def run(self) -> None:
        while not self.stop.is_set():
            secret = self.credentials()
            try:
                conn = self.mariadb.connect(secret["username"], secret["password"], tls=True)
                with conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                conn.close()
            except pymysql.err.MySQLError as exc:
                self.failures.append(f"{secret['username']}: {exc.args[0]}")
            else:
                self.logins += 1
                self.users.add(secret["username"])
            time.sleep(0.01)


def test_a_caching_client_never_fails_to_log_in_during_a_dozen_rotations(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    use_strategy: Callable[[str], None],
) -> None:
    use_strategy("mysql-multi-user")
    user = make_user()
    arn = service.create("cached", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    app = CachingApp(service, mariadb, arn)
    thread = threading.Thread(target=app.run, daemon=True)
    thread.start()
    try:
        for _ in range(ROTATIONS):
            service.rotate(arn)
            # The next rotation changes the password AWSPREVIOUS holds: wait until no cache can
            # still hold it (the rotation interval is longer than the cache's lifetime).
            time.sleep(CACHE_TTL_S + 0.2)
    finally:
        app.stop.set()
        thread.join(timeout=30)

    assert app.failures == []
    assert app.users == {user.name, f"{user.name}_clone"}
    assert app.logins > ROTATIONS * 5, "the application kept logging in throughout"
    assert json.loads(service.value(arn))["username"] == user.name, "12 rotations: back to it"


def test_control_without_waiting_for_the_cache_a_login_fails(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    master_arn: str,
    use_strategy: Callable[[str], None],
) -> None:
    """The test above can fail: a cache that outlives a rotation interval holds a dead password."""
    use_strategy("mysql-multi-user")
    user = make_user()
    arn = service.create("cached-stale", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    stale = json.loads(service.value(arn))

    service.rotate(arn)
    service.rotate(arn)

    assert stale["username"] == user.name
    assert not mariadb.can_login(stale["username"], stale["password"])
