"""examples/custom-api-key end to end on the sandbox, applied from a saved plan.

Applied as a CI pipeline does it (e2e_support.apply_saved_plan): planned with `-out` in one fresh
checkout, the plan file applied from another, so the zip with the example's rotation/ is the one
the apply job wrote from its own checkout. The key service runs on a thread of this process on
loopback (tests/key_service.py); the sandbox's Lambda runner runs the function, unpacked from
that zip (the rotator and rotation/ under custom_strategy/), as a local process that reaches it.
The apply's own rotation (rotate_immediately) is the first; two more follow, then a year of the
example's monthly windows with a failed rotation among them (the sandbox's clock, simulated).
No plan afterwards: the other end-to-end tests show a rotated secret plans without changes, and
this stack adds nothing there.
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
MONTHS = 12  # the example rotates every 30 days


@pytest.fixture(scope="module")
def service() -> Iterator[KeyService]:
    with KeyService() as running:
        running.issue("k0", FIRST_KEY)
        yield running


@pytest.fixture(scope="module")
def applied(
    service: KeyService, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppliedStack]:
    variables = {"service_url": service.url, "initial_key_id": "k0", "initial_api_key": FIRST_KEY}
    # A sandbox of its own: the year of rotations advances its clock, which would run every other
    # scheduled secret's windows too. Discarded whole, so no destroy.
    with Sandbox() as sandbox:
        stack = apply_saved_plan(
            "custom-api-key", sandbox, tmp_path_factory.mktemp("custom-api-key-ci"), variables
        )
        try:
            yield AppliedStack(stack, sandbox)
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


def test_a_year_of_monthly_rotations_with_a_failed_one_keeps_two_keys_on_the_service(
    applied: AppliedStack, service: KeyService
) -> None:
    """A rotation that fails after setSecret registered its key is reattempted with the same
    version: the key is registered again (the service answers 200 for the same key under the same
    id) and finished, and the service never holds more than the current and the previous key."""
    arn = applied.outputs["secret_arn"]
    function = applied.outputs["rotation_function_name"]
    before = key(applied)
    made = json.loads(applied.fail_once_then_reattempt(arn, function, "testSecret"))
    assert service.key_ids() == {before["key_id"], made["key_id"]}

    for previous, current in applied.rotate_in_windows(arn, MONTHS):
        assert service.key_ids() == {json.loads(v)["key_id"] for v in (previous, current)}
        assert service.works(json.loads(current)["api_key"])
        assert service.works(json.loads(previous)["api_key"])
