"""SECRETS_MANAGER_ENDPOINT: the rotator's client calls the endpoint it names.

AWS's rotation templates create their client with ``endpoint_url=SECRETS_MANAGER_ENDPOINT`` so a
function in a VPC can reach Secrets Manager through an interface endpoint without private DNS. The
first test sends the handler's calls to a moto server on loopback by that variable alone (no
AWS_ENDPOINT_URL, no mock): if the variable were ignored, the calls would go to the public
endpoint, which this machine cannot reach, and the step would fail differently.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from rotator_harness import FakeContext, step_event

from rotator import handler, secret_store
from rotator.config import Config
from rotator.errors import ConfigurationError, RotationNotEnabledError


@pytest.fixture
def fresh_client() -> Iterator[None]:
    """No injected client: the handler creates its own, as in a new container."""
    secret_store.set_client(None)
    yield
    secret_store.set_client(None)


def test_the_handlers_calls_go_to_the_endpoint_the_variable_names(
    moto_endpoint: str, fresh_client: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="us-east-1")
    arn = server.create_secret(Name=f"endpoint-{uuid.uuid4()}", SecretString="value-1")["ARN"]
    monkeypatch.setenv("SECRETS_MANAGER_ENDPOINT", moto_endpoint)

    # The secret exists only on that server; the service there answers that rotation is off.
    with pytest.raises(RotationNotEnabledError) as raised:
        handler.lambda_handler(step_event("createSecret", arn, str(uuid.uuid4())), FakeContext())

    assert arn in str(raised.value)
    assert secret_store.get_client().meta.endpoint_url == moto_endpoint


def test_unset_endpoint_leaves_boto3_resolution_alone(fresh_client: None) -> None:
    config = Config.from_env({})

    client = secret_store.make_client(endpoint_url=config.secrets_manager_endpoint)

    assert client.meta.endpoint_url == "https://secretsmanager.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    "value",
    [
        "vpce-0123.secretsmanager.eu-west-1.vpce.amazonaws.com",  # no scheme
        "https://vpce-0123.secretsmanager.eu-west-1.vpce.amazonaws.com/some/path",
        "ftp://secretsmanager.eu-west-1.amazonaws.com",
    ],
)
def test_bad_endpoint_names_the_variable_and_the_form_to_use(value: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env({"SECRETS_MANAGER_ENDPOINT": value})

    message = str(raised.value)
    assert "SECRETS_MANAGER_ENDPOINT" in message
    assert "a URL with scheme and host only" in message


def test_endpoint_with_port_is_accepted() -> None:
    url = "https://vpce-0123.secretsmanager.eu-west-1.vpce.amazonaws.com:443"

    assert Config.from_env({"SECRETS_MANAGER_ENDPOINT": url}).secrets_manager_endpoint == url
