"""Applications that read a rotated secret through aws-secretsmanager-caching, on a real PostgreSQL.

Each application is the code of docs/consuming-rotated-secrets.md, run as it stands there: a
thread that logs in (TLS, verified) and runs ``SELECT 1`` every LOGIN_EVERY_S while a dozen
rotations run on the service double (the rotator's handler runs the steps in process, as in the
other PostgreSQL tests). Four applications at once, on two secrets:

* multi-user, cache lifetime below the rotation interval: no login fails;
* multi-user, a cache that never refreshes: fails from the second rotation on (the rule's other
  side, and proof that the harness sees failures);
* single-user, cache only: the failure window after each rotation, measured;
* single-user, the retry recipe: no login fails.

The figures (failure windows, the time between setSecret and finishSecret) are printed, for the
page; run with ``-s`` to see them. Times are never asserted, only counts.

Concurrency as in the sandbox server: one request at a time inside moto (each request holds
``MOTO_LOCK``), the lock let go while a step of the function runs, so that the applications'
reads go on during a rotation, as they do against the service.
"""

from __future__ import annotations

import json
import os
import ssl
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from docsnippets import snippet
from moto.core.botocore_stubber import BotocoreStubber
from pgserver import DbUser, PgServer
from rotator_harness import Invoker, Service

from rotation_testing.moto_lock import MOTO_LOCK

pytestmark = pytest.mark.postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "consuming-rotated-secrets.md"
ROTATIONS = 12
INTERVAL_S = 2.0  # between the starts of two rounds of rotations (each secret once a round)
CACHE_S = 1  # secret_refresh_interval: the library refreshes after a random 0.5 to 1 times it
NEVER_S = 3600  # a cache that does not refresh during the test
LOGIN_EVERY_S = 0.04


@dataclass
class TimedInvoker(Invoker):
    """The service's invoker, with the strategy each secret's function would have and the time
    each step ends (``ends[(arn, token, step)]``).

    Two secrets with different strategies share one in-process "function": the strategy comes
    from ROTATION_STRATEGY, read at each invocation, so it is set before each step. The step runs
    without moto's lock (the service answers the applications meanwhile); the rotator's calls
    back to moto take it like every other request.
    """

    strategies: dict[str, str] = field(default_factory=dict)
    ends: dict[tuple[str, str, str], float] = field(default_factory=dict)

    def __call__(self, secret: Any, lambda_arn: str, step: str, token: str) -> str | None:
        os.environ["ROTATION_STRATEGY"] = self.strategies[secret.arn]
        with MOTO_LOCK.released():
            outcome = super().__call__(secret, lambda_arn, step, token)
        self.ends[(secret.arn, token, step)] = time.monotonic()
        return outcome


