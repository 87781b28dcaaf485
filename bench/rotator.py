"""Rotator figures: Secrets Manager calls per generic rotation, cold import time, rotation time.

Rotations run in process on moto under the sandbox's Secrets Manager rules
(``rotation_testing.secretsmanager.installed``): the one description of the
service that tests/rotator, ``make demo`` and the end-to-end tests use. The steps call
``rotator.handler.lambda_handler`` in process, with the event the service sends. Calls are
counted on the rotator's own client (``before-call``: once per API call, retries not counted
again). Numbers, not pass/fail.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROTATIONS = 20
IMPORT_RUNS = 5
SECRET = {"engine": "postgres", "host": "db", "username": "app", "password": "initial"}


def _cold_import_ms() -> float:
    """Median over fresh interpreters of `import rotator.handler` (the Lambda init phase)."""
    code = (
        "import time; t = time.perf_counter(); import rotator.handler; "
        "print((time.perf_counter() - t) * 1000)"
    )
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout
        )
        for _ in range(IMPORT_RUNS)
    ]
    return statistics.median(samples)


def _first_client_ms() -> float:
    """What the first invocation adds: importing boto3 and creating the client."""
    code = (
        "import time; from rotator import secret_store; t = time.perf_counter(); "
        "secret_store.make_client(); print((time.perf_counter() - t) * 1000)"
    )
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                env=env,
            ).stdout
        )
        for _ in range(IMPORT_RUNS)
    ]
    return statistics.median(samples)


def _calls_and_timing() -> tuple[Counter[str], list[float]]:
    """Rotations through the service model the tests use, the rotator's calls counted."""
    import boto3  # noqa: PLC0415  imported after the cold-import measurement

    from rotation_testing.testbed import (  # noqa: PLC0415
        Invoker,
        Service,
        create_rotation_function,
        in_process_service,
    )
    from rotator import secret_store  # noqa: PLC0415

    session = boto3.Session(region_name="us-east-1")
    invoker = Invoker()
    with in_process_service(invoker, session):
        function = create_rotation_function(session.client("iam"), session.client("lambda"))
        sm = session.client("secretsmanager")
        service = Service(sm=sm, function_arn=function, invoker=invoker)
        calls: list[str] = []
        secret_store.get_client().meta.events.register(
            "before-call.secrets-manager",
            lambda event_name, **_: calls.append(event_name.rsplit(".", 1)[-1]),
        )
        arn = service.create("bench", json.dumps(SECRET))
        service.rotate(arn)  # the first rotation also pays for loading the client's service model
        first = Counter(calls)
        durations = []
        for _ in range(ROTATIONS):
            started = time.perf_counter()
            service.rotate(arn)  # raises if a step failed
            durations.append((time.perf_counter() - started) * 1000)
    return first, durations


def main() -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ["LOG_LEVEL"] = "WARNING"  # keep the per-step log lines out of the figures
    import_ms = _cold_import_ms()
    client_ms = _first_client_ms()
    calls, durations = _calls_and_timing()

    print("== rotator ==")
    print(f"Secrets Manager calls per generic rotation (warm container): {sum(calls.values())}")
    for api, count in sorted(calls.items()):
        print(f"  {api:<26} {count}")
    print("  (testSecret on a container that ran no earlier step: +2, DescribeSecret and")
    print("   GetSecretValue(AWSCURRENT); AWS's template makes 10 in every case)")
    print(f"cold import of rotator.handler: {import_ms:.1f} ms (median of {IMPORT_RUNS})")
    print(f"first invocation, boto3 import + client: {client_ms:.1f} ms (median of {IMPORT_RUNS})")
    print(
        f"one full rotation in process, moto under the sandbox's rules (RotateSecret + 4 steps): "
        f"{statistics.median(durations):.1f} ms median of {ROTATIONS}"
    )


if __name__ == "__main__":
    main()
