"""The sandbox's Secrets Manager rules in this process, on moto's mock_aws, with steps injected.

For tests that run a rotation function in process rather than deployed (moto runs Lambda code
only in Docker): the same rules as the sandbox, and moto exactly as before once they are done.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.secretsmanager.models import SecretsManagerBackend
from sandbox_helpers import LAMBDA_TRUST, make_zip

from rotation_testing import secretsmanager

REGION = "us-east-1"


@pytest.fixture
def function_arn() -> Iterator[str]:
    """A function Secrets Manager may invoke, in moto's in-process mock (its code never runs)."""
    with mock_aws():
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="rotation", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
        )["Role"]["Arn"]
        functions = boto3.client("lambda", region_name=REGION)
        arn = functions.create_function(
            FunctionName="rotation",
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": "def handler(event, context):\n    pass\n"})},
        )["FunctionArn"]
        functions.add_permission(
            FunctionName="rotation",
            StatementId="SecretsManager",
            Action="lambda:InvokeFunction",
            Principal="secretsmanager.amazonaws.com",
        )
        yield str(arn)


class Steps:
    """A protocol-following rotation, called in process for each step; fails where told."""

    def __init__(self, fail_at: str | None = None) -> None:
        self.fail_at = fail_at
        self.called: list[str] = []

    def __call__(self, secret: Any, lambda_arn: str, step: str, token: str) -> str | None:
        del lambda_arn
        self.called.append(step)
        if step == self.fail_at:
            return "RuntimeError: injected"
        client = boto3.client("secretsmanager", region_name=REGION)
        if step == "createSecret":
            current = client.get_secret_value(SecretId=secret.arn)["SecretString"]
            client.put_secret_value(
                SecretId=secret.arn,
                ClientRequestToken=token,
                SecretString=current + "+",
                VersionStages=["AWSPENDING"],
            )
        elif step == "finishSecret":
            stages = client.describe_secret(SecretId=secret.arn)["VersionIdsToStages"]
            current = next(v for v, labels in stages.items() if "AWSCURRENT" in labels)
            client.update_secret_version_stage(
                SecretId=secret.arn,
                VersionStage="AWSCURRENT",
                MoveToVersionId=token,
                RemoveFromVersionId=current,
            )
        return None


def test_rotation_runs_injected_steps_after_rotate_secret_answers(function_arn: str) -> None:
    client = boto3.client("secretsmanager", region_name=REGION)
    arn = client.create_secret(Name="in-process", SecretString="v")["ARN"]
    steps = Steps()
    with secretsmanager.installed(steps):
        token = client.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn)["VersionId"]
        rotation = secretsmanager.wait_for_rotation(arn)
        assert rotation is not None
        assert (rotation["outcome"], rotation["token"]) == ("succeeded", token)
        assert steps.called == ["createSecret", "setSecret", "testSecret", "finishSecret"]
        assert client.get_secret_value(SecretId=arn)["SecretString"] == "v+"
        # The service clears AWSPENDING after a successful rotation (moto leaves it).
        stages = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
        assert stages[token] == ["AWSCURRENT"]


def test_failed_step_in_process_follows_the_service_and_moto_comes_back(
    function_arn: str,
) -> None:
    client = boto3.client("secretsmanager", region_name=REGION)
    arn = client.create_secret(Name="in-process-failing", SecretString="v")["ARN"]
    moto_rotate = SecretsManagerBackend.rotate_secret
    with secretsmanager.installed(Steps(fail_at="testSecret")):
        token = client.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn)["VersionId"]
        rotation = secretsmanager.wait_for_rotation(arn)
        assert rotation is not None
        assert (rotation["outcome"], rotation["step"]) == ("failed", "testSecret")
        assert client.get_secret_value(SecretId=arn)["SecretString"] == "v"
        assert "AWSPENDING" in client.describe_secret(SecretId=arn)["VersionIdsToStages"][token]
        with pytest.raises(ClientError, match="previous rotation isn't complete"):
            client.rotate_secret(SecretId=arn)
    assert SecretsManagerBackend.rotate_secret is moto_rotate


def test_a_forked_child_runs_its_rotations_on_a_worker_of_its_own() -> None:
    """A forked child keeps only the forking thread, so the parent's worker is not there.

    mutmut forks every mutant's test run from a process that has already run the tests: without
    a worker of its own, the child's rotations would never run and its tests would hang.
    """

    def started(name: str) -> secretsmanager.Rotation:
        rotation = secretsmanager.Rotation(
            secret_arn=name, secret_name=name, token="token", started_at=0.0
        )
        secretsmanager.ROTATIONS.submit(rotation, lambda: None)
        return rotation

    assert started("before-the-fork").done.wait(5)  # the parent's worker now exists
    pid = os.fork()
    if pid == 0:  # the child: its exit status says whether its rotation ran
        finished = False
        try:
            finished = started("in-the-child").done.wait(5)
        finally:
            os._exit(0 if finished else 1)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0, "the child's rotation never ran"


def test_importing_the_sandbox_leaves_moto_settings_of_this_process_alone() -> None:
    """Only the sandbox's own process loads AWS's managed policies into IAM.

    Every in-process test creates IAM backends; with the policies loaded each takes about 1,000
    policies to build, and the rotator tests ran twice as long once a test file imported
    sandbox.app (which set the switch at import).
    """
    import sandbox.app  # noqa: F401, PLC0415  the import itself is what is checked

    assert "MOTO_IAM_LOAD_MANAGED_POLICIES" not in os.environ
