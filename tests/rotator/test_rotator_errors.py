"""What a person reads when a call fails: the error type, the API, the service's words, the fix.

The store is given a client that answers every call with one service error, so each error code's
translation is checked without a service.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from rotator.config import Config
from rotator.errors import (
    ConfigurationError,
    RotationError,
    SecretNotFoundError,
    SecretsManagerAccessDeniedError,
    SecretsManagerCallError,
)
from rotator.logs import StepLog
from rotator.secret_store import SecretMetadata, SecretStore

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"


class RefusingClient:
    """A Secrets Manager client whose every call fails with ``response``."""

    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response

    def describe_secret(self, **_: Any) -> dict[str, Any]:
        raise ClientError(self.response, "DescribeSecret")


def _describe_error(response: dict[str, Any]) -> RotationError:
    store = SecretStore(RefusingClient(response), StepLog())
    with pytest.raises(RotationError) as raised:
        store.describe(ARN)
    return raised.value


ACCESS = "Grant the function's role secretsmanager:DescribeSecret on this secret"
KMS = "Allow the function's role kms:Decrypt and kms:GenerateDataKey on the key"


@pytest.mark.parametrize(
    ("code", "error_type", "problem", "remedy"),
    [
        (
            "ResourceNotFoundException",
            SecretNotFoundError,
            "DescribeSecret: ResourceNotFoundException: ",
            "Check the SecretId, and that the secret is not deleted or scheduled for deletion",
        ),
        (
            "AccessDeniedException",
            SecretsManagerAccessDeniedError,
            "DescribeSecret was denied: ",
            ACCESS,
        ),
        ("AccessDenied", SecretsManagerAccessDeniedError, "DescribeSecret was denied: ", ACCESS),
        (
            "DecryptionFailure",
            SecretsManagerAccessDeniedError,
            "DescribeSecret could not use the secret's KMS key: ",
            KMS,
        ),
        (
            "EncryptionFailure",
            SecretsManagerAccessDeniedError,
            "DescribeSecret could not use the secret's KMS key: ",
            KMS,
        ),
        (
            "KMSAccessDeniedException",
            SecretsManagerAccessDeniedError,
            "DescribeSecret could not use the secret's KMS key: ",
            KMS,
        ),
        (
            "ThrottlingException",
            SecretsManagerCallError,
            "DescribeSecret failed: ThrottlingException: ",
            "See the error code in the message; the step is safe to retry with the same token",
        ),
    ],
)
def test_each_service_error_becomes_an_error_that_says_what_to_change(
    code: str, error_type: type[RotationError], problem: str, remedy: str
) -> None:
    error = _describe_error({"Error": {"Code": code, "Message": "the service's own words"}})

    assert type(error) is error_type
    assert error.problem.startswith(problem)
    assert error.problem.endswith("the service's own words")
    assert str(error).endswith(f". {remedy}")


def test_an_unknown_error_keeps_the_services_code_for_the_caller() -> None:
    error = _describe_error({"Error": {"Code": "LimitExceededException", "Message": "slow down"}})

    assert isinstance(error, SecretsManagerCallError)
    assert error.code == "LimitExceededException"
    assert error.problem == "DescribeSecret failed: LimitExceededException: slow down"


def test_an_error_without_code_or_message_still_reads_as_one() -> None:
    error = _describe_error({})

    assert isinstance(error, SecretsManagerCallError)
    assert error.code == "Unknown"
    assert error.problem == "DescribeSecret failed: Unknown: "


@pytest.mark.parametrize(
    ("name", "value"),
    [("PASSWORD_LENGTH", "thirty-two"), ("EXCLUDE_NUMBERS", "perhaps"), ("LOG_LEVEL", "LOUD")],
)
def test_a_bad_setting_is_quoted_in_the_error(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env({name: value})

    assert f"environment variable {name} is {value!r}" in str(raised.value)


def test_a_long_bad_setting_is_quoted_up_to_sixty_characters() -> None:
    value = "x" * 60 + "TAIL-NOT-SHOWN"

    with pytest.raises(ConfigurationError) as raised:
        Config.from_env({"PASSWORD_LENGTH": value})

    assert f"is {'x' * 60 + '...'!r}" in str(raised.value)
    assert "TAIL" not in str(raised.value)


def test_a_setting_of_exactly_sixty_characters_is_quoted_whole() -> None:
    value = "y" * 60

    with pytest.raises(ConfigurationError) as raised:
        Config.from_env({"EXCLUDE_LOWERCASE": value})

    assert f"is {value!r}" in str(raised.value)


class BinaryClient:
    def get_secret_value(self, **_: Any) -> dict[str, Any]:
        return {"ARN": ARN, "VersionId": "v1", "SecretBinary": b"\x00\x01"}


def test_a_binary_secret_is_refused_with_what_to_store_instead() -> None:
    store = SecretStore(BinaryClient(), StepLog())

    with pytest.raises(RotationError) as raised:
        store.get_version(ARN, stage="AWSCURRENT")

    assert str(raised.value) == (
        f"rotation of secret {ARN}: the secret holds SecretBinary; this function rotates "
        "SecretString values only. Store the secret as SecretString (plain text or a JSON object)"
    )


def test_no_version_holding_a_label_is_none_not_an_error() -> None:
    metadata = SecretMetadata(ARN, True, {"v1": ("AWSPREVIOUS",), "v2": ("AWSCURRENT",)})

    assert metadata.version_with("AWSPENDING") is None
    assert metadata.version_with("AWSCURRENT") == "v2"


def test_an_errors_repr_shows_its_problem_as_debuggers_print_it() -> None:
    error = SecretNotFoundError("DescribeSecret: ResourceNotFoundException: gone")

    assert repr(error) == "SecretNotFoundError('DescribeSecret: ResourceNotFoundException: gone')"


class VersionClient:
    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response

    def get_secret_value(self, **_: Any) -> dict[str, Any]:
        return self.response


def test_a_version_read_carries_its_id_and_labels_and_no_labels_is_empty() -> None:
    labelled = {"ARN": ARN, "VersionId": "v1", "VersionStages": ["AWSCURRENT"], "SecretString": "s"}
    unlabelled = {"ARN": ARN, "VersionId": "v0", "SecretString": "old"}

    current = SecretStore(VersionClient(labelled), StepLog()).get_version(ARN, stage="AWSCURRENT")
    old = SecretStore(VersionClient(unlabelled), StepLog()).get_version(ARN, version_id="v0")

    assert current is not None
    assert old is not None
    assert (current.arn, current.version_id, current.stages) == (ARN, "v1", ("AWSCURRENT",))
    assert (old.version_id, old.stages, old.value) == ("v0", (), "old")
