"""The sandbox refuses what AWS refuses: the size quotas of policies a growing stack writes.

Each test sits on the quota's edge: exactly at the limit is accepted, one character past it is
refused with the service's error code, and the refused write changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import LAMBDA_TRUST, unique

from sandbox.quotas import iam_policy_size

ROLE_INLINE_LIMIT = 10_240  # IAM quotas: "Role policy size cannot exceed 10,240 characters"
MANAGED_LIMIT = 6_144  # IAM quotas: managed policy size
ATTACHED_LIMIT = 10  # IAM quotas: managed policies attached to a role (default)
LAMBDA_POLICY_LIMIT = 20_480  # Lambda quotas: function resource-based policy, 20 KB
SECRET_POLICY_LIMIT = 20_480  # Secrets Manager quotas: resource-based policy length


def policy_of_size(size: int) -> str:
    """A valid IAM policy whose size, white space not counted, is exactly ``size``."""

    def document(padding: int) -> str:
        resource = "arn:aws:s3:::bucket/" + "k" * padding
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}],
        }
        return json.dumps(policy)

    padding = size - iam_policy_size(document(0))
    assert padding >= 0, f"a policy cannot be as small as {size}"
    text = document(padding)
    assert iam_policy_size(text) == size
    return text


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def role(aws: Callable[[str], Any]) -> str:
    name = unique("quota-role")
    aws("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    return name


def test_inline_policies_of_a_role_are_capped_together_white_space_not_counted(
    aws: Callable[[str], Any], role: str
) -> None:
    iam = aws("iam")
    # Far more than 10,240 characters with its white space, 6,000 without.
    first = policy_of_size(6_000).replace("{", "{" + " " * 2_500)
    assert len(first) > ROLE_INLINE_LIMIT
    iam.put_role_policy(RoleName=role, PolicyName="first", PolicyDocument=first)
    # The two together sit exactly on the limit.
    iam.put_role_policy(
        RoleName=role, PolicyName="second", PolicyDocument=policy_of_size(ROLE_INLINE_LIMIT - 6_000)
    )

    code, message = error_of(
        lambda: iam.put_role_policy(
            RoleName=role, PolicyName="third", PolicyDocument=policy_of_size(200)
        )
    )
    assert code == "LimitExceeded"
    assert message == f"Maximum policy size of 10240 bytes exceeded for role {role}"
    assert sorted(iam.list_role_policies(RoleName=role)["PolicyNames"]) == ["first", "second"]

    # Replacing a policy counts its new size instead of the old one.
    iam.put_role_policy(RoleName=role, PolicyName="first", PolicyDocument=policy_of_size(5_000))
    iam.put_role_policy(RoleName=role, PolicyName="third", PolicyDocument=policy_of_size(1_000))


def test_a_managed_policy_is_capped_at_6144_characters(aws: Callable[[str], Any]) -> None:
    iam = aws("iam")
    accepted = iam.create_policy(
        PolicyName=unique("at-limit"), PolicyDocument=policy_of_size(MANAGED_LIMIT)
    )["Policy"]["Arn"]
    name = unique("past-limit")

    code, message = error_of(
        lambda: iam.create_policy(PolicyName=name, PolicyDocument=policy_of_size(MANAGED_LIMIT + 1))
    )
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for PolicySize: 6144")
    assert name not in {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]}

    code, _ = error_of(
        lambda: iam.create_policy_version(
            PolicyArn=accepted, PolicyDocument=policy_of_size(MANAGED_LIMIT + 1)
        )
    )
    assert code == "LimitExceeded"


def test_a_role_takes_ten_managed_policies(aws: Callable[[str], Any], role: str) -> None:
    iam = aws("iam")
    arns = [
        iam.create_policy(PolicyName=unique("p"), PolicyDocument=policy_of_size(200))["Policy"][
            "Arn"
        ]
        for _ in range(ATTACHED_LIMIT + 1)
    ]
    for arn in arns[:ATTACHED_LIMIT]:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    # Attaching one that is already attached is not a new attachment.
    iam.attach_role_policy(RoleName=role, PolicyArn=arns[0])

    code, message = error_of(lambda: iam.attach_role_policy(RoleName=role, PolicyArn=arns[-1]))
    assert (code, message) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10")
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert len(attached) == ATTACHED_LIMIT


def test_a_function_resource_policy_is_capped_at_20_kb(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    lambda_client = aws("lambda")
    function = make_function("def handler(event, context):\n    return None\n")

    def grant(index: int) -> None:
        # One statement per secret, as a per-secret invoke permission writes it.
        lambda_client.add_permission(
            FunctionName=function["name"],
            StatementId=f"SecretsManagerRotation-team-payments-prod-secret-{index:04d}",
            Action="lambda:InvokeFunction",
            Principal="secretsmanager.amazonaws.com",
            SourceAccount="123456789012",
            SourceArn=f"arn:aws:secretsmanager:us-east-1:123456789012:secret:team-payments/prod/secret-{index:04d}-AbCdEf",
        )

    granted = 0
    refused: ClientError | None = None
    while refused is None and granted < 1_000:
        try:
            grant(granted)
            granted += 1
        except ClientError as error:
            refused = error
    assert refused is not None, "1,000 per-secret statements fit in the function's policy"
    error = refused.response["Error"]
    assert error["Code"] == "PolicyLengthExceededException"
    assert error["Message"].endswith("is bigger than the limit (20480).")
    # A few dozen per-secret statements fill it; the refused one is not kept.
    assert 30 <= granted <= 80
    policy = json.loads(lambda_client.get_policy(FunctionName=function["name"])["Policy"])
    assert len(policy["Statement"]) == granted
    assert len(json.dumps(policy, separators=(",", ":"))) <= LAMBDA_POLICY_LIMIT


def test_a_secret_resource_policy_is_capped_at_20480_characters(
    aws: Callable[[str], Any],
) -> None:
    secrets = aws("secretsmanager")
    arn = secrets.create_secret(Name=unique("quota-secret"), SecretString="x")["ARN"]
    readers = [f"arn:aws:iam::123456789012:role/reader-{i:05d}" for i in range(600)]

    def policy(count: int) -> str:
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": readers[:count]},
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": "*",
                    }
                ],
            }
        )

    fits = max(n for n in range(1, 600) if len(policy(n)) <= SECRET_POLICY_LIMIT)
    secrets.put_resource_policy(SecretId=arn, ResourcePolicy=policy(fits))

    code, message = error_of(
        lambda: secrets.put_resource_policy(SecretId=arn, ResourcePolicy=policy(fits + 1))
    )
    assert code == "ValidationException"
    assert "less than or equal to 20480" in message
    kept = json.loads(secrets.get_resource_policy(SecretId=arn)["ResourcePolicy"])
    assert len(kept["Statement"][0]["Principal"]["AWS"]) == fits
