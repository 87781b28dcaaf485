"""Fixtures for the sandbox's own tests: one sandbox process for them all, hand-made functions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from sandbox_helpers import (
    LAMBDA_TRUST,
    LOGS_STATEMENT,
    ROTATION_HANDLER,
    Inspect,
    make_zip,
    unique,
)

from sandbox.server import Sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture(scope="session")
def aws(sandbox: Sandbox) -> Callable[[str], Any]:
    """boto3 clients for the sandbox, unauthenticated like Terraform's."""
    env = sandbox.aws_env()

    def client(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    return client


@pytest.fixture(scope="session")
def make_function(aws: Callable[[str], Any]) -> Callable[..., dict[str, str]]:
    """Create a role (with the given statements) and a function running ``source``."""

    def create(
        source: str,
        *,
        statements: list[dict[str, Any]] | None = None,
        environment: dict[str, str] | None = None,
        timeout: int = 30,
        layers: list[str] | None = None,
        extra_files: dict[str, str] | None = None,
    ) -> dict[str, str]:
        name = unique("fn")
        iam = aws("iam")
        role_arn = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
        )["Role"]["Arn"]
        policy = {"Version": "2012-10-17", "Statement": statements or [LOGS_STATEMENT]}
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
        function = aws("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role_arn,
            Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": source, **(extra_files or {})})},
            Environment={"Variables": environment or {}},
            Timeout=timeout,
            Layers=layers or [],
        )
        return {"name": name, "arn": function["FunctionArn"], "role": name}

    return create


@pytest.fixture(scope="session")
def rotation_function(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> Callable[..., dict[str, str]]:
    """A protocol-following rotation function allowed on every secret, invocable by the service."""

    def create(
        source: str = ROTATION_HANDLER, statements: list[Any] | None = None
    ) -> dict[str, str]:
        secrets_statement = {
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            "Resource": "*",
        }
        function = make_function(
            source, statements=statements or [secrets_statement, LOGS_STATEMENT]
        )
        aws("lambda").add_permission(
            FunctionName=function["name"],
            StatementId="SecretsManager",
            Action="lambda:InvokeFunction",
            Principal="secretsmanager.amazonaws.com",
            SourceAccount="123456789012",
        )
        return function

    return create


@pytest.fixture(scope="session")
def inspect(aws: Callable[[str], Any]) -> Inspect:
    return Inspect(aws)
