"""The Secrets Manager client and the few calls rotation makes, with errors translated.

The boto3 client is created once per container, on first use (importing boto3 takes a few hundred
milliseconds, so ``import rotator.handler`` stays fast), and reused by every later invocation. Tests
and other callers inject their own with ``set_client``.

Client settings: standard retry mode with 3 attempts in all (the first and two retries, for
throttling and transient network errors, with jittered backoff; ``total_max_attempts`` because
botocore's ``max_attempts`` counts retries only), and explicit timeouts so one hung call cannot
use up the function's timeout: botocore's defaults are 60 s each.
https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
The endpoint comes from the usual settings, including AWS_ENDPOINT_URL (boto3 reads it), unless
SECRETS_MANAGER_ENDPOINT names one (config.py), which then wins, as in AWS's rotation templates.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rotator.errors import (
    RotationError,
    SecretNotFoundError,
    SecretsManagerAccessDeniedError,
    SecretsManagerCallError,
    SecretsManagerUnavailableError,
    StrategyValueTypeError,
    UnsupportedSecretShapeError,
)
from rotator.logs import StepLog

MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 10

_client: Any = None


def aws_client(
    service: str, session: Any = None, endpoint_url: str | None = None, **credentials: Any
) -> Any:
    """A new client for ``service`` with the function's retry and timeout settings.

    ``session``: a boto3 Session to create it from (default: boto3's default session).
    ``endpoint_url``: None for boto3's usual endpoint resolution.
    ``credentials``: ``aws_access_key_id`` and ``aws_secret_access_key`` to sign with keys other
    than the function's (the iam-access-key strategy tries a new key this way).
    """
    import boto3  # noqa: PLC0415  deferred: see the module docstring
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
    )
    return (session or boto3).client(
        service, config=config, endpoint_url=endpoint_url, **credentials
    )


def make_client(session: Any = None, endpoint_url: str | None = None) -> Any:
    """A new Secrets Manager client; ``endpoint_url`` is SECRETS_MANAGER_ENDPOINT when set."""
    return aws_client("secretsmanager", session, endpoint_url)


def get_client(endpoint_url: str | None = None) -> Any:
    """The container's client, created on first use (a function's environment never changes)."""
    global _client  # noqa: PLW0603  one client per container, by design
    if _client is None:
        _client = make_client(endpoint_url=endpoint_url)
    return _client


def set_client(client: Any) -> None:
    """Use ``client`` for every later call; ``None`` makes the next call create a fresh one."""
    global _client  # noqa: PLW0603
    _client = client


@dataclass(frozen=True)
class SecretMetadata:
    """What DescribeSecret says about rotation. Holds no value."""

    arn: str
    rotation_enabled: bool
    versions: Mapping[str, tuple[str, ...]]

    def stages_of(self, version_id: str) -> tuple[str, ...] | None:
        return self.versions.get(version_id)

    def version_with(self, stage: str) -> str | None:
        return next((v for v, stages in self.versions.items() if stage in stages), None)


@dataclass(frozen=True, repr=False)
class SecretVersion:
    """One version's SecretString. ``repr`` leaves the value out, so it cannot reach a log."""

    arn: str
    version_id: str
    stages: tuple[str, ...]
    value: str
    # GetSecretValue's CreatedDate: when this version was stored (None if the answer lacked it).
    created: datetime | None = None

    def __repr__(self) -> str:
        return f"SecretVersion(version_id={self.version_id!r}, stages={self.stages!r})"


PutOutcome = Literal["created", "already_created"]


