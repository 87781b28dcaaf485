"""The Secrets Manager client: its limits, and the DEBUG line each call leaves.

README ("AWS client"): standard retry mode with 3 attempts in all, connect timeout 5 s, read
timeout 10 s, so one hung call cannot use up the function's timeout (botocore's defaults are
60 s each).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from rotator_harness import STEPS, Service

from rotator import handler, logs, secret_store
from rotator.errors import (
    InvalidEventError,
    SecretsManagerCallError,
    SecretsManagerUnavailableError,
    UnexpectedStepError,
)
from rotator.logs import StepLog
from rotator.secret_store import SecretStore, make_client

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"


def test_client_retries_twice_and_gives_up_on_a_hung_call_within_fifteen_seconds() -> None:
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    config = make_client(session).meta.config

    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert config.connect_timeout == 5
    assert config.read_timeout == 10


class ScriptedClient:
    """DescribeSecret answers from a script: a response, or an exception to raise."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)

    def describe_secret(self, **_: Any) -> dict[str, Any]:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        result: dict[str, Any] = answer
        return result


@pytest.fixture
def debug_lines(capfd: pytest.CaptureFixture[str]) -> Iterator[Any]:
    logs.configure(logging.DEBUG)
    capfd.readouterr()

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capfd.readouterr().out.splitlines() if line]

    yield read
    logs.configure(logs.DEFAULT_LEVEL)


def test_each_call_leaves_a_debug_line_with_its_api_and_duration(debug_lines: Any) -> None:
    store = SecretStore(ScriptedClient({"ARN": ARN}), StepLog(step="setSecret"))

    metadata = store.describe(ARN)

    (line,) = debug_lines()
    assert (line["message"], line["level"], line["api"]) == ("aws_call", "DEBUG", "DescribeSecret")
    assert line["step"] == "setSecret"
    assert isinstance(line["duration_ms"], float)
    assert metadata.rotation_enabled is False
    assert metadata.versions == {}


def test_a_refused_call_leaves_a_debug_line_with_the_error_code(debug_lines: Any) -> None:
    refusal = ClientError({"Error": {"Code": "ThrottlingException"}}, "DescribeSecret")
    store = SecretStore(ScriptedClient(refusal), StepLog())

    with pytest.raises(SecretsManagerCallError):
        store.describe(ARN)

    (line,) = debug_lines()
    assert (line["message"], line["api"], line["error_type"]) == (
        "aws_call_failed",
        "DescribeSecret",
        "ThrottlingException",
    )


def test_an_unreachable_service_is_an_error_that_says_the_step_is_safe_to_retry(
    debug_lines: Any,
) -> None:
    store = SecretStore(
        ScriptedClient(EndpointConnectionError(endpoint_url="https://sm")), StepLog()
    )

    with pytest.raises(SecretsManagerUnavailableError) as raised:
        store.describe(ARN)

    assert raised.value.problem == (
        "DescribeSecret failed after 3 attempts: EndpointConnectionError: "
        'Could not connect to the endpoint URL: "https://sm"'
    )
    (line,) = debug_lines()
    assert (line["message"], line["api"], line["error_type"]) == (
        "aws_call_failed",
        "DescribeSecret",
        "EndpointConnectionError",
    )


def test_finish_secret_logs_which_version_lost_awscurrent_at_debug(
    service: Service, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    arn = service.create("finished", "value-123456")
    before = next(v for v, s in service.stages(arn).items() if "AWSCURRENT" in s)
    token = service.stage(arn)
    for step in STEPS[:3]:
        service.run(step, arn, token)
    capfd.readouterr()

    service.run("finishSecret", arn, token)

    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    moved = [line for line in lines if line["message"] == "moved AWSCURRENT"]
    assert [(line["from_version"], line["token"]) for line in moved] == [(before, token)]


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.ERROR])
def test_library_loggers_are_held_at_warning_or_above_and_do_not_propagate(level: int) -> None:
    """boto3/botocore/urllib3 log request and response bodies (the secret) at DEBUG."""
    for name in ("boto3", "botocore", "urllib3", "s3transfer"):
        logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger(name).propagate = True

    logs.configure(level)

    try:
        for name in ("boto3", "botocore", "urllib3", "s3transfer"):
            library = logging.getLogger(name)
            assert library.level == max(logging.WARNING, level), name
            assert library.propagate is False, name
    finally:
        logs.configure(logs.DEFAULT_LEVEL)


def test_the_functions_lines_reach_the_runtimes_root_handler_never(service: Service) -> None:
    """Lambda's runtime has its own root handler: a propagating line would be printed twice."""
    seen: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    root = logging.getLogger()
    handler = Collect(level=logging.DEBUG)
    root.addHandler(handler)
    try:
        arn = service.create("once", "value-123456")
        service.rotate(arn)
    finally:
        root.removeHandler(handler)

    assert [r.name for r in seen if r.name.split(".")[0] in {"rotator", "botocore", "boto3"}] == []


