"""Fixtures for the rotator's tests; the doubles themselves are in rotator_harness.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.retries.standard import ExponentialBackoff
from rotator_harness import ROTATOR_VARIABLES, CallLog, Invoker, Outage, Service

from rotation_testing.testbed import create_rotation_function, in_process_service
from rotator import secret_store
from rotator.strategies.iam_access_key import IamAccessKeyStrategy


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, no endpoint override, and none of the rotator's variables set."""
    for name in (*ROTATOR_VARIABLES, "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture(autouse=True)
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the code asked for, recorded instead of waited: no test waits in real time.

    The iam-access-key strategy's backoff (15.5 s when a key never works) and botocore's retry
    backoff (jittered, up to seconds per retry) both become instant, so a run stays fast and a
    mutant that makes every call fail fails in milliseconds, not at mutmut's timeout. The retries
    themselves still happen: only the pause between them is gone.
    """
    waits: list[float] = []
    monkeypatch.setattr(IamAccessKeyStrategy, "sleep", staticmethod(waits.append))
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda _self, _context: 0.0)
    return waits


@pytest.fixture
def invoker() -> Invoker:
    return Invoker()


@pytest.fixture
def aws(invoker: Invoker) -> Iterator[None]:
    """moto under the sandbox's Secrets Manager rules, steps run in process; a fresh container."""
    # The production client (same retries and timeouts), fresh per test like a new container.
    with in_process_service(invoker, _SESSION):
        yield


# One session for every client the tests make: it caches the service models, which boto3's default
# session (reset by mock_aws) would load again for every test.
_SESSION = boto3.Session(
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",  # moto's dummy credentials
)


def _test_client(service: str) -> Any:
    return _SESSION.client(service)


@pytest.fixture(scope="session")
def test_clients() -> dict[str, Any]:
    """The test's own clients, made once: moto intercepts clients made before mock_aws too."""
    return {name: _test_client(name) for name in ("secretsmanager", "iam", "lambda")}


@pytest.fixture
def sm(aws: None, test_clients: dict[str, Any]) -> Any:
    """The test's own Secrets Manager client (not the rotator's: faults are injected there)."""
    return test_clients["secretsmanager"]


@pytest.fixture
def rotator_client(aws: None) -> Any:
    return secret_store.get_client()


@pytest.fixture
def function_arn(aws: None, test_clients: dict[str, Any]) -> str:
    """A function Secrets Manager may invoke; its code is never run (the invoker replaces it)."""
    return create_rotation_function(test_clients["iam"], test_clients["lambda"])


@pytest.fixture
def service(sm: Any, function_arn: str, invoker: Invoker) -> Service:
    return Service(sm=sm, function_arn=function_arn, invoker=invoker)


@pytest.fixture
def calls(rotator_client: Any) -> CallLog:
    log = CallLog()
    rotator_client.meta.events.register("before-call.secrets-manager", log)
    return log


@pytest.fixture
def outage(rotator_client: Any) -> Outage:
    fault = Outage()
    rotator_client.meta.events.register("before-call.secrets-manager", fault.on_call)
    # First, so it answers before moto's own before-send handler does.
    rotator_client.meta.events.register_first("before-send.secrets-manager", fault.on_send)
    return fault
