"""Logs: one JSON object per line with the step's facts, and never a secret value.

boto3/botocore log request and response bodies at DEBUG (a GetSecretValue response is the secret),
so these tests turn DEBUG on everywhere a user or a test framework could, and look for the values
in everything captured: stdout, stderr and the logging records.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from rotator_harness import STEPS, Service

from rotation_testing.testbed import StrategyTestbed
from rotator import logs
from rotator.errors import MissingRotateKeyError, RotationError

LIBRARY_LOGGERS = ("botocore", "botocore.endpoint", "botocore.parsers", "boto3", "urllib3")
# The cross-account RotationToken is sensitive like a value (API_PutSecretValue); the service
# sends it in every event of such a rotation, so the searches below look for it too.
ROTATION_TOKEN = "rotation-token-3c1f9a7e-5b2d-4e8f-9a61-0d7c2b4e8f13"


def _debug_everywhere(
    service: Service, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOG_LEVEL=DEBUG, and DEBUG on the root and library loggers before every invocation."""
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")

    def set_levels() -> None:
        caplog.set_level(logging.DEBUG)
        for name in LIBRARY_LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name)

    service.invoker.before_each = set_levels


def _secret_values(service: Service, arn: str) -> list[str]:
    values = []
    for stage in ("AWSCURRENT", "AWSPREVIOUS"):
        raw = service.value(arn, stage)
        values.append(raw)
        with contextlib.suppress(ValueError):
            values += [v for v in json.loads(raw).values() if isinstance(v, str)]
    # JSON-escaped forms too, since logs are JSON.
    return [f for v in values for f in {v, json.dumps(v)[1:-1]} if len(f) >= 8]


def _rotate_and_capture(
    service: Service, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> tuple[str, list[str]]:
    """Output of two rotations (not of the test's own calls that create the secrets)."""
    service.invoker.event_fields = {"RotationToken": ROTATION_TOKEN}
    arn = service.create("db", json.dumps({"username": "app", "password": "original-pw-1234"}))
    plain = service.create("key", "original-plain-5678")
    capfd.readouterr()
    caplog.clear()
    service.rotate(arn)
    service.rotate(plain)
    captured = capfd.readouterr()
    everything = captured.out + captured.err + caplog.text
    values = [*_secret_values(service, arn), *_secret_values(service, plain), ROTATION_TOKEN]
    return everything, values


def test_no_secret_value_anywhere_at_debug(
    service: Service,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _debug_everywhere(service, caplog, monkeypatch)

    everything, values = _rotate_and_capture(service, capfd, caplog)

    assert '"aws_call"' in everything, "DEBUG lines of the rotator itself are there"
    leaked = [v for v in values if v in everything]
    assert not leaked, f"{len(leaked)} secret value(s) found in the captured output"


def test_the_leak_check_finds_values_when_boto_logging_is_not_held_back(
    service: Service,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Control for the test above: without logs.configure's guard, boto's DEBUG leaks values."""
    monkeypatch.setattr(logs, "configure", lambda level: None)
    _debug_everywhere(service, caplog, monkeypatch)

    everything, values = _rotate_and_capture(service, capfd, caplog)

    assert any(v in everything for v in values)
    assert ROTATION_TOKEN in everything, "the search would find the RotationToken too"


def test_failed_step_logs_no_value_either(
    service: Service,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _debug_everywhere(service, caplog, monkeypatch)
    monkeypatch.setenv("ROTATE_KEYS", "api_key")
    arn = service.create("db", json.dumps({"password": "never-log-me-9876"}))
    capfd.readouterr()
    caplog.clear()

    with pytest.raises(MissingRotateKeyError) as raised:
        service.rotate(arn)

    captured = capfd.readouterr()
    assert "never-log-me-9876" not in captured.out + captured.err + caplog.text
    assert "never-log-me-9876" not in str(raised.value)


# A custom strategy that returns its new value as a dict, not the JSON text PutSecretValue takes.
_RETURNS_A_DICT = """
import json


class ReturnsDict:
    protocol_version = 1

    def create_pending_value(self, ctx, current):
        return {"api_key": "dict-leak-sentinel-4242"}

    def set_secret(self, ctx):
        pass

    def test_secret(self, ctx):
        pass
"""


def test_a_non_string_pending_value_is_refused_without_showing_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """botocore's parameter validation quotes the value; that text never reaches a message."""
    module = f"returns_dict_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(_RETURNS_A_DICT)
    with StrategyTestbed(f"{module}:ReturnsDict", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"api_key": "first"}))
        capfd.readouterr()
        caplog.clear()

        with pytest.raises(RotationError) as raised:
            bed.rotate(arn)

        assert json.loads(bed.value(arn))["api_key"] == "first"
    captured = capfd.readouterr()
    everything = captured.out + captured.err + caplog.text + str(raised.value)
    assert "dict-leak-sentinel-4242" not in everything
    assert "create_pending_value returned a dict" in str(raised.value)
    assert "return the new SecretString as a str" in str(raised.value)


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_each_step_logs_one_json_line_with_its_outcome(
    service: Service, capfd: pytest.CaptureFixture[str]
) -> None:
    arn = service.create("s", "value-abcdef")
    capfd.readouterr()

    token = service.rotate(arn)

    lines = _lines(capfd.readouterr().out)
    assert [line["step"] for line in lines] == list(STEPS)
    for line in lines:
        assert line["message"] == "step_finished"
        assert line["level"] == "INFO"
        assert line["secret_arn"] == arn
        assert line["token"] == token
        assert line["outcome"] == "ok"
        assert isinstance(line["duration_ms"], float)
        assert line["request_id"]


def test_retried_steps_log_noop_and_already_created(
    service: Service, capfd: pytest.CaptureFixture[str]
) -> None:
    arn = service.create("s", "value-abcdef")
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    capfd.readouterr()

    service.run("createSecret", arn, token)
    for step in STEPS[1:]:
        service.run(step, arn, token)
    service.run("finishSecret", arn, token)

    outcomes = [
        (line["step"], line["outcome"])
        for line in _lines(capfd.readouterr().out)
        if line["message"] == "step_finished"
    ]
    assert outcomes == [
        ("createSecret", "already_created"),
        ("setSecret", "ok"),
        ("testSecret", "ok"),
        ("finishSecret", "ok"),
        ("finishSecret", "noop"),
    ]


def test_failure_logs_error_type_and_message(
    service: Service, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTATE_KEYS", "api_key")
    arn = service.create("s", json.dumps({"password": "p"}))
    capfd.readouterr()

    with pytest.raises(MissingRotateKeyError):
        service.rotate(arn)

    (line,) = _lines(capfd.readouterr().out)
    assert line["level"] == "ERROR"
    assert line["outcome"] == "error"
    assert line["error_type"] == "MissingRotateKeyError"
    assert "api_key" in line["error"]
    assert line["step"] == "createSecret"


def test_log_records_carry_the_same_json_line(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    arn = service.create("s", "value-abcdef")
    caplog.clear()

    service.rotate(arn)

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "rotator"]
    assert [(line["step"], line["secret_arn"]) for line in lines] == [(s, arn) for s in STEPS]
