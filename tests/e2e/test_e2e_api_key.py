"""examples/api-key on the sandbox: apply, rotate, plan shows nothing, failures, IAM, destroy.

The tests share one apply and run in file order; the last one destroys the stack.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from e2e_support import AppliedStack, fingerprint

pytestmark = pytest.mark.e2e

INITIAL_VALUE = {"client_id": "orders-service", "api_key": "replaced-by-the-first-rotation"}
LOGS_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup"}


@pytest.fixture(scope="module")
def after_apply(api_key: AppliedStack) -> dict[str, Any]:
    """The secret as the apply left it, before any other test touches it."""
    arn = api_key.outputs["secret_arn"]
    return {
        "stages": api_key.stages(arn),
        "previous": api_key.value(arn, "AWSPREVIOUS"),
        "current": api_key.value(arn),
    }


def test_initial_value_is_previous_after_the_first_rotation(after_apply: dict[str, Any]) -> None:
    labels = sorted(tuple(sorted(s)) for s in after_apply["stages"].values())
    # The initial version keeps its own label, so version housekeeping never deletes it.
    assert labels == [("AWSCURRENT",), ("AWSPREVIOUS", "terraform-initial")]
    assert json.loads(after_apply["previous"]) == INITIAL_VALUE
    current = json.loads(after_apply["current"])
    assert sorted(current) == ["api_key", "client_id"]
    assert current["client_id"] == "orders-service"
    # The example's password policy: 40 characters, letters and digits only.
    assert len(current["api_key"]) == 40
    assert current["api_key"].isalnum()


def test_second_rotation_moves_current_to_a_new_value(api_key: AppliedStack) -> None:
    arn = api_key.outputs["secret_arn"]
    current = api_key.version_with(arn, "AWSCURRENT")
    old_value = fingerprint(api_key.value(arn))
    response = api_key.rotate(arn)
    assert api_key.version_with(arn, "AWSCURRENT") == response["VersionId"] != current
    assert api_key.version_with(arn, "AWSPREVIOUS") == current
    assert api_key.version_with(arn, "AWSPENDING") is None
    assert fingerprint(api_key.value(arn)) != old_value


def test_plan_shows_no_changes_after_rotations(api_key: AppliedStack) -> None:
    code, text = api_key.stack.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after rotation:\n{text}"


@pytest.mark.parametrize("step", ["createSecret", "setSecret", "testSecret", "finishSecret"])
def test_failed_step_keeps_current_and_next_rotation_completes(
    api_key: AppliedStack, step: str
) -> None:
    arn = api_key.outputs["secret_arn"]
    function = api_key.outputs["rotation_function_name"]
    current = api_key.version_with(arn, "AWSCURRENT")
    value = fingerprint(api_key.value(arn))
    api_key.sandbox.inject_fault(function, step, f"injected: {step} failed")
    with pytest.raises(ClientError) as failure:
        api_key.rotate(arn)
    assert failure.value.response["Error"]["Code"] == "RotationFailedException"
    assert f"failed at step {step}" in str(failure.value)
    assert f"injected: {step} failed" in str(failure.value)
    assert api_key.version_with(arn, "AWSCURRENT") == current
    assert fingerprint(api_key.value(arn)) == value

    api_key.rotate(arn)
    assert api_key.version_with(arn, "AWSCURRENT") != current
    assert api_key.version_with(arn, "AWSPENDING") is None
    assert fingerprint(api_key.value(arn, "AWSPREVIOUS")) == value


# --- IAM mutation: every permission in the shipped policy is needed, and it is sufficient -------


def role_name(api_key: AppliedStack) -> str:
    return str(api_key.outputs["rotation_role_arn"]).rsplit("/", 1)[-1]


def shipped_policies(api_key: AppliedStack) -> dict[str, dict[str, Any]]:
    iam = api_key.client("iam")
    role = role_name(api_key)
    policies = {}
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        policies[name] = json.loads(document) if isinstance(document, str) else document
    assert not iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    return policies


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def actions_of(statement: dict[str, Any]) -> list[str]:
    found = statement["Action"]
    return found if isinstance(found, list) else [found]


def without_action(document: dict[str, Any], index: int, action: str) -> dict[str, Any]:
    mutated = copy.deepcopy(document)
    statement = statements(mutated)[index]
    statement["Action"] = [a for a in actions_of(statement) if a != action]
    if not statement["Action"]:
        mutated["Statement"] = [s for i, s in enumerate(statements(mutated)) if i != index]
    return mutated


def mutations(api_key: AppliedStack) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(policy name, removed action, mutated document) for every action of every statement."""
    for name, document in shipped_policies(api_key).items():
        for index, statement in enumerate(statements(document)):
            for action in actions_of(statement):
                yield name, action, without_action(document, index, action)