@pytest.fixture
def invoker(monkeypatch: pytest.MonkeyPatch) -> TimedInvoker:
    monkeypatch.setenv("ROTATION_STRATEGY", "generic")  # restored after the test
    original = BotocoreStubber.__call__

    def one_request_at_a_time(self: Any, *args: Any, **kwargs: Any) -> Any:
        with MOTO_LOCK.held():
            return original(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", one_request_at_a_time)
    return TimedInvoker()


@dataclass
class Attempt:
    at: float
    ok: bool


@dataclass
class App:
    """One application: logs in, runs a query, logs out, again and again until told to stop."""

    name: str
    connect: Callable[[], Any]
    refused: Callable[[BaseException], bool]
    attempts: list[Attempt] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    users: set[str] = field(default_factory=set)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            at = time.monotonic()
            try:
                connection = self.connect()
                try:
                    ((user,),) = connection.run("SELECT current_user")
                finally:
                    connection.close()
            except Exception as error:  # noqa: BLE001  anything but a refusal fails the test
                if self.refused(error):
                    self.attempts.append(Attempt(at, ok=False))
                else:
                    self.errors.append(f"{type(error).__name__}: {error}")
            else:
                self.attempts.append(Attempt(at, ok=True))
                self.users.add(str(user))
            stop.wait(LOGIN_EVERY_S)

    @property
    def failed(self) -> int:
        return sum(1 for a in self.attempts if not a.ok)

    def failure_windows(self) -> list[float]:
        """Seconds from each run of failed logins' first failure to the next success."""
        windows, started = [], None
        for attempt in self.attempts:
            if not attempt.ok and started is None:
                started = attempt.at
            elif attempt.ok and started is not None:
                windows.append(attempt.at - started)
                started = None
        return windows


@dataclass
class Measured:
    apps: dict[str, App]
    rotations: dict[str, list[str]]  # secret ARN -> tokens, in order
    set_to_finish_s: list[float]  # single-user: setSecret's end to finishSecret's end
    retried: int  # the recipe's logins refused with the cached value, then retried


def _figures(measured: Measured) -> str:
    lines = [f"{ROTATIONS} rotations per secret, {INTERVAL_S} s apart; logins every "]
    lines[0] += f"{LOGIN_EVERY_S * 1000:.0f} ms; cache lifetime {CACHE_S} s"
    for app in measured.apps.values():
        windows = [w * 1000 for w in app.failure_windows()]
        line = f"  {app.name}: {len(app.attempts)} logins, {app.failed} failed"
        if windows:
            line += (
                f", {len(windows)} failure windows, median {statistics.median(windows):.0f} ms,"
                f" max {max(windows):.0f} ms"
            )
        lines.append(line)
    gaps = [g * 1000 for g in measured.set_to_finish_s]
    lines.append(
        f"  single-user setSecret end to finishSecret end: median "
        f"{statistics.median(gaps):.0f} ms, max {max(gaps):.0f} ms"
    )
    lines.append(f"  retry recipe: {measured.retried} logins refused first, then retried")
    return "\n".join(lines)


@pytest.fixture
def measured(
    *,
    pg: PgServer,
    service: Service,
    invoker: TimedInvoker,
    aws_session: Any,
    make_user: Callable[..., DbUser],
    ca_bundle: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Measured:
    del ca_bundle  # the rotator verifies the server's certificate, as the applications do
    master = make_user(attributes="LOGIN CREATEROLE")
    master_arn = service.create("consumers/master", json.dumps(master.secret(pg)))
    # The one master the function may use (modules/rotation-function: master_secret_arns).
    monkeypatch.setenv("MASTER_SECRET_ARNS", master_arn)
    multi_arn = service.create(
        "consumers/multi", json.dumps(make_user().secret(pg, masterarn=master_arn))
    )
    single_arn = service.create("consumers/single", json.dumps(make_user().secret(pg)))
    invoker.strategies.update(
        {multi_arn: "postgres-multi-user", single_arn: "postgres-single-user"}
    )

    # The page's code, as it stands there, in one namespace per application.
    plain = snippet(DOC, "plain-cache").code
    retry = snippet(DOC, "retry-on-refused-login").code
    context = ssl.create_default_context(cafile=str(pg.ca_file))

    namespaces: list[dict[str, Any]] = []

    def application(secret_id: str, lifetime: int, *, with_retry: bool) -> Callable[[], Any]:
        namespace: dict[str, Any] = {"__name__": "consumer"}
        namespaces.append(namespace)
        exec(plain, namespace)  # noqa: S102  the documented code, run as documented
        namespace["SSL_CONTEXT"] = context  # the test server's CA
        client = aws_session.client("secretsmanager")
        cache = namespace["SecretCache"](
            namespace["SecretCacheConfig"](secret_refresh_interval=lifetime), client
        )
        if not with_retry:
            namespace["cache"] = cache
            return lambda: namespace["connect"](secret_id)
        exec(retry, namespace)  # noqa: S102
        namespace["credentials"] = namespace["RotatingCredentials"](cache, client, secret_id)
        connect: Callable[[], Any] = namespace["credentials"].connect
        return connect

    connect_multi = application(multi_arn, CACHE_S, with_retry=False)
    connect_stale = application(multi_arn, NEVER_S, with_retry=False)
    connect_single = application(single_arn, CACHE_S, with_retry=False)
    connect_retry = application(single_arn, CACHE_S, with_retry=True)
    recipe = namespaces[-1]
    refused = recipe["login_refused"]
    apps = {
        "multi": App(f"multi-user, cache {CACHE_S} s", connect_multi, refused),
        "stale": App("multi-user, cache never refreshed", connect_stale, refused),
        "single": App(f"single-user, cache {CACHE_S} s", connect_single, refused),
        "retry": App(f"single-user, cache {CACHE_S} s, retry recipe", connect_retry, refused),
    }

    stop = threading.Event()
    threads = [threading.Thread(target=a.run, args=(stop,), name=k) for k, a in apps.items()]
    for thread in threads:
        thread.start()
    rotations: dict[str, list[str]] = {multi_arn: [], single_arn: []}
    try:
        time.sleep(INTERVAL_S / 2)  # every application logged in before the first rotation
        for _ in range(ROTATIONS):
            started = time.monotonic()
            for arn, tokens in rotations.items():
                tokens.append(service.rotate(arn))
            time.sleep(max(0.0, started + INTERVAL_S - time.monotonic()))
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    gaps = [
        invoker.ends[(single_arn, token, "finishSecret")]
        - invoker.ends[(single_arn, token, "setSecret")]
        for token in rotations[single_arn]
    ]
    result = Measured(apps, rotations, gaps, recipe["credentials"].refused)
    print("\n" + _figures(result))  # the figures the page quotes (pytest -s)
    return result


def test_applications_follow_a_dozen_rotations_as_the_page_says(measured: Measured) -> None:
    apps = measured.apps
    for app in apps.values():
        assert app.errors == [], f"{app.name}: errors other than a refused login: {app.errors}"
        # Each application kept logging in throughout (a few logins a round at least, on a busy
        # machine; about INTERVAL_S / LOGIN_EVERY_S on an idle one).
        assert len(app.attempts) >= ROTATIONS * 3, f"{app.name}: {len(app.attempts)} logins"
    assert all(len(tokens) == ROTATIONS for tokens in measured.rotations.values())

    # Multi-user, cache lifetime below the interval: the previous user works for a whole
    # interval, so the cached value always logs in; and the application followed the rotations
    # (it logged in as both users).
    assert apps["multi"].failed == 0
    assert len(apps["multi"].users) == 2, apps["multi"].users

    # The same secret through a cache that never refreshes: the second rotation changes the
    # cached user's password, and every later login fails.
    assert apps["stale"].failed > 0
    assert apps["stale"].attempts[-1].ok is False

    # Single-user, cache only: each rotation invalidates the cached password at once.
    assert apps["single"].failed > 0

    # Single-user with the retry recipe: a refused login reads past the cache and retries. The
    # retries happened (the cached value was refused), and none of them failed.
    assert measured.retried > 0
    assert apps["retry"].failed == 0
