"""examples/custom-api-key's strategy, tested as its author would: rotation_testing's testbed.

The key service runs on loopback (tests/key_service.py); Secrets Manager is moto under the
sandbox's rules, in this process. The end-to-end run, from the packed zip on the sandbox, is
tests/e2e/test_e2e_custom_api_key.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from key_service import KeyService

from rotation_testing import StrategyTestbed
from rotator.errors import PendingValueInvalidError, RotationError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom-api-key"
STRATEGY = "api_key_service:ServiceApiKey"
FIRST_KEY = "first-key-issued-by-hand-0123456789"


@pytest.fixture
def service() -> Iterator[KeyService]:
    with KeyService() as running:
        running.issue("k0", FIRST_KEY)
        yield running


@pytest.fixture
def bed() -> Iterator[StrategyTestbed]:
    # The example's password policy, as its main.tf sets it.
    environment = {"PASSWORD_LENGTH": "40", "EXCLUDE_PUNCTUATION": "true"}
    with StrategyTestbed(STRATEGY, source_dir=EXAMPLE / "rotation", environment=environment) as b:
        yield b


def secret(bed: StrategyTestbed, service: KeyService, url: str | None = None) -> str:
    value = {"service_url": url or service.url, "key_id": "k0", "api_key": FIRST_KEY, "team": "x"}
    return bed.create_secret("vendor/api-key", json.dumps(value))


def key(bed: StrategyTestbed, arn: str, stage: str = "AWSCURRENT") -> dict[str, str]:
    value: dict[str, str] = json.loads(bed.value(arn, stage))
    return value


def test_a_rotation_registers_a_new_key_that_works_and_keeps_the_old_one(
    bed: StrategyTestbed, service: KeyService
) -> None:
    arn = secret(bed, service)

    token = bed.rotate(arn)

    new = key(bed, arn)
    assert new["key_id"] == f"rot-{token}"
    assert new["api_key"] != FIRST_KEY
    assert len(new["api_key"]) == 40
    assert new["api_key"].isalnum()
    assert new["team"] == "x", "other keys are kept"
    assert service.works(new["api_key"])
    assert service.works(FIRST_KEY), "AWSPREVIOUS stays valid until the next rotation"


def test_the_next_rotation_revokes_the_key_before_the_previous_one(
    bed: StrategyTestbed, service: KeyService
) -> None:
    arn = secret(bed, service)
    bed.rotate(arn)
    second = key(bed, arn)

    bed.rotate(arn)

    third = key(bed, arn)
    assert key(bed, arn, "AWSPREVIOUS")["key_id"] == second["key_id"]
    assert not service.works(FIRST_KEY)
    assert service.works(second["api_key"])
    assert service.works(third["api_key"])
    assert service.key_ids() == {second["key_id"], third["key_id"]}


def test_set_secret_again_changes_nothing(bed: StrategyTestbed, service: KeyService) -> None:
    arn = secret(bed, service)
    bed.rotate(arn)
    token = bed.stage(arn)
    bed.run_step("createSecret", arn, token)
    bed.run_step("setSecret", arn, token)
    before = service.key_ids()

    bed.run_step("setSecret", arn, token)  # the service retries a step it saw fail

    assert service.key_ids() == before
    statuses = [(m, s) for m, p, s in service.requests if p.startswith("/keys/")]
    # Second run: the revocation finds nothing (404), the registration is already there (200).
    assert statuses[-2:] == [("DELETE", 404), ("PUT", 200)]


def test_a_refused_registration_fails_set_secret_and_leaves_the_current_key(
    bed: StrategyTestbed, service: KeyService
) -> None:
    arn = secret(bed, service)
    service.refuse_registration_with = 403

    with pytest.raises(RotationError) as raised:
        bed.rotate(arn)

    message = str(raised.value)
    assert message.startswith(f"setSecret of secret {arn}: registering key rot-")
    assert "answered HTTP 403" in message
    assert "The service refused the current key" in message
    assert key(bed, arn)["api_key"] == FIRST_KEY


def test_test_secret_fails_when_the_service_does_not_know_the_new_key(
    bed: StrategyTestbed, service: KeyService
) -> None:
    arn = secret(bed, service)
    token = bed.stage(arn)
    bed.run_step("createSecret", arn, token)
    bed.run_step("setSecret", arn, token)
    service.revoke(f"rot-{token}")

    with pytest.raises(PendingValueInvalidError, match=r"refused the new key rot-.* \(HTTP 401\)"):
        bed.run_step("testSecret", arn, token)


def test_a_service_url_in_clear_beyond_this_machine_is_refused_before_anything_is_sent(
    bed: StrategyTestbed, service: KeyService
) -> None:
    arn = secret(bed, service, url="http://keys.example.com")

    with pytest.raises(RotationError, match="service_url is not https://") as raised:
        bed.rotate(arn)

    assert "createSecret" in str(raised.value)
    assert service.requests == []


def test_no_key_reaches_the_function_output(
    bed: StrategyTestbed, service: KeyService, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = secret(bed, service)
    bed.rotate(arn)
    bed.rotate(arn)

    output = capsys.readouterr()
    keys = [FIRST_KEY, key(bed, arn)["api_key"], key(bed, arn, "AWSPREVIOUS")["api_key"]]
    assert "registered the new key" in output.out, "the strategy's log lines are there"
    for value in keys:
        assert value not in output.out + output.err


def test_the_key_in_use_is_never_revoked_even_when_awsprevious_names_it(
    bed: StrategyTestbed, service: KeyService
) -> None:
    arn = secret(bed, service)
    # The same key written again (by hand): AWSPREVIOUS and AWSCURRENT both hold k0.
    bed.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=bed.value(arn))

    bed.rotate(arn)

    assert ("DELETE", "/keys/k0", 409) not in service.requests
    assert service.works(FIRST_KEY)


def test_an_awsprevious_of_another_shape_is_not_revoked_and_does_not_block(
    bed: StrategyTestbed, service: KeyService
) -> None:
    """A secret that held something else before this strategy rotated it."""
    arn = bed.create_secret("vendor/api-key", "an old plain value")
    value = {"service_url": service.url, "key_id": "k0", "api_key": FIRST_KEY}
    bed.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=json.dumps(value))

    bed.rotate(arn)

    assert service.works(key(bed, arn)["api_key"])
    assert not [r for r in service.requests if r[0] == "DELETE"]
