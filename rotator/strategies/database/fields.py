"""Reading a database secret's JSON fields, the same way for every engine.

Each reader appends a problem (what the key must hold, and what was given, never a password)
instead of raising, so one error can list everything wrong with a secret at once.
"""

from __future__ import annotations

from typing import Any


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
