"""PostgreSQL strategy figures: driver import, login latency, rotation time, logins per rotation.

Starts a throwaway PostgreSQL 15 (tests/postgres/pgserver.py: initdb, loopback, scram-sha-256,
TLS) and rotates in process on moto under the sandbox's Secrets Manager rules (rotation_testing),
as bench/rotator.py does. Numbers, not pass/fail.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROTATIONS = 10
LOGINS = 20
IMPORT_RUNS = 5


def _cold_import_ms(runs: int) -> float:
    code = (
        "import time; t = time.perf_counter(); import rotator.strategies.postgres, pg8000.native; "
        "print((time.perf_counter() - t) * 1000)"
    )
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(samples)


def _verifier_ms(runs: int) -> float:
    """One SCRAM-SHA-256 verifier (PBKDF2, 4096 iterations): what setSecret adds per password."""
    from rotator.strategies.postgres import database  # noqa: PLC0415

    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        database.scram_verifier("bench-password-0123456789abcdefghij")
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _login_ms(pg: Any, user: Any, *, ssl: bool, runs: int) -> float:
    from rotator.logs import StepLog  # noqa: PLC0415
    from rotator.strategies.postgres import database  # noqa: PLC0415
    from rotator.strategies.postgres.secret import parse_secret  # noqa: PLC0415

    secret = parse_secret(json.dumps(user.secret(pg, ssl=ssl)), label="bench")
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        session = database.login(secret, credentials="bench", log=StepLog())
        samples.append((time.perf_counter() - started) * 1000)
        session.close()
    return statistics.median(samples)


def _rotations(
    pg: Any, make: Callable[..., Any], strategy: str, rotations: int
) -> tuple[float, Counter[str]]:
    import boto3  # noqa: PLC0415

    from rotation_testing.testbed import (  # noqa: PLC0415
        Invoker,
        Service,
        create_rotation_function,
        in_process_service,
    )
    from rotator.strategies.postgres import database  # noqa: PLC0415

    os.environ["ROTATION_STRATEGY"] = strategy
    logins: Counter[str] = Counter()
    original_login = database.login

    def counting_login(secret: Any, *, credentials: str, log: Any, **more: Any) -> Any:
        logins[credentials.split(" ", 1)[0]] += 1
        return original_login(secret, credentials=credentials, log=log, **more)

    database.login = counting_login  # type: ignore[assignment]
    session = boto3.Session(region_name="us-east-1")
    invoker = Invoker()
    try:
        with in_process_service(invoker, session):
            function = create_rotation_function(session.client("iam"), session.client("lambda"))
            sm = session.client("secretsmanager")
            service = Service(sm=sm, function_arn=function, invoker=invoker)
            extra: dict[str, Any] = {"ssl": False}
            if strategy == "postgres-multi-user":
                master = make(attributes="LOGIN CREATEROLE")
                extra["masterarn"] = service.create(
                    f"master-{master.name}", json.dumps(master.secret(pg))
                )
                # The one master this function may use (modules/rotation-function sets it).
                os.environ["MASTER_SECRET_ARNS"] = extra["masterarn"]
            user = make()
            arn = service.create(f"bench-{user.name}", json.dumps(user.secret(pg, **extra)))
            service.rotate(arn)  # the first pays for the client's model and, multi-user, the clone
            logins.clear()
            durations = []
            for _ in range(rotations):
                started = time.perf_counter()
                service.rotate(arn)  # raises if a step failed
                durations.append((time.perf_counter() - started) * 1000)
    finally:
        database.login = original_login  # type: ignore[assignment]
    per_rotation = Counter({k: v // rotations for k, v in logins.items()})
    return statistics.median(durations), per_rotation


def main(quick: bool = False) -> None:
    """quick: one run of each measurement (tests/bench checks that the benchmark runs)."""
    runs, samples, rotations = (1, 1, 1) if quick else (IMPORT_RUNS, LOGINS, ROTATIONS)
    sys.path.insert(0, str(ROOT / "tests"))  # loopback_port, which the server helper imports
    sys.path.insert(0, str(ROOT / "tests" / "postgres"))
    from pgserver import DbUser, start_server  # noqa: PLC0415

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ["LOG_LEVEL"] = "WARNING"
    import_ms = _cold_import_ms(runs)
    verifier_ms = _verifier_ms(samples)
    pg, base = start_server()
    try:
        os.environ["PG_CA_BUNDLE"] = str(pg.ca_file)
        counter = iter(range(1, 10_000))

        def make(attributes: str = "LOGIN") -> DbUser:
            number = next(counter)
            user = DbUser(f"bench{number}", f"bench-pw-{number}")
            pg.create_role(user.name, user.password, attributes=attributes)
            return user

        probe = make()
        plain_ms = _login_ms(pg, probe, ssl=False, runs=samples)
        tls_ms = _login_ms(pg, probe, ssl=True, runs=samples)
        single_ms, single_logins = _rotations(pg, make, "postgres-single-user", rotations)
        multi_ms, multi_logins = _rotations(pg, make, "postgres-multi-user", rotations)
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)

    print("== postgres ==")
    print(f"cold import of the strategies + pg8000: {import_ms:.1f} ms (median of {runs})")
    print(
        f"SCRAM-SHA-256 verifier computed in the function (4096 iterations): {verifier_ms:.2f} ms "
        f"(median of {samples}), once per password set"
    )
    print(f"login, scram-sha-256, loopback, no TLS: {plain_ms:.1f} ms (median of {samples})")
    print(f"login, scram-sha-256, loopback, TLS verify-full: {tls_ms:.1f} ms (median of {samples})")
    for name, ms, logins in (
        ("postgres-single-user", single_ms, single_logins),
        ("postgres-multi-user", multi_ms, multi_logins),
    ):
        detail = ", ".join(f"{k} {v}" for k, v in sorted(logins.items()))
        print(f"{name}: one rotation in moto + PostgreSQL {ms:.1f} ms (median of {rotations})")
        print(f"  database logins per rotation: {sum(logins.values())} ({detail})")


if __name__ == "__main__":
    main()
