"""MySQL strategy figures beside PostgreSQL's: driver import, hashing cost, login latency,
rotation time and logins per rotation, on MariaDB 10.11.

Starts a throwaway MariaDB (tests/mysql/mariadbserver.py: loopback, TLS, general and binary logs
on, installed with apt-get where missing and running as root) and rotates through moto's
RotateSecret in process, as bench/postgres.py does. Numbers, not pass/fail.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROTATIONS = 10
LOGINS = 20
HASHES = 20
IMPORT_RUNS = 5


@contextmanager
def rotation_service() -> Iterator[Callable[[str], None]]:
    """RotateSecret through the service model the tests use (rotation_testing), steps in process:
    yields ``rotate(arn)``, which raises if a step failed. bench/postgres.py uses it too."""
    import boto3  # noqa: PLC0415

    from rotation_testing.testbed import (  # noqa: PLC0415
        Invoker,
        Service,
        create_rotation_function,
        in_process_service,
    )

    session = boto3.Session(region_name="us-east-1")
    invoker = Invoker()
    with in_process_service(invoker, session):
        function = create_rotation_function(session.client("iam"), session.client("lambda"))
        service = Service(
            sm=session.client("secretsmanager"), function_arn=function, invoker=invoker
        )

        def rotate(arn: str) -> None:
            service.rotate(arn)

        yield rotate


def _cold_import_ms() -> float:
    code = (
        "import time; t = time.perf_counter(); import rotator.strategies.mysql, pymysql; "
        "print((time.perf_counter() - t) * 1000)"
    )
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
            ).stdout
        )
        for _ in range(IMPORT_RUNS)
    ]
    return statistics.median(samples)


def _hash_ms(plugin: str) -> float:
    from rotator.strategies.mysql import hashing  # noqa: PLC0415

    samples = []
    for _ in range(HASHES):
        started = time.perf_counter()
        hashing.auth_string(plugin, "bench-password-0123456789abcdefghij")
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _login_ms(db: Any, user: Any, *, ssl: bool) -> float:
    from rotator.logs import StepLog  # noqa: PLC0415
    from rotator.strategies.mysql import database  # noqa: PLC0415
    from rotator.strategies.mysql.secret import parse_secret  # noqa: PLC0415

    secret = parse_secret(json.dumps(user.secret(db, ssl=ssl)), label="bench")
    samples = []
    for _ in range(LOGINS):
        started = time.perf_counter()
        session = database.login(secret, credentials="bench", log=StepLog())
        samples.append((time.perf_counter() - started) * 1000)
        session.close()
    return statistics.median(samples)


def _rotations(db: Any, make: Callable[[], Any], strategy: str) -> tuple[float, Counter[str]]:
    from rotator import secret_store  # noqa: PLC0415
    from rotator.strategies.mysql import database  # noqa: PLC0415

    os.environ["ROTATION_STRATEGY"] = strategy
    logins: Counter[str] = Counter()
    original_login = database.login

    def counting_login(secret: Any, *, credentials: str, log: Any) -> Any:
        logins[credentials.split(" ", 1)[0]] += 1
        return original_login(secret, credentials=credentials, log=log)

    database.login = counting_login  # type: ignore[assignment]
    try:
        with rotation_service() as rotate:
            import boto3  # noqa: PLC0415

            sm = boto3.client("secretsmanager", region_name="us-east-1")
            secret_store.set_client(secret_store.make_client())
            extra: dict[str, Any] = {}
            if strategy == "mysql-multi-user":
                from mariadbserver import ADMIN, ADMIN_PASSWORD, DbUser  # noqa: PLC0415

                admin = DbUser(ADMIN, ADMIN_PASSWORD)
                extra["masterarn"] = sm.create_secret(
                    Name=f"master-{strategy}", SecretString=json.dumps(admin.secret(db))
                )["ARN"]
                os.environ["MASTER_SECRET_ARNS"] = extra["masterarn"]
            user = make()
            arn = sm.create_secret(
                Name=f"bench-{user.name}", SecretString=json.dumps(user.secret(db, **extra))
            )["ARN"]
            rotate(arn)  # the first pays for the client's model and, multi-user, the clone
            logins.clear()
            durations = []
            for _ in range(ROTATIONS):
                started = time.perf_counter()
                rotate(arn)
                durations.append((time.perf_counter() - started) * 1000)
            secret_store.set_client(None)
    finally:
        database.login = original_login  # type: ignore[assignment]
    per_rotation = Counter({k: v // ROTATIONS for k, v in logins.items()})
    return statistics.median(durations), per_rotation


def main(quick: bool = False) -> None:
    """quick: one run of each measurement (tests/bench checks that the benchmark runs)."""
    global IMPORT_RUNS, HASHES, LOGINS, ROTATIONS  # noqa: PLW0603  the sizes every helper reads
    if quick:
        IMPORT_RUNS = HASHES = LOGINS = ROTATIONS = 1
    sys.path.insert(0, str(ROOT / "tests"))  # loopback_port, which the server helper imports
    sys.path.insert(0, str(ROOT / "tests" / "mysql"))
    from mariadbserver import DbUser, start_server  # noqa: PLC0415

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ["LOG_LEVEL"] = "WARNING"
    import_ms = _cold_import_ms()
    native_ms = _hash_ms("mysql_native_password")
    sha2_ms = _hash_ms("caching_sha2_password")
    db, base = start_server()
    try:
        os.environ["PG_CA_BUNDLE"] = str(db.ca_file)
        counter = iter(range(1, 10_000))

        def make() -> DbUser:
            number = next(counter)
            user = DbUser(f"bench{number}", f"bench-pw-{number}")
            db.create_user(user.name, user.password)
            return user

        probe = make()
        plain_ms = _login_ms(db, probe, ssl=False)
        tls_ms = _login_ms(db, probe, ssl=True)
        single_ms, single_logins = _rotations(db, make, "mysql-single-user")
        multi_ms, multi_logins = _rotations(db, make, "mysql-multi-user")
        version = db.sql("SELECT VERSION()")[0][0]
    finally:
        db.stop()
        shutil.rmtree(base, ignore_errors=True)

    print(f"== mysql (MariaDB {version}) ==")
    print(f"cold import of the strategies + PyMySQL: {import_ms:.1f} ms (median of {IMPORT_RUNS})")
    print(
        f"hash computed in the function, once per password set: mysql_native_password "
        f"{native_ms:.3f} ms, caching_sha2_password (SHA-256 crypt, 5000 rounds, pure Python) "
        f"{sha2_ms:.1f} ms (medians of {HASHES})"
    )
    print(f"login, mysql_native_password, loopback, no TLS: {plain_ms:.1f} ms (median of {LOGINS})")
    print(f"login, mysql_native_password, loopback, TLS verified: {tls_ms:.1f} ms")
    for name, ms, logins in (
        ("mysql-single-user", single_ms, single_logins),
        ("mysql-multi-user", multi_ms, multi_logins),
    ):
        detail = ", ".join(f"{k} {v}" for k, v in sorted(logins.items()))
        print(f"{name}: one rotation in moto + MariaDB {ms:.1f} ms (median of {ROTATIONS})")
        print(f"  database logins per rotation: {sum(logins.values())} ({detail})")


if __name__ == "__main__":
    main()