def test_shipped_policy_grants_exactly_these_actions(api_key: AppliedStack) -> None:
    actions = {action for _, action, _ in mutations(api_key)}
    assert actions == {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }


def test_every_action_in_the_shipped_policy_is_needed(api_key: AppliedStack) -> None:
    arn = api_key.outputs["secret_arn"]
    group = api_key.outputs["rotation_log_group_name"]
    iam = api_key.client("iam")
    role = role_name(api_key)
    shipped = shipped_policies(api_key)
    outcomes: dict[str, str] = {}
    for name, action, mutated in mutations(api_key):
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(mutated))
        events_before = api_key.log_event_count(group)
        try:
            api_key.rotate(arn)
        except ClientError as error:
            denied = "AccessDenied" in str(error) and action in str(error)
            outcomes[action] = "denied" if denied else f"failed otherwise: {error}"
        else:
            # Lambda writes logs with the role's permissions: without them the rotation
            # succeeds and its output is lost, which is what the logs actions are needed for.
            lost = api_key.log_event_count(group) == events_before
            outcomes[action] = "logs lost" if lost else "succeeded"
        finally:
            iam.put_role_policy(
                RoleName=role, PolicyName=name, PolicyDocument=json.dumps(shipped[name])
            )
    expected = {action: "logs lost" if action in LOGS_ACTIONS else "denied" for action in outcomes}
    assert outcomes == expected


def test_shipped_policy_is_sufficient(api_key: AppliedStack) -> None:
    arn = api_key.outputs["secret_arn"]
    group = api_key.outputs["rotation_log_group_name"]
    events_before = api_key.log_event_count(group)
    current = api_key.version_with(arn, "AWSCURRENT")
    api_key.rotate(arn)  # also completes any rotation a denied step left pending
    api_key.rotate(arn)
    assert api_key.version_with(arn, "AWSCURRENT") != current
    assert api_key.version_with(arn, "AWSPENDING") is None
    assert api_key.log_event_count(group) > events_before


def test_policy_scoped_to_another_secret_is_denied(api_key: AppliedStack) -> None:
    arn = api_key.outputs["secret_arn"]
    other = api_key.client("secretsmanager").create_secret(
        Name="example/orders/other-key", SecretString="{}"
    )["ARN"]
    iam = api_key.client("iam")
    role = role_name(api_key)
    shipped = shipped_policies(api_key)
    current = api_key.version_with(arn, "AWSCURRENT")
    try:
        for name, document in shipped.items():
            mutated = copy.deepcopy(document)
            for statement in statements(mutated):
                resources = statement["Resource"]
                resources = resources if isinstance(resources, list) else [resources]
                statement["Resource"] = [other if r == arn else r for r in resources]
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(mutated))
        with pytest.raises(ClientError, match="AccessDenied"):
            api_key.rotate(arn)
        assert api_key.version_with(arn, "AWSCURRENT") == current
    finally:
        for name, document in shipped.items():
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))
        api_key.client("secretsmanager").delete_secret(
            SecretId=other, ForceDeleteWithoutRecovery=True
        )
    api_key.rotate(arn)  # the shipped policy back: the pending rotation completes
    assert api_key.version_with(arn, "AWSPENDING") is None


# --- last: destroy ------------------------------------------------------------------------------


def test_destroy_leaves_no_secret_function_role_or_log_group(api_key: AppliedStack) -> None:
    arn = api_key.outputs["secret_arn"]
    function = api_key.outputs["rotation_function_name"]
    group = api_key.outputs["rotation_log_group_name"]
    role = role_name(api_key)
    api_key.stack.destroy()

    secrets = api_key.client("secretsmanager").list_secrets()["SecretList"]
    assert arn not in [s["ARN"] for s in secrets]
    functions = api_key.client("lambda").list_functions()["Functions"]
    assert function not in [f["FunctionName"] for f in functions]
    roles = api_key.client("iam").list_roles()["Roles"]
    assert role not in [r["RoleName"] for r in roles]
    groups = api_key.client("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert groups == []
