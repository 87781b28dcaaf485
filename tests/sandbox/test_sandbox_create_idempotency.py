"""CreateSecret resent with its own ClientRequestToken answers as the first call did.

The AWS provider resends a request whose answer it did not get; the token "helps ensure
idempotency" (API_CreateSecret). moto honours it only through a version, and the modules create
their secrets without a value.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import unique


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
