"""Reading a database secret's JSON fields, the same way for every engine.

Each reader appends a problem (what the key must hold, and what was given, never a password)
instead of raising, so one error can list everything wrong with a secret at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rotator.errors import RotationError


def describe_given(obj: dict[str, Any], key: str) -> str:
    """What the secret holds under ``key``, for an error message (strings cut at 60 characters)."""
    if key not in obj:
        return "absent"
    value = obj[key]
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:60] + "..."
        return f"given {shown!r}"
    return f"given a JSON {type(value).__name__}"


def required_text(obj: dict[str, Any], key: str, problems: list[str], *, echo: bool = True) -> str:
    """A non-empty string without NUL; ``echo=False`` never repeats the value (a password)."""
    value = obj.get(key)
    if isinstance(value, str) and value and "\x00" not in value:
        return value
    detail = describe_given(obj, key) if echo else ("absent" if key not in obj else "given")
    problems.append(f'"{key}" must be a non-empty string without NUL characters ({detail})')
    return ""


def port(obj: dict[str, Any], problems: list[str], *, default: int) -> int:
    """1 to 65535; a string of digits too, as AWS's templates accept ("5432", "3306")."""
    value = obj.get("port", default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return value
    problems.append(f'"port" must be a number from 1 to 65535 ({describe_given(obj, "port")})')
    return default


def json_object(value: str, *, label: str, error: type[RotationError]) -> dict[str, Any]:
    """The secret's JSON object; ``error`` (the engine's own class) when it is not one."""
    try:
        obj = json.loads(value)
    except (ValueError, RecursionError):
        # Never echo the value or the parser's message (it quotes the document).
        raise error(f"{label} is not a JSON object") from None
    if not isinstance(obj, dict):
        raise error(f"{label} is JSON but not an object")
    return obj


def with_login(raw: dict[str, Any], username: str, password: str) -> str:
    """The secret's JSON with a new username and password; every other key kept as it is."""
    return json.dumps({**raw, "username": username, "password": password}, ensure_ascii=False)


@dataclass(frozen=True, repr=False)
class MasterLogin:
    """The credentials of an RDS-managed master secret, which holds nothing else."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"MasterLogin(user={self.username!r})"


def rds_managed_login(
    obj: dict[str, Any], *, label: str, error: type[RotationError]
) -> MasterLogin:
    """A master secret without "host": RDS-managed, so only "username" and "password"."""
    problems: list[str] = []
    username = required_text(obj, "username", problems)
    password = required_text(obj, "password", problems, echo=False)
    if problems:
        raise error(
            f'{label} has no "host" and is not an RDS-managed master secret either: '
            f"{'; '.join(problems)}"
        )
    return MasterLogin(username=username, password=password)
