"""Helpers for the sandbox's own tests (constants, zips, read-only views of sandbox state)."""

from __future__ import annotations

import io
import textwrap
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
LOGS_STATEMENT = {
    "Effect": "Allow",
    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
    "Resource": "*",
}

# A rotation function that follows the protocol, small enough to read in one go. Not the product's
# rotator: these tests are about what the sandbox does around any rotation function.
ROTATION_HANDLER = """
import boto3

client = boto3.client("secretsmanager")


def handler(event, context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    print(f"step={step} token={token}")
    stages = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    if "AWSCURRENT" in stages.get(token, []):
        return
    if step == "createSecret":
        try:
            client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        except client.exceptions.ResourceNotFoundException:
            current = client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
            client.put_secret_value(
                SecretId=arn,
                ClientRequestToken=token,
                SecretString=current["SecretString"] + "+",
                VersionStages=["AWSPENDING"],
            )
    elif step == "testSecret":
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    elif step == "finishSecret":
        current = next(v for v, s in stages.items() if "AWSCURRENT" in s)
        client.update_secret_version_stage(
            SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token,
            RemoveFromVersionId=current,
        )
"""


def make_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, textwrap.dedent(content))
    return buffer.getvalue()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Inspect:
    """Read-only views of sandbox state the tests assert on."""

    def __init__(self, aws: Callable[[str], Any]) -> None:
        self._aws = aws

    def log_messages(self, function_name: str) -> list[str]:
        logs = self._aws("logs")
        group = f"/aws/lambda/{function_name}"
        messages: list[str] = []
        for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
            events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])
            messages += [event["message"] for event in events["events"]]
        return messages

    def stages(self, secret_id: str) -> dict[str, list[str]]:
        result: dict[str, list[str]] = self._aws("secretsmanager").describe_secret(
            SecretId=secret_id
        )["VersionIdsToStages"]
        return result

    def version_with(self, secret_id: str, stage: str) -> str | None:
        return next((v for v, s in self.stages(secret_id).items() if stage in s), None)

    def value(self, secret_id: str, stage: str = "AWSCURRENT") -> str:
        response = self._aws("secretsmanager").get_secret_value(
            SecretId=secret_id, VersionStage=stage
        )
        return str(response["SecretString"])


def rotator_files() -> dict[str, str]:
    """The product's rotator package from this checkout, as zip entries (name -> source)."""
    import rotator  # noqa: PLC0415  only the tests that deploy it need it

    package = Path(rotator.__file__).resolve().parent
    return {
        str(path.relative_to(package.parent)): path.read_text()
        for path in sorted(package.rglob("*.py"))
        if "__pycache__" not in path.parts
    }
