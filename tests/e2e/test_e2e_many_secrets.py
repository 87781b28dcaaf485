"""examples/many-secrets on the sandbox: one function rotates every secret."""

from __future__ import annotations

import json

import pytest
from e2e_support import AppliedStack

pytestmark = pytest.mark.e2e


def test_every_secret_is_rotated_by_the_one_function(many_secrets: AppliedStack) -> None:
    function = many_secrets.outputs["rotation_function_name"]
    function_arn = many_secrets.client("lambda").get_function(FunctionName=function)[
        "Configuration"
    ]["FunctionArn"]
    secret_arns: dict[str, str] = many_secrets.outputs["secret_arns"]
    assert len(secret_arns) >= 2
    client = many_secrets.client("secretsmanager")
    for key, arn in secret_arns.items():
        description = client.describe_secret(SecretId=arn)
        assert description["RotationLambdaARN"] == function_arn, key
        labels = sorted(tuple(sorted(s)) for s in description["VersionIdsToStages"].values())
        # The initial version keeps its own label (modules/rotating-secret, "terraform-initial").
        assert labels == [("AWSCURRENT",), ("AWSPREVIOUS", "terraform-initial")], key
        previous = json.loads(many_secrets.value(arn, "AWSPREVIOUS"))
        current = json.loads(many_secrets.value(arn))
        assert previous["api_key"] == "replaced-by-the-first-rotation", key
        assert current["client_id"] == previous["client_id"], key
        assert current["api_key"] != previous["api_key"], key

    rotated = {
        i["function_name"]
        for i in many_secrets.sandbox.invocations()
        if i["step"] == "finishSecret" and not i["errored"]
    }
    assert function in rotated


def test_each_secret_rotates_again_on_demand(many_secrets: AppliedStack) -> None:
    for arn in many_secrets.outputs["secret_arns"].values():
        current = many_secrets.version_with(arn, "AWSCURRENT")
        assert many_secrets.rotate(arn)["outcome"] == "succeeded"
        assert many_secrets.version_with(arn, "AWSPREVIOUS") == current


def test_schedules_survive_without_drift(many_secrets: AppliedStack) -> None:
    code, text = many_secrets.stack.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after rotation:\n{text}"
    rules = many_secrets.client("secretsmanager").describe_secret(
        SecretId=many_secrets.outputs["secret_arns"]["search"]
    )["RotationRules"]
    assert rules == {"ScheduleExpression": "cron(0 3 ? * SUN *)", "Duration": "3h"}


def test_destroy_removes_every_secret(many_secrets: AppliedStack) -> None:
    many_secrets.stack.destroy()
    listed = {s["ARN"] for s in many_secrets.client("secretsmanager").list_secrets()["SecretList"]}
    assert listed.isdisjoint(many_secrets.outputs["secret_arns"].values())