def test_a_library_warning_is_printed_as_one_json_line(capfd: pytest.CaptureFixture[str]) -> None:
    logs.configure(logging.INFO)
    capfd.readouterr()

    logging.getLogger("botocore.credentials").warning("credentials expire in %d minutes", 5)

    captured = capfd.readouterr()
    (line,) = [json.loads(text) for text in captured.out.splitlines()]
    assert (line["level"], line["logger"], line["message"]) == (
        "WARNING",
        "botocore.credentials",
        "credentials expire in 5 minutes",
    )
    assert captured.err == ""


def test_a_library_debug_line_is_dropped_even_when_its_level_is_lowered_later(
    capfd: pytest.CaptureFixture[str],
) -> None:
    logs.configure(logging.DEBUG)
    logging.getLogger("botocore.endpoint").setLevel(logging.DEBUG)  # as a tool or a test might
    capfd.readouterr()
    try:
        logging.getLogger("botocore.endpoint").debug("Response body: the secret value")
    finally:
        logs.configure(logs.DEFAULT_LEVEL)

    captured = capfd.readouterr()
    assert "the secret value" not in captured.out + captured.err


def test_a_line_carries_its_time_in_utc_to_the_millisecond() -> None:
    record = logging.LogRecord("botocore", logging.WARNING, __file__, 1, "slow", None, None)
    record.created = 1_700_000_000.123

    line = json.loads(logs.JsonFormatter().format(record))

    assert line == {
        "time": "2023-11-14T22:13:20.123Z",
        "level": "WARNING",
        "logger": "botocore",
        "message": "slow",
    }


class SteppingClock:
    """perf_counter for the handler only: each reading is 0.25 s after the previous one."""

    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        self.now += 0.25
        return self.now


def test_a_rejected_event_logs_step_failed_with_its_duration(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(handler, "time", SteppingClock())
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    capfd.readouterr()

    with pytest.raises(InvalidEventError):
        handler.lambda_handler({"Step": "createSecret"}, None)

    (line,) = [json.loads(text) for text in capfd.readouterr().out.splitlines()]
    assert line["message"] == "step_failed"
    assert (line["level"], line["outcome"], line["error_type"]) == (
        "ERROR",
        "error",
        "InvalidEventError",
    )
    assert line["duration_ms"] == 250.0


def test_an_unexpected_error_logs_step_failed_with_its_type_only(
    service: Service, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    arn = service.create("unexpected", "value-123456")
    token = service.stage(arn)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")

    def describe(self: SecretStore, secret_id: str) -> Any:
        raise ZeroDivisionError("value-123456")

    monkeypatch.setattr(SecretStore, "describe", describe)
    capfd.readouterr()

    with pytest.raises(UnexpectedStepError):
        service.run("setSecret", arn, token)

    lines = [json.loads(text) for text in capfd.readouterr().out.splitlines()]
    assert [line["message"] for line in lines] == ["step_started", "step_failed"]
    assert lines[0]["step"] == "setSecret"
    failed = lines[1]
    assert (failed["level"], failed["outcome"], failed["error_type"]) == (
        "ERROR",
        "error",
        "ZeroDivisionError",
    )
    assert "error" not in failed
    assert isinstance(failed["duration_ms"], float)


def test_an_injected_client_is_the_one_every_later_call_uses() -> None:
    injected = ScriptedClient()
    try:
        secret_store.set_client(injected)

        assert secret_store.get_client() is injected
        assert secret_store.get_client() is injected
    finally:
        secret_store.set_client(None)


def test_the_generic_set_secret_says_at_debug_that_it_has_nothing_to_do(
    service: Service, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    arn = service.create("generic", "value-123456")
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    capfd.readouterr()

    service.run("setSecret", arn, token)

    messages = [json.loads(line)["message"] for line in capfd.readouterr().out.splitlines()]
    assert "generic strategy: nothing to set downstream" in messages


def test_a_step_with_nothing_to_do_says_why_at_debug(
    service: Service, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    arn = service.create("done", "value-123456")
    token = service.rotate(arn)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    capfd.readouterr()

    service.run("finishSecret", arn, token)

    messages = [json.loads(line)["message"] for line in capfd.readouterr().out.splitlines()]
    assert "token already holds AWSCURRENT: nothing to do" in messages


def test_a_calls_duration_is_in_milliseconds_to_a_tenth(
    debug_lines: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SteppingClock()
    clock.now = 100.0
    monkeypatch.setattr(secret_store, "time", _ClockStep(clock, 0.01234))
    store = SecretStore(ScriptedClient({"ARN": ARN}), StepLog())

    store.describe(ARN)

    (line,) = debug_lines()
    assert line["duration_ms"] == 12.3


class _ClockStep:
    """perf_counter advancing by ``step`` seconds per reading."""

    def __init__(self, clock: SteppingClock, step: float) -> None:
        self.clock, self.step = clock, step

    def perf_counter(self) -> float:
        self.clock.now += self.step
        return self.clock.now
