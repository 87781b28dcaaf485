"""Protocol version 1 keeps working: a strategy written for it, frozen, rotates unchanged.

``protocol_v1/legacy_key.py`` is never edited; this test runs it through what the testbed offers
(rotation, one step at a time, testSecret alone, the reattempt after a failure).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rotation_testing.testbed import StrategyTestbed
from rotator.errors import PendingValueInvalidError

SOURCE = Path(__file__).parent / "protocol_v1"


def test_a_version_1_strategy_rotates_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "legacy_key", raising=False)
    with StrategyTestbed("legacy_key:LegacyKey", source_dir=SOURCE) as bed:
        issuer = bed.create_secret("issuer", json.dumps({"realm": "eu"}))
        arn = bed.create_secret("legacy", json.dumps({"issuer": issuer, "key": "first"}))

        first = bed.rotate(arn)
        second = bed.rotate(arn)

        issued = sys.modules["legacy_key"].ISSUED
        value = json.loads(bed.value(arn))
        previous = json.loads(bed.value(arn, "AWSPREVIOUS"))
        # The key AWSPREVIOUS holds stays registered until the next rotation.
        assert value["realm"] == "eu"
        assert issued == {first: previous["key"], second: value["key"]}
        assert bed.stages(arn)[first] == ["AWSPREVIOUS"]

        assert bed.rotate(arn, rotate_immediately=False) not in bed.stages(arn)

        token = bed.stage(arn)
        for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
            bed.new_container()
            bed.run_step(step, arn, token)
        assert "AWSCURRENT" in bed.stages(arn)[token]
        bed.assert_no_secret_logged()


def test_a_version_1_failure_is_retried_with_the_same_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "legacy_key", raising=False)
    with StrategyTestbed("legacy_key:LegacyKey", source_dir=SOURCE) as bed:
        issuer = bed.create_secret("issuer", json.dumps({"realm": "eu"}))
        arn = bed.create_secret("legacy", json.dumps({"issuer": issuer, "key": "first"}))
        # The issuer forgets every key it registers: testSecret fails.
        import legacy_key  # noqa: PLC0415  on sys.path while the testbed is open

        monkeypatch.setattr(legacy_key, "ISSUED", _Forgetful())
        with pytest.raises(PendingValueInvalidError) as raised:
            bed.rotate(arn)
        monkeypatch.setattr(legacy_key, "ISSUED", {})

        assert bed.retry(arn) == raised.value.token
        assert json.loads(bed.value(arn))["key"] != "first"


class _Forgetful(dict[str, str]):
    def __setitem__(self, key: str, value: str) -> None:
        del key, value
