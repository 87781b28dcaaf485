"""Rotator figures: Secrets Manager calls per generic rotation, cold import time, rotation time.

Rotations run in process against moto (``mock_aws``), driven by moto's RotateSecret with its Lambda
invocation replaced by a direct call of ``rotator.handler.lambda_handler``, as in tests/rotator.
Calls are counted on the rotator's own client (``before-call``: once per API call, retries not
counted again). Numbers, not pass/fail.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

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


@contextmanager
def _moto_service() -> Iterator[Callable[[str], None]]:
    """moto with the rotator as its rotation function; yields rotate(secret_id)."""
    import boto3  # noqa: PLC0415  imported after the cold-import measurement
    from moto import mock_aws  # noqa: PLC0415
    from moto.awslambda.models import LambdaFunction  # noqa: PLC0415
    from moto.secretsmanager.models import SecretsManagerBackend  # noqa: PLC0415

    from rotator import handler  # noqa: PLC0415

    original_rotate = SecretsManagerBackend.rotate_secret

    def rotate_and_clear_pending(self: Any, secret_id: str, *args: Any, **kwargs: Any) -> Any:
        # The service removes AWSPENDING after a successful rotation; moto does not.
        result = original_rotate(self, secret_id, *args, **kwargs)
        for version in self.secrets[secret_id].versions.values():
            if {"AWSCURRENT", "AWSPENDING"} <= set(version["version_stages"]):
                version["version_stages"].remove("AWSPENDING")
        return result

    def invoke(_function: Any, event: Any = None) -> tuple[str, bool, str]:
        handler.lambda_handler(event, None)
        return "", False, ""

    with (
        mock_aws(),
        mock.patch.object(LambdaFunction, "_invoke_lambda", invoke),
        mock.patch.object(SecretsManagerBackend, "rotate_secret", rotate_and_clear_pending),
    ):
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("rotator/__init__.py", "")
        function = boto3.client("lambda", region_name="us-east-1").create_function(
            FunctionName="rotator",
            Runtime="python3.12",
            Role=role,
            Handler="rotator.handler.lambda_handler",
            Code={"ZipFile": archive.getvalue()},
        )["FunctionArn"]
        sm = boto3.client("secretsmanager", region_name="us-east-1")

        def rotate(secret_id: str) -> None:
            sm.rotate_secret(
                SecretId=secret_id,
                ClientRequestToken=str(uuid.uuid4()),
                RotationLambdaARN=function,
                RotationRules={"AutomaticallyAfterDays": 30},
            )

        yield rotate


def _calls_and_timing() -> tuple[Counter[str], list[float]]:
    from rotator import secret_store  # noqa: PLC0415

    with _moto_service() as rotate:
        import boto3  # noqa: PLC0415

        sm = boto3.client("secretsmanager", region_name="us-east-1")
        client = secret_store.make_client()
        secret_store.set_client(client)
        calls: list[str] = []
        client.meta.events.register(
            "before-call.secrets-manager",
            lambda event_name, **_: calls.append(event_name.rsplit(".", 1)[-1]),
        )
        arn = sm.create_secret(Name="bench", SecretString=json.dumps(SECRET))["ARN"]
        rotate(arn)  # the first rotation also pays for loading the client's service model
        first = Counter(calls)
        durations = []
        for _ in range(ROTATIONS):
            started = time.perf_counter()
            rotate(arn)
            durations.append((time.perf_counter() - started) * 1000)
        secret_store.set_client(None)
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
        f"one full rotation in moto (RotateSecret + 4 steps): "
        f"{statistics.median(durations):.1f} ms median of {ROTATIONS}"
    )


if __name__ == "__main__":
    main()
