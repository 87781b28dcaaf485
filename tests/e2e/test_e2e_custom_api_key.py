"""examples/custom-api-key end to end on the sandbox, applied from a saved plan.

Applied as a CI pipeline does it (e2e_support.apply_saved_plan): planned with `-out` in one fresh
checkout, the plan file applied from another, so the zip with the example's rotation/ is the one
the apply job wrote from its own checkout. The key service runs on a thread of this process on
loopback (tests/key_service.py); the sandbox's Lambda runner runs the function, unpacked from
that zip (the rotator and rotation/ under custom_strategy/), as a local process that reaches it.
The apply's own rotation (rotate_immediately) is the first; two more follow. No plan afterwards:
the other end-to-end tests show a rotated secret plans without changes, and this stack adds
nothing there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from e2e_support import AppliedStack, apply_saved_plan
from key_service import KeyService

from sandbox.server import Sandbox

pytestmark = pytest.mark.e2e

FIRST_KEY = "first-key-issued-by-hand-0123456789"


@pytest.fixture(scope="module")
def service() -> Iterator[KeyService]:
    with KeyService() as running:
        running.issue("k0", FIRST_KEY)
        yield running


@pytest.fixture(scope="module")
def applied(
    e2e_sandbox: Sandbox, service: KeyService, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppliedStack]:
    variables = {"service_url": service.url, "initial_key_id": "k0", "initial_api_key": FIRST_KEY}
    stack = apply_saved_plan(
        "custom-api-key", e2e_sandbox, tmp_path_factory.mktemp("custom-api-key-ci"), variables
    )
    try:
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
