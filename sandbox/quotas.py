"""The size quotas AWS enforces on the policies a growing rotation stack writes; moto enforces none.

A stack that rotates many secrets meets these first: the function role's inline policies, a
managed policy, the number of managed policies on a role, the function's resource policy, a
secret's resource policy. Each rule below names its quota page; the errors carry the service's
codes and the wording the services are known to answer with, so a plan that would fail on AWS
fails the same way here.
"""

from __future__ import annotations

import json
from typing import Any

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, "IAM and AWS STS
# character limits": "Role policy size cannot exceed 10,240 characters" (the aggregate of all
# inline policies of a role), managed policy size 6,144 characters, and "IAM doesn't count white
# space when calculating the size of a policy against these limits". "Managed policies attached to
# an IAM role": 10 by default (adjustable to 20; the sandbox keeps the default).
ROLE_INLINE_POLICIES_MAX_CHARS = 10_240
MANAGED_POLICY_MAX_CHARS = 6_144
MANAGED_POLICIES_PER_ROLE = 10
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: "Function resource-based
# policy: 20 KB".
LAMBDA_RESOURCE_POLICY_MAX_BYTES = 20_480
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html: resource-based
# policy length 20,480 characters (API_PutResourcePolicy: ResourcePolicy, "Maximum length of
# 20480").
SECRET_RESOURCE_POLICY_MAX_CHARS = 20_480


def iam_policy_size(document: str) -> int:
    """A policy's size as IAM counts it: characters other than white space."""
    return sum(1 for character in document if not character.isspace())


def role_inline_policies_size(policies: dict[str, str], name: str, document: str) -> int:
    """The size of a role's inline policies once ``name`` holds ``document`` (replacing any)."""
    others = sum(iam_policy_size(text) for key, text in policies.items() if key != name)
    return others + iam_policy_size(document)


def lambda_policy_size(statements: list[Any]) -> int:
    """The function's resource policy as Lambda stores it (compact JSON), in bytes."""
    policy = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    return len(json.dumps(policy, separators=(",", ":")).encode())


def install() -> None:
    from moto.awslambda import models as lambda_models  # noqa: PLC0415
    from moto.awslambda.exceptions import LambdaClientError  # noqa: PLC0415
    from moto.iam import models as iam_models  # noqa: PLC0415
    from moto.iam.exceptions import LimitExceededException  # noqa: PLC0415
    from moto.secretsmanager import models as sm_models  # noqa: PLC0415
    from moto.secretsmanager.exceptions import SecretsManagerClientError  # noqa: PLC0415

    iam_backend = iam_models.IAMBackend

    original_put_role_policy = iam_backend.put_role_policy

    def put_role_policy(self: Any, role_name: str, policy_name: str, policy_json: str) -> None:
        role = self.get_role(role_name)
        size = role_inline_policies_size(role.policies, policy_name, policy_json)
        if size > ROLE_INLINE_POLICIES_MAX_CHARS:
            raise LimitExceededException(
                f"Maximum policy size of {ROLE_INLINE_POLICIES_MAX_CHARS} bytes exceeded for "
                f"role {role_name}"
            )
        original_put_role_policy(self, role_name, policy_name, policy_json)

    def check_managed_policy_size(document: str) -> None:
        if iam_policy_size(document) > MANAGED_POLICY_MAX_CHARS:
            raise LimitExceededException(
                f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX_CHARS}"
            )

    original_create_policy = iam_backend.create_policy

    def create_policy(
        self: Any, description: str, path: str, policy_document: str, *args: Any, **kwargs: Any
    ) -> Any:
        check_managed_policy_size(policy_document)
        return original_create_policy(self, description, path, policy_document, *args, **kwargs)

    original_create_policy_version = iam_backend.create_policy_version

    def create_policy_version(
        self: Any, policy_arn: str, policy_document: str, set_as_default: bool
    ) -> Any:
        check_managed_policy_size(policy_document)
        return original_create_policy_version(self, policy_arn, policy_document, set_as_default)

    original_attach_role_policy = iam_backend.attach_role_policy

    def attach_role_policy(self: Any, policy_arn: str, role_name: str) -> None:
        attached = self.get_role(role_name).managed_policies
        if policy_arn not in attached and len(attached) >= MANAGED_POLICIES_PER_ROLE:
            raise LimitExceededException(
                f"Cannot exceed quota for PoliciesPerRole: {MANAGED_POLICIES_PER_ROLE}"
            )
        original_attach_role_policy(self, policy_arn, role_name)

    iam_backend.put_role_policy = put_role_policy  # type: ignore[method-assign]
    iam_backend.create_policy = create_policy  # type: ignore[method-assign]
    iam_backend.create_policy_version = create_policy_version  # type: ignore[method-assign]
    iam_backend.attach_role_policy = attach_role_policy  # type: ignore[method-assign]

    lambda_backend = lambda_models.LambdaBackend
    original_add_permission = lambda_backend.add_permission

    def add_permission(self: Any, function_name: str, qualifier: str, raw: str) -> Any:
        function = self.get_function(function_name, qualifier)
        before = list(function.policy.statements)
        statement = original_add_permission(self, function_name, qualifier, raw)
        size = lambda_policy_size(function.policy.statements)
        if size > LAMBDA_RESOURCE_POLICY_MAX_BYTES:
            function.policy.statements[:] = before
            raise LambdaClientError(
                "PolicyLengthExceededException",
                f"The final policy size ({size}) is bigger than the limit "
                f"({LAMBDA_RESOURCE_POLICY_MAX_BYTES}).",
            )
        return statement

    lambda_backend.add_permission = add_permission  # type: ignore[method-assign]

    sm_backend = sm_models.SecretsManagerBackend
    original_put_resource_policy = sm_backend.put_resource_policy

    def put_resource_policy(self: Any, secret_id: str, policy: str) -> tuple[str, str]:
        if len(policy) > SECRET_RESOURCE_POLICY_MAX_CHARS:
            # Length constraints of the request answer as every AWS JSON API does.
            raise SecretsManagerClientError(
                "ValidationException",
                "1 validation error detected: Value at 'resourcePolicy' failed to satisfy "
                "constraint: Member must have length less than or equal to "
                f"{SECRET_RESOURCE_POLICY_MAX_CHARS}",
            )
        return original_put_resource_policy(self, secret_id, policy)

    sm_backend.put_resource_policy = put_resource_policy  # type: ignore[method-assign]
