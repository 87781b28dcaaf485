"""examples/custom-api-key end to end on the sandbox: one apply, the strategy from the packed zip.

The key service runs on a thread of this process on loopback (tests/key_service.py); the
sandbox's Lambda runner runs the function, unpacked from the zip Terraform built (the rotator and
the example's rotation/ under custom_strategy/), as a local process that reaches it. The apply's
own rotation (rotate_immediately) is the first; two more follow. No plan afterwards: the other
end-to-end tests show a rotated secret plans without changes, and this stack adds nothing there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from e2e_support import AppliedStack
from key_service import KeyService

from sandbox.server import Sandbox
from sandbox.stack import Stack

pytestmark = pytest.mark.e2e

FIRST_KEY = "first-key-issued-by-hand-0123456789"


@pytest.fixture(scope="module")
def service() -> Iterator[KeyService]:
    with KeyService() as running:
        running.issue("k0", FIRST_KEY)
        yield running


@pytest.fixture(scope="module")
def applied(e2e_sandbox: Sandbox, service: KeyService) -> Iterator[AppliedStack]:
    stack = Stack("custom-api-key", e2e_sandbox)
    try:
        stack.write_vars(
            {"service_url": service.url, "initial_key_id": "k0", "initial_api_key": FIRST_KEY}
        )
        stack.init()
        stack.apply()
        yield AppliedStack(stack, e2e_sandbox)
    finally:
        stack.cleanup()


def key(stack: AppliedStack, stage: str = "AWSCURRENT") -> dict[str, str]:
    value: dict[str, str] = json.loads(stack.value(stack.outputs["secret_arn"], stage))
    return value


def test_rotations_register_new_keys_and_revoke_the_one_before_the_previous(
    applied: AppliedStack, service: KeyService
) -> None:
    arn = applied.outputs["secret_arn"]
    first = applied.sandbox.wait_for_rotation(arn)
    assert first["outcome"] == "succeeded", first.get("error")
    second_key = key(applied)
    assert service.works(second_key["api_key"])
    assert service.works(FIRST_KEY), "the key in AWSPREVIOUS still works"

    for _ in range(2):
        rotation = applied.rotate(arn)
        assert rotation["outcome"] == "succeeded", rotation.get("error")

    current, previous = key(applied), key(applied, "AWSPREVIOUS")
    assert service.works(current["api_key"]), "the new key works against the service"
    assert service.works(previous["api_key"]), "the previous key still works"
    assert not service.works(second_key["api_key"]), "the key before the previous is revoked"
    assert not service.works(FIRST_KEY)
    assert service.key_ids() == {current["key_id"], previous["key_id"]}
    assert current["service_url"] == service.url
