"""Secrets Manager rotation as the service documents it, where moto 5.2.5 differs.

Each patch names moto's behaviour and the service's. The protocol itself:
https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from sandbox import iam

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
SECRETS_MANAGER = "secretsmanager.amazonaws.com"

# The error RotateSecret answers when a step fails. The service runs the steps after answering
# and reports a failed step through the function's logs and the RotationFailed event; the sandbox
# runs them inside the call, so it reports the failure in the answer. The code is the sandbox's
# own (named after the RotationFailed event) because the AWS provider retries
# InvalidRequestException and AccessDeniedException for about a minute and the SDKs retry 5xx:
# a deterministic step failure must fail `terraform apply` at once, with the step and the cause.
ROTATION_FAILED = "RotationFailedException"


def _version_with(secret: Any, stage: str) -> str | None:
    return next(
        (vid for vid, version in secret.versions.items() if stage in version["version_stages"]),
        None,
    )


def _has_value(version: dict[str, Any]) -> bool:
    return "secret_string" in version or "secret_binary" in version


def documented_put_check(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's ``_check_with_existing_secrets_and_versions`` with the service's PutSecretValue rule.

    moto lets PutSecretValue overwrite any AWSPENDING version. The service fills a version only
    while it has no value; with a value, the same data succeeds without change and different data
    fails with ResourceExistsException. The rotator's in-process tests install it too.
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html#SecretsManager-PutSecretValue-request-ClientRequestToken
    """
    from moto.secretsmanager.exceptions import ResourceExistsException  # noqa: PLC0415

    def check(
        self: Any,
        secret_name: str,
        client_request_token: str | None,
        secret_string: str | None,
        secret_binary: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        secret = self.secrets.get(secret_name)
        version = (
            secret.versions.get(client_request_token)
            if secret is not None and client_request_token
            else None
        )
        if version is not None and PENDING in version["version_stages"] and _has_value(version):
            if (
                version.get("secret_string") == secret_string
                and version.get("secret_binary") == secret_binary
            ):
                return secret
            raise ResourceExistsException(
                f"You can't use ClientRequestToken {client_request_token} because that value is "
                f"already in use for a version of secret {secret.arn}."
            )
        return original(
            self, secret_name, client_request_token, secret_string, secret_binary, *args, **kwargs
        )

    return check


def install() -> None:  # noqa: PLR0915  one place for every Secrets Manager repair
    from moto.awslambda.utils import get_backend  # noqa: PLC0415
    from moto.secretsmanager import models  # noqa: PLC0415
    from moto.secretsmanager.exceptions import (  # noqa: PLC0415
        InvalidParameterException,
        InvalidRequestException,
        OperationNotPermittedOnReplica,
        ResourceExistsException,
        ResourceNotFoundException,
        SecretNotFoundException,
        SecretsManagerClientError,
    )

    class RotationFailedError(SecretsManagerClientError):
        def __init__(self, message: str) -> None:
            super().__init__(ROTATION_FAILED, message)

    class AccessDeniedError(SecretsManagerClientError):
        def __init__(self, message: str) -> None:
            super().__init__("AccessDeniedException", message)

    backend_cls = models.SecretsManagerBackend
    secret_cls = models.FakeSecret

    def check_invoke_permission(secret: Any, function: Any) -> None:
        """Secrets Manager may invoke the function only if its resource policy allows it.

        moto never checks. The service answers AccessDeniedException ("Secrets Manager cannot
        invoke the specified Lambda function"); the policy must allow lambda:InvokeFunction to
        the principal secretsmanager.amazonaws.com, under its SourceAccount/SourceArn conditions.
        https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
        """
        statements = list(function.policy.statements)
        context = {"aws:SourceAccount": secret.account_id, "aws:SourceArn": secret.arn}
        relevant = [s for s in statements if iam.principal_matches(s, SECRETS_MANAGER)]
        decision = iam.evaluate(
            [{"Statement": relevant}], "lambda:InvokeFunction", function.function_arn, context
        )
        if decision is not iam.Decision.ALLOW:
            raise AccessDeniedError(
                "Secrets Manager cannot invoke the specified Lambda function. Ensure that the "
                "function policy grants access to the principal secretsmanager.amazonaws.com."
            )

    def run_step(secret: Any, lambda_arn: str, step: str, token: str) -> None:
        lambda_backend = get_backend(secret.account_id, secret.region)
        response_headers: dict[str, Any] = {}
        # The service passes the secret's ARN as SecretId (moto passes its name).
        body = json.dumps({"Step": step, "SecretId": secret.arn, "ClientRequestToken": token})
        payload = lambda_backend.invoke(
            lambda_arn, qualifier=None, body=body, headers={}, response_headers=response_headers
        )
        if "x-amz-function-error" not in response_headers:
            return
        try:
            error = json.loads(payload or b"{}")
        except ValueError:
            error = {}
        current = _version_with(secret, CURRENT)
        raise RotationFailedError(
            f"Rotation of secret {secret.arn} failed at step {step} for version {token}: "
            f"{error.get('errorType', 'Error')}: {error.get('errorMessage', payload)}. "
            f"AWSCURRENT still labels version {current}; call RotateSecret again to retry "
            "this version after fixing the cause."
        )

    def rotate_secret(  # noqa: PLR0912, PLR0917  moto's signature; the service's checks in order
        self: Any,
        secret_id: str,
        client_request_token: str | None = None,
        rotation_lambda_arn: str | None = None,
        rotation_rules: dict[str, Any] | None = None,
        rotate_immediately: bool = True,
    ) -> str:
        if not self._is_valid_identifier(secret_id):
            raise SecretNotFoundException()
        secret = self.secrets[secret_id]
        if isinstance(secret, models.ReplicaSecret):
            raise OperationNotPermittedOnReplica
        if secret.is_deleted():
            raise InvalidRequestException(
                "You can't perform this operation on the secret because it was marked for deletion."
            )
        if rotation_lambda_arn and len(rotation_lambda_arn) > 2048:
            raise InvalidParameterException("RotationLambdaARN must <= 2048 characters long.")
        lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn
        if not lambda_arn:
            # moto promotes a copy of the value without any function; the service refuses.
            raise InvalidRequestException(
                "No Lambda rotation function ARN is associated with this secret."
            )
        if rotation_rules:
            days = rotation_rules.get("AutomaticallyAfterDays")
            if days is not None and not 1 <= int(days) <= 1000:
                raise InvalidParameterException(
                    "RotationRules.AutomaticallyAfterDays must be within 1-1000."
                )
        try:
            function = get_backend(secret.account_id, secret.region).get_function(lambda_arn)
        except Exception as exc:
            raise ResourceNotFoundException(f"Resource not found for ARN '{lambda_arn}'.") from exc
        check_invoke_permission(secret, function)

        # The rotation configuration sticks whether or not this rotation succeeds. moto keeps only
        # AutomaticallyAfterDays and drops ScheduleExpression and Duration, so every later plan
        # shows drift; the service stores and returns all three.
        secret.rotation_requested = True
        secret.rotation_enabled = True
        secret.rotation_lambda_arn = lambda_arn
        if rotation_rules:
            secret.auto_rotate_after_days = int(rotation_rules.get("AutomaticallyAfterDays") or 0)
            secret.sandbox_schedule_expression = rotation_rules.get("ScheduleExpression")
            secret.sandbox_duration = rotation_rules.get("Duration")
            if secret.auto_rotate_after_days:
                secret.next_rotation_date = int(time.time()) + secret.auto_rotate_after_days * 86400

        current = _version_with(secret, CURRENT)
        if not rotate_immediately:
            # moto stages a new AWSPENDING version holding a stale copy of the value and tests
            # that. The service runs only testSecret, against the current version, and stages
            # nothing ("Secrets Manager tests the rotation configuration by running the
            # testSecret step").
            run_step(secret, lambda_arn, "testSecret", current or "")
            return str(secret.to_short_dict())

        pending = _version_with(secret, PENDING)
        if pending is not None and pending != current:
            # A previous rotation did not finish. The service answers that it "will be
            # reattempted" and retries it with its own token; every step is idempotent, so the
            # sandbox resumes that version now, in this call. (The SDKs always send a fresh
            # ClientRequestToken, so it cannot tell a new request from a retry.)
            token = pending
        else:
            # moto refuses to start while AWSPENDING shares the AWSCURRENT version; that is a
            # valid end state of a rotation and the service starts a new one (moving AWSPENDING).
            if pending is not None:
                secret.versions[pending]["version_stages"].remove(PENDING)
            token = client_request_token or str(uuid.uuid4())
            if client_request_token:
                self._client_request_token_validator(client_request_token)
            if token in secret.versions:
                raise ResourceExistsException(
                    f"You can't use ClientRequestToken {token} because that value is already in "
                    f"use for a version of secret {secret.arn}."
                )
            # The new version has no value until createSecret puts one.
            secret.versions[token] = {
                "createdate": int(time.time()),
                "version_id": token,
                "version_stages": [PENDING],
            }

        # moto invokes the four steps, ignores their failures and then promotes the new version
        # even when it has no value, so the secret becomes unreadable. The service stops at the
        # first failed step and leaves AWSCURRENT where it was; moving AWSCURRENT is the
        # function's job (finishSecret).
        for step in STEPS:
            run_step(secret, lambda_arn, step, token)

        if _version_with(secret, CURRENT) == token:
            # The service removes AWSPENDING once the rotation succeeded (AWS's templates leave it
            # on the new AWSCURRENT version).
            secret.remove_version_stages_from_old_versions([PENDING])
        secret.last_rotation_date = int(time.time())
        return str(secret.to_short_dict(version_id=token))

    backend_cls.rotate_secret = rotate_secret  # type: ignore[method-assign]

    backend_cls._check_with_existing_secrets_and_versions = (  # type: ignore[method-assign]
        documented_put_check(backend_cls._check_with_existing_secrets_and_versions)
    )

    original_update_stage = backend_cls.update_secret_version_stage

    def update_secret_version_stage(
        self: Any,
        secret_id: str,
        version_stage: str,
        remove_from_version_id: str,
        move_to_version_id: str,
    ) -> tuple[str, str]:
        # moto moves the AWSCURRENT label but not its "default version" (what GetSecretValue
        # returns without a stage); in the service the two are the same thing.
        result = original_update_stage(
            self, secret_id, version_stage, remove_from_version_id, move_to_version_id
        )
        if version_stage == CURRENT:
            secret = self.secrets[secret_id]
            secret.set_default_version_id(_version_with(secret, CURRENT))
        return result

    backend_cls.update_secret_version_stage = update_secret_version_stage  # type: ignore[method-assign]

    original_to_dict = secret_cls.to_dict

    def to_dict(self: Any) -> dict[str, Any]:
        document: dict[str, Any] = original_to_dict(self)
        if "RotationRules" in document:
            rules: dict[str, Any] = {}
            if self.auto_rotate_after_days:
                rules["AutomaticallyAfterDays"] = self.auto_rotate_after_days
            schedule = getattr(self, "sandbox_schedule_expression", None)
            duration = getattr(self, "sandbox_duration", None)
            if schedule:
                rules["ScheduleExpression"] = schedule
            if duration:
                rules["Duration"] = duration
            document["RotationRules"] = rules
        return document

    secret_cls.to_dict = to_dict  # type: ignore[method-assign]