class SecretStore:
    """Secrets Manager, as rotation needs it. Every error is a RotationError."""

    def __init__(self, client: Any, log: StepLog) -> None:
        self._client = client
        self._log = log

    def describe(self, secret_id: str) -> SecretMetadata:
        response = self._call("DescribeSecret", "describe_secret", SecretId=secret_id)
        return SecretMetadata(
            arn=response["ARN"],
            rotation_enabled=bool(response.get("RotationEnabled", False)),
            versions={
                version: tuple(stages)
                for version, stages in response.get("VersionIdsToStages", {}).items()
            },
        )

    def tags(self, secret_id: str) -> dict[str, str]:
        """The secret's tags (DescribeSecret), e.g. the ``aws:rds:`` tags of an RDS-managed one."""
        response = self._call("DescribeSecret", "describe_secret", SecretId=secret_id)
        return {str(t["Key"]): str(t.get("Value", "")) for t in response.get("Tags", [])}

    def get_version(
        self, secret_id: str, *, version_id: str | None = None, stage: str | None = None
    ) -> SecretVersion | None:
        """The version's value, or None when it does not exist or holds no value."""
        kwargs: dict[str, str] = {"SecretId": secret_id}
        if version_id is not None:
            kwargs["VersionId"] = version_id
        if stage is not None:
            kwargs["VersionStage"] = stage
        try:
            response = self._call("GetSecretValue", "get_secret_value", **kwargs)
        except SecretNotFoundError:
            # The service answers ResourceNotFoundException for a missing secret, a missing
            # version and a version without a value alike; callers tell them apart if they need to.
            return None
        if "SecretString" not in response:
            raise UnsupportedSecretShapeError(
                "the secret holds SecretBinary; this function rotates SecretString values only",
                remedy="Store the secret as SecretString (plain text or a JSON object)",
                secret_arn=response.get("ARN"),
            )
        return SecretVersion(
            arn=response["ARN"],
            version_id=response["VersionId"],
            stages=tuple(response.get("VersionStages", ())),
            value=response["SecretString"],
            created=response.get("CreatedDate"),
        )

    def put_pending(
        self, secret_id: str, token: str, value: str, *, rotation_token: str | None = None
    ) -> PutOutcome:
        """Store ``value`` in the version ``token`` under AWSPENDING, once.

        PutSecretValue is idempotent per ClientRequestToken: the same data again succeeds without
        change, different data for a version that already has a value fails with
        ResourceExistsException. A retried createSecret generates different data, so that
        answer means an earlier attempt stored the pending value: keep it, never write a second.
        https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html

        ``rotation_token``: the event's RotationToken, passed on when the service sent one. The
        same page: it is "required for secret rotations using an IAM assumed role or
        cross-account rotation". Only this call carries it, and no log line does.
        """
        if not isinstance(value, str):
            # Checked here: botocore's parameter validation would quote the value in its message.
            raise StrategyValueTypeError(
                f"the strategy's create_pending_value returned a {type(value).__name__}, not the "
                "text PutSecretValue stores; nothing was written"
            )
        extra = {} if rotation_token is None else {"RotationToken": rotation_token}
        try:
            self._call(
                "PutSecretValue",
                "put_secret_value",
                SecretId=secret_id,
                ClientRequestToken=token,
                SecretString=value,
                VersionStages=["AWSPENDING"],
                **extra,
            )
        except SecretsManagerCallError as exc:
            if exc.code == "ResourceExistsException":
                return "already_created"
            raise
        return "created"

    def move_current(self, secret_id: str, token: str, current_version: str) -> None:
        self._call(
            "UpdateSecretVersionStage",
            "update_secret_version_stage",
            SecretId=secret_id,
            VersionStage="AWSCURRENT",
            MoveToVersionId=token,
            RemoveFromVersionId=current_version,
        )

    def _call(self, api: str, method: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import (  # noqa: PLC0415  deferred with boto3
            BotoCoreError,
            ClientError,
            ParamValidationError,
        )

        started = time.perf_counter()
        try:
            response: dict[str, Any] = getattr(self._client, method)(**kwargs)
        except ClientError as exc:
            self._log.debug("aws_call_failed", api=api, error_type=_code(exc))
            raise _translate(api, exc) from exc
        except ParamValidationError as exc:
            # Its text quotes the parameters' values, a secret among them: the type only.
            self._log.debug("aws_call_failed", api=api, error_type=type(exc).__name__)
            raise StrategyValueTypeError(
                f"{api} refused its parameters before sending them ({type(exc).__name__})"
            ) from None
        except BotoCoreError as exc:
            self._log.debug("aws_call_failed", api=api, error_type=type(exc).__name__)
            raise SecretsManagerUnavailableError(
                f"{api} failed after {MAX_ATTEMPTS} attempts: {type(exc).__name__}: {exc}"
            ) from exc
        self._log.debug(
            "aws_call", api=api, duration_ms=round((time.perf_counter() - started) * 1000, 1)
        )
        return response


def _code(exc: Any) -> str:
    code: str = exc.response.get("Error", {}).get("Code", "Unknown")
    return code


def _translate(api: str, exc: Any) -> RotationError:
    code = _code(exc)
    # Service error messages name resources, never values.
    detail = exc.response.get("Error", {}).get("Message", "")
    if code == "ResourceNotFoundException":
        return SecretNotFoundError(f"{api}: {code}: {detail}")
    if code in {"AccessDeniedException", "AccessDenied"}:
        return SecretsManagerAccessDeniedError(
            f"{api} was denied: {detail}",
            remedy=f"Grant the function's role secretsmanager:{api} on this secret",
        )
    if code in {"DecryptionFailure", "EncryptionFailure", "KMSAccessDeniedException"}:
        return SecretsManagerAccessDeniedError(
            f"{api} could not use the secret's KMS key: {code}: {detail}",
            remedy="Allow the function's role kms:Decrypt and kms:GenerateDataKey on the key",
        )
    error = SecretsManagerCallError(f"{api} failed: {code}: {detail}")
    error.code = code
    return error
