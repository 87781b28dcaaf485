"""CreateSecret resent with its own ClientRequestToken answers as the first call did.

The AWS provider resends a request whose answer it did not get; the token "helps ensure
idempotency" (API_CreateSecret). moto honours it only through a version, and the modules create
their secrets without a value.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from sandbox_helpers import unique

from rotation_testing import secretsmanager


def test_create_secret_resent_with_its_token_returns_the_same_secret(
    aws: Callable[[str], Any],
) -> None:
    secrets = aws("secretsmanager")
    name = unique("idempotent")
    token = str(uuid.uuid4())
    first = secrets.create_secret(Name=name, ClientRequestToken=token)
    again = secrets.create_secret(Name=name, ClientRequestToken=token)
    assert again["ARN"] == first["ARN"]
    assert secrets.describe_secret(SecretId=name)["ARN"] == first["ARN"]

    # Another token is another request: the name is taken.
    with pytest.raises(ClientError) as raised:
        secrets.create_secret(Name=name, ClientRequestToken=str(uuid.uuid4()))
    assert raised.value.response["Error"]["Code"] == "ResourceExistsException"


def test_create_secret_resent_while_the_first_is_still_running_returns_the_same_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The retry arrives while the first request is still being answered (seen at 1,000 secrets).

    Held after moto has stored the secret and before CreateSecret answers, the first request
    keeps the resent one waiting, rather than letting it find a secret without its token.
    """
    inside_first, release_first = threading.Event(), threading.Event()

    def hold_the_first(name: str) -> None:
        del name
        if not inside_first.is_set():
            inside_first.set()
            release_first.wait(timeout=10)

    monkeypatch.setattr(secretsmanager, "_between_store_and_answer", hold_the_first)
    answers: dict[str, Any] = {}

    def create(label: str, token: str) -> None:
        client = boto3.client("secretsmanager", region_name="us-east-1")
        try:
            answers[label] = client.create_secret(Name="resent", ClientRequestToken=token)["ARN"]
        except ClientError as exc:
            answers[label] = exc.response["Error"]["Code"]

    token = str(uuid.uuid4())
    with mock_aws(), secretsmanager.installed():
        first = threading.Thread(target=create, args=("first", token))
        first.start()
        assert inside_first.wait(timeout=10)
        resent = threading.Thread(target=create, args=("resent", token))
        resent.start()
        resent.join(timeout=0.5)  # long enough for a wrong answer to come back
        release_first.set()
        first.join(timeout=10)
        resent.join(timeout=10)
    assert answers["resent"] == answers["first"], answers
    assert answers["first"].startswith("arn:aws:secretsmanager:")
