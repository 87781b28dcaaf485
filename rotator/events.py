"""The rotation event Secrets Manager sends, as a typed value.

https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from rotator.errors import InvalidEventError

Step = Literal["createSecret", "setSecret", "testSecret", "finishSecret"]
STEPS: Final[tuple[Step, ...]] = get_args(Step)
_REQUIRED = ("SecretId", "ClientRequestToken", "Step")
_ECHO_LIMIT = 40


@dataclass(frozen=True)
class RotationEvent:
    secret_id: str
    token: str
    step: Step
    # Sent by Secrets Manager when the function rotates a secret of another account (or through an
    # assumed role); PutSecretValue requires it then. Sensitive: "the service does not include it
    # in CloudTrail log entries. If you create your own log entries, you must also avoid logging
    # the information in this field" (API_PutSecretValue). Kept out of repr, never logged.
    rotation_token: str | None = field(default=None, repr=False)


def parse_event(event: object) -> RotationEvent:
    """Validate the shape of ``event``; raise InvalidEventError naming what is wrong.

    Only the three fields and the optional RotationToken are read. The event is never echoed: a
    mistaken invoker could put anything in it.
    """
    if not isinstance(event, Mapping):
        raise InvalidEventError(f"the event is a {type(event).__name__}, not a JSON object")
    missing = [k for k in _REQUIRED if k not in event]
    if missing:
        raise InvalidEventError(f"the event has no {', '.join(missing)}")
    wrong = [k for k in _REQUIRED if not isinstance(event[k], str) or not event[k].strip()]
    if wrong:
        raise InvalidEventError(f"{', '.join(wrong)} must be a non-empty string")
    secret_id: str = event["SecretId"]
    token: str = event["ClientRequestToken"]
    step = _step(event["Step"])
    return RotationEvent(
        secret_id=secret_id, token=token, step=step, rotation_token=_rotation_token(event)
    )


def _rotation_token(event: Mapping[str, Any]) -> str | None:
    """The RotationToken, or None when the service sent none (same-account rotation)."""
    value = event.get("RotationToken")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        # Named by type only: the field is sensitive.
        raise InvalidEventError(f"RotationToken is a {type(value).__name__}, not a string")
    return value


def _step(value: Any) -> Step:
    for step in STEPS:
        if value == step:
            return step
    shown = value if len(value) <= _ECHO_LIMIT else value[:_ECHO_LIMIT] + "..."
    raise InvalidEventError(f"Step is {shown!r}, not one of {', '.join(STEPS)}")
