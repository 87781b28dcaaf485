"""rotation-doctor on 1,000 secrets of one function, on the sandbox (issue 24: well under a minute).

The stack is built with the API rather than Terraform (applying 1,000 secrets takes minutes):
the shape of examples/many-secrets, i.e. one function whose role grants secrets under a name
prefix that carry the enrolment tag, one account-wide invoke permission, and 1,000 secrets with
rotation on. The function is a stand-in that accepts every step (the doctor reads its
configuration; it never runs it). Prints the time of one doctor run over all of them by
``--prefix``, the AWS calls it made by operation, and how many secrets failed a check (0 expected).
"""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from unittest import mock

import boto3
from botocore.client import BaseClient

from sandbox.server import Sandbox

SECRETS = int(os.environ.get("BENCH_DOCTOR_SECRETS", "1000"))
REGION = "us-east-1"
ACCOUNT = "123456789012"
PREFIX = "bench/doctor/"
FUNCTION = "bench-doctor-rotation"
TAG_KEY = "rotation-function"
ACTIONS = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
]


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def build(clients: Any) -> None:
    iam, functions, secrets = clients("iam"), clients("lambda"), clients("secretsmanager")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=FUNCTION, AssumeRolePolicyDocument=json.dumps(trust))
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ACTIONS,
                "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{PREFIX}*",
                "Condition": {"StringEquals": {f"aws:ResourceTag/{TAG_KEY}": FUNCTION}},
            }
        ],
    }
    iam.put_role_policy(
        RoleName=FUNCTION, PolicyName="rotation-function", PolicyDocument=json.dumps(policy)
    )
    arn = functions.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": _zip("def handler(event, context):\n    return None\n")},
    )["FunctionArn"]
    functions.add_permission(
        FunctionName=FUNCTION,
        StatementId="SecretsManagerRotation",
        Action="lambda:InvokeFunction",
        Principal="secretsmanager.amazonaws.com",
        SourceAccount=ACCOUNT,
    )

    def one(index: int) -> None:
        name = f"{PREFIX}{index:04d}"
        secrets.create_secret(
            Name=name,
            SecretString=json.dumps({"api_key": "bench"}),
            Tags=[{"Key": TAG_KEY, "Value": FUNCTION}],
        )
        # RotateImmediately=false: the service runs only testSecret (the stand-in accepts it).
        secrets.rotate_secret(
            SecretId=name,
            RotationLambdaARN=arn,
            RotationRules={"ScheduleExpression": "rate(30 days)"},
            RotateImmediately=False,
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(SECRETS)))


def main() -> None:
    print(f"\n== rotation-doctor: {SECRETS} secrets of one function, on the sandbox ==")
    from rotation_doctor.cli import main as doctor  # noqa: PLC0415

    with Sandbox() as sandbox:
        env = sandbox.aws_env()

        def clients(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=sandbox.endpoint,
                region_name=REGION,
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            )

        started = time.monotonic()
        build(clients)
        # The last rotation the stand-in runs finishes after the others (one worker, in order).
        for index in range(SECRETS):
            sandbox.wait_for_rotation(f"{PREFIX}{index:04d}", timeout=600)
        print(f"  setup (API, not timed below)      {time.monotonic() - started:7.1f} s")

        calls: Counter[str] = Counter()
        original = BaseClient._make_api_call

        def counting(client: Any, operation: str, params: Any) -> Any:
            calls[operation] += 1
            return original(client, operation, params)

        out, err = io.StringIO(), io.StringIO()
        with (
            mock.patch.dict(os.environ, env),
            mock.patch.object(BaseClient, "_make_api_call", counting),
        ):
            started = time.monotonic()
            code = doctor(["--json", "--prefix", PREFIX, "--region", REGION], out=out, err=err)
            elapsed = time.monotonic() - started
        if code == 2:
            print(f"  the doctor could not run: {err.getvalue().strip()}")
            return
        document = json.loads(out.getvalue())
        failed = [s["name"] for s in document["secrets"] if not s["ok"]]
        print(f"  doctor, {len(document['secrets'])} secrets by --prefix  {elapsed:7.1f} s")
        print(f"  AWS calls                         {sum(calls.values()):7d}")
        for operation, count in sorted(calls.items()):
            print(f"    {operation:<30} {count:7d}")
        print(f"  secrets failing a check           {len(failed):7d}")
        print(f"  load average (1 min)              {os.getloadavg()[0]:7.1f}")


if __name__ == "__main__":
    main()
