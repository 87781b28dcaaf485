"""SimulatePrincipalPolicy on the sandbox, answered as IAM's API reference describes it.

https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html and
API_EvaluationResult.html: one EvaluationResult per action, the most restrictive decision across
the resources on top and each resource's own in ResourceSpecificResults; condition keys come only
from ContextEntries (the simulator reads no tags); a permissions boundary limits the role.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import LAMBDA_TRUST, unique

SECRETS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
TAGGED = f"{SECRETS}team/a-AbCdEf"
OTHER = f"{SECRETS}elsewhere/b-AbCdEf"


@pytest.fixture(scope="module")
def role(aws: Callable[[str], Any]) -> str:
    """Reads any secret under team/; writes them only while tagged owner=rotation; never deletes."""
    name = unique("simulated")
    iam = aws("iam")
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))[
        "Role"
    ]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "secretsmanager:DescribeSecret",
                "Resource": f"{SECRETS}team/*",
            },
            {
                "Effect": "Allow",
                "Action": "secretsmanager:PutSecretValue",
                "Resource": f"{SECRETS}team/*",
                "Condition": {"StringEquals": {"aws:ResourceTag/owner": "rotation"}},
            },
            {"Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*"},
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
        ],
    }
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    return arn


def simulate(aws: Callable[[str], Any], role: str, **kwargs: Any) -> dict[str, dict[str, Any]]:
    answer = aws("iam").simulate_principal_policy(PolicySourceArn=role, **kwargs)
    assert answer["IsTruncated"] is False
    return {r["EvalActionName"]: r for r in answer["EvaluationResults"]}


def test_one_result_per_action_with_each_resources_decision(
    aws: Callable[[str], Any], role: str
) -> None:
    results = simulate(
        aws,
        role,
        ActionNames=["secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"],
        ResourceArns=[TAGGED, OTHER],
    )
    assert set(results) == {"secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"}
    describe = results["secretsmanager:DescribeSecret"]
    assert describe["EvalDecision"] == "allowed"
    assert [r["EvalResourceName"] for r in describe["ResourceSpecificResults"]] == [TAGGED, OTHER]
    delete = results["secretsmanager:DeleteSecret"]
    assert delete["EvalDecision"] == "explicitDeny"
    assert {r["EvalResourceDecision"] for r in delete["ResourceSpecificResults"]} == {
        "explicitDeny"
    }
    assert {m["SourcePolicyId"] for m in delete["MatchedStatements"]} == {"inline"}


def test_tag_conditions_count_only_with_context_entries(
    aws: Callable[[str], Any], role: str
) -> None:
    put = "secretsmanager:PutSecretValue"
    # The catch-all Allow is the last statement; a role without it is the case that matters.
    iam = aws("iam")
    name = role.rsplit("/", 1)[-1]
    document = json.loads(json.dumps(iam.get_role_policy(RoleName=name, PolicyName="inline")))
    statements = document["PolicyDocument"]["Statement"][:-1]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="scoped",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    try:
        untagged = simulate(aws, role, ActionNames=[put], ResourceArns=[TAGGED])[put]
        assert untagged["EvalDecision"] == "implicitDeny"
        assert untagged["MissingContextValues"] == ["aws:ResourceTag/owner"]
        tagged = simulate(
            aws,
            role,
            ActionNames=[put],
            ResourceArns=[TAGGED],
            ContextEntries=[
                {
                    "ContextKeyName": "aws:ResourceTag/owner",
                    "ContextKeyValues": ["rotation"],
                    "ContextKeyType": "string",
                }
            ],
        )[put]
        assert tagged["EvalDecision"] == "allowed"
        assert tagged["EvalResourceName"] == TAGGED
    finally:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="inline",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        *statements,
                        {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
                    ],
                }
            ),
        )
        iam.delete_role_policy(RoleName=name, PolicyName="scoped")


def test_a_permissions_boundary_limits_the_decision(aws: Callable[[str], Any], role: str) -> None:
    iam = aws("iam")
    name = role.rsplit("/", 1)[-1]
    boundary = iam.create_policy(
        PolicyName=unique("boundary"),
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "secretsmanager:Describe*", "Resource": "*"}
                ],
            }
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
    try:
        results = simulate(
            aws,
            role,
            ActionNames=["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            ResourceArns=[TAGGED],
        )
    finally:
        iam.delete_role_permissions_boundary(RoleName=name)
    describe = results["secretsmanager:DescribeSecret"]
    get = results["secretsmanager:GetSecretValue"]
    assert describe["EvalDecision"] == "allowed"
    assert describe["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert get["EvalDecision"] == "implicitDeny"
    assert get["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    # Without the boundary the role's own policy allows it.
    again = simulate(aws, role, ActionNames=["secretsmanager:GetSecretValue"])
    assert again["secretsmanager:GetSecretValue"]["EvalDecision"] == "allowed"
    assert "PermissionsBoundaryDecisionDetail" not in again["secretsmanager:GetSecretValue"]


def test_an_unknown_role_is_no_such_entity(aws: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError) as raised:
        aws("iam").simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::123456789012:role/nobody", ActionNames=["s3:GetObject"]
        )
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"
