"""What the function's log group says about an unfinished rotation.

The rotator writes one JSON line per step (rotator/logs.py): ``step_finished`` or
``step_failed`` with ``secret_arn``, ``token``, ``step`` and, for a failure, ``error_type`` (the
class in rotator/errors.py, or a strategy's) and ``error`` (its message, which ends with the
remedy). A step that fails before the rotator's handler runs (the runtime cannot import it, a
timeout, a fault) leaves only the Lambda runtime's own lines: ``[ERROR] <Type>: <message>`` and
``Task timed out after N seconds``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rotator import errors

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
TIMEOUT_REMEDY = (
    "The step ran out of time. From a VPC this is almost always no route to Secrets Manager or "
    "the database: add an interface endpoint for Secrets Manager (or a NAT route) and check the "
    "security groups; otherwise raise timeout on modules/rotation-function"
)


@dataclass(frozen=True)
class LogEvent:
    timestamp_ms: int
    message: str
    stream: str = ""


@dataclass(frozen=True)
class StepFailure:
    step: str | None  # None: the logs do not tell
    error_type: str
    remedy: str
    at_ms: int | None


# Strategies' own error modules, loaded when present (each defines RotationError subclasses).
STRATEGY_ERROR_MODULES = ("rotator.strategies.postgres.errors", "rotator.strategies.mysql.errors")


def _error_classes() -> dict[str, type[errors.RotationError]]:
    for name in STRATEGY_ERROR_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    found: dict[str, type[errors.RotationError]] = {}
    pending: list[type[errors.RotationError]] = [errors.RotationError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.__name__, cls)
        pending.extend(cls.__subclasses__())
    return found


def remedy_for(error_type: str, message: str = "") -> str:
    """The rotator's remedy for its error type (rotator/errors.py, a strategy's errors)."""
    cls = _error_classes().get(error_type)
    if cls is not None and cls.remedy:
        return cls.remedy
    if error_type == "TaskTimedOut" or "Task timed out" in message:
        return TIMEOUT_REMEDY
    return (
        "Not one of the rotator's own errors: read the function's log group around this time "
        "(the runtime could not run the handler, or a strategy raised it)"
    )


def _json(message: str) -> Mapping[str, Any] | None:
    text = message.strip()
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def failed_step(token: str, events: Iterable[LogEvent]) -> StepFailure | None:
    """Which step of the rotation ``token`` failed, and the remedy, from the log group's events.

    The rotator's own ``step_failed`` line for the token wins. Without one, the step is the
    first that never logged ``step_finished`` for the token, and the error the runtime's next
    ``[ERROR]`` line or timeout after the last step that finished.
    """
    ordered = sorted(events, key=lambda e: e.timestamp_ms)
    finished: dict[str, int] = {}
    failure: StepFailure | None = None
    for event in ordered:
        line = _json(event.message)
        if line is None or line.get("token") != token:
            continue
        step = str(line.get("step") or "") or None
        if line.get("message") == "step_finished" and step:
            finished[step] = event.timestamp_ms
        elif line.get("message") == "step_failed":
            error_type = str(line.get("error_type") or "Exception")
            failure = StepFailure(
                step,
                error_type,
                remedy_for(error_type, str(line.get("error", ""))),
                event.timestamp_ms,
            )
    if failure is not None and failure.step not in finished:
        return failure
    after = max(finished.values(), default=None)
    for event in ordered:
        if after is not None and event.timestamp_ms < after:
            continue
        text = event.message.strip()
        runtime_error = _runtime_error_type(text)
        if runtime_error is None:
            continue
        step = next((s for s in STEPS if s not in finished), None) if finished else None
        return StepFailure(step, runtime_error, remedy_for(runtime_error, text), event.timestamp_ms)
    return None


def _runtime_error_type(text: str) -> str | None:
    """The Lambda runtime's error line (``[ERROR] Type: message``) or its timeout line."""
    if text.startswith("[ERROR]"):
        return text.removeprefix("[ERROR]").strip().split(":", 1)[0].strip() or "Error"
    if "Task timed out after" in text:
        return "TaskTimedOut"
    return None
