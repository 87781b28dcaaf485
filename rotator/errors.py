"""Errors a rotation can end with: one type per failure a person can act on.

Every message says which secret, which step, what went wrong and what to change. No message ever
contains a secret value: values are described by their shape (plain string, JSON object with keys
...) and JSON parse errors by position only.
"""

from __future__ import annotations

from typing import ClassVar, Self


class RotationError(Exception):
    """Base class. ``str()`` reads "<step> of secret <arn>: <problem>. <remedy>"."""

    remedy: ClassVar[str] = ""

    def __init__(
        self,
        problem: str,
        *,
        remedy: str | None = None,
        secret_arn: str | None = None,
        step: str | None = None,
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.what_to_change = remedy if remedy is not None else type(self).remedy
        self.secret_arn = secret_arn
        self.step = step
        # The rotation's version id (ClientRequestToken): a retry of the rotation reuses it.
        self.token: str | None = None

    def bind(self, *, secret_arn: str | None, step: str | None, token: str | None = None) -> Self:
        """Fill in the secret, step and token where the raiser did not know them."""
        if self.secret_arn is None:
            self.secret_arn = secret_arn
        if self.step is None:
            self.step = step
        if self.token is None:
            self.token = token
        return self

    def __str__(self) -> str:
        where = f"{self.step or 'rotation'} of secret {self.secret_arn or '(unknown)'}"
        message = f"{where}: {self.problem}"
        if self.what_to_change:
            message += f". {self.what_to_change}"
        return message


class ConfigurationError(RotationError):
    """An environment variable of the function holds a value it does not accept."""

    remedy = "Fix the function's environment variable; see rotator/README.md"


class CustomStrategyError(ConfigurationError):
    """CUSTOM_STRATEGY names a class the rotator cannot load or that breaks the protocol.

    The message names the module, the class and what is wrong; never the exception text of the
    user's code (it could quote anything), only its type, a missing module's name or a line.
    """

    remedy = (
        "Fix custom_strategy (source_dir, class) on modules/rotation-function, or the strategy "
        "itself; see rotator/STRATEGIES.md"
    )


class InvalidEventError(RotationError):
    """The invocation is not a Secrets Manager rotation event."""

    remedy = (
        'Invoke the function with {"SecretId": <ARN>, "ClientRequestToken": <version id>, '
        '"Step": "createSecret" | "setSecret" | "testSecret" | "finishSecret"}, '
        "as Secrets Manager does"
    )


class SecretNotFoundError(RotationError):
    remedy = "Check the SecretId, and that the secret is not deleted or scheduled for deletion"


class RotationNotEnabledError(RotationError):
    remedy = "Enable rotation on the secret (RotateSecret with a RotationLambdaARN) before rotating"


class TokenNotStagedError(RotationError):
    remedy = (
        "Start a new rotation with RotateSecret; the token must be a version the service staged"
    )


class TokenNotPendingError(RotationError):
    remedy = (
        "Only the version labelled AWSPENDING can be rotated to; start a new rotation with "
        "RotateSecret, or move AWSPENDING to this version with UpdateSecretVersionStage"
    )


class PendingValueMissingError(RotationError):
    remedy = "Run createSecret for this token first (the service does when it retries the rotation)"


class MissingRotateKeyError(RotationError):
    remedy = "Add the key to the secret's JSON, or set ROTATE_KEYS to the keys the secret has"


class UnsupportedSecretShapeError(RotationError):
    remedy = (
        "Store either a plain string or a JSON object (with the keys listed in ROTATE_KEYS) "
        "in SecretString"
    )


class PendingValueInvalidError(RotationError):
    remedy = (
        "Start a new rotation; if the AWSPENDING value was written by something else, remove "
        "the AWSPENDING label from that version"
    )


class SecretsManagerUnavailableError(RotationError):
    remedy = (
        "Check the function reaches Secrets Manager (from a VPC: an interface endpoint or a NAT "
        "gateway); the step is safe to retry with the same token"
    )


class SecretsManagerAccessDeniedError(RotationError):
    remedy = "Grant the function's role the action on this secret (and its KMS key)"


class UnexpectedStepError(RotationError):
    """The step raised an exception the rotator does not anticipate (a defect, or a library's).

    It carries the original exception's type only: its message and arguments can hold anything
    (a driver error quoting SQL, a botocore error echoing a request), so they are never shown.
    """

    remedy = (
        "The original message is withheld because it can contain secret values; reproduce the "
        "failure with the error type named here, and report it if it is a defect in the function"
    )
    # A custom strategy's exception carries another remedy: where in the strategy it was raised.


class SecretsManagerCallError(RotationError):
    remedy = "See the error code in the message; the step is safe to retry with the same token"
    code: str = ""  # the service's error code, e.g. ResourceExistsException
