"""The function's configuration: environment variables read into one frozen value.

Names and defaults of the password variables are those of AWS's rotation templates
(aws-samples/aws-secrets-manager-rotation-lambdas). An unset or empty variable takes its default,
except EXCLUDE_CHARACTERS, where an empty value means "exclude nothing" as in the templates, and
whose default depends on ROTATION_STRATEGY (strategy_registry.default_exclude_characters). A bad
value raises ConfigurationError naming the variable and what it accepts.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from rotator import strategy_registry as strategies
from rotator.errors import ConfigurationError
from rotator.passwords import PasswordPolicy

_TRUE = frozenset({"true", "1", "yes", "y"})
_FALSE = frozenset({"false", "0", "no", "n"})
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Config values are not secrets, but a mistyped one could be anything: quote at most this much.
_ECHO_LIMIT = 60


@dataclass(frozen=True)
class Config:
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    rotate_keys: tuple[str, ...] = ("password",)
    strategy: str = "generic"
    log_level: int = logging.INFO
    secrets_manager_endpoint: str | None = None
    # "module:Class" of the user's strategy; set exactly when strategy is "custom".
    custom_strategy: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        strategy = _strategy(env)
        policy = PasswordPolicy(
            length=_integer(env, "PASSWORD_LENGTH", 32),
            exclude_characters=env.get(
                "EXCLUDE_CHARACTERS", strategies.default_exclude_characters(strategy)
            ),
            exclude_numbers=_boolean(env, "EXCLUDE_NUMBERS", default=False),
            exclude_punctuation=_boolean(env, "EXCLUDE_PUNCTUATION", default=False),
            exclude_uppercase=_boolean(env, "EXCLUDE_UPPERCASE", default=False),
            exclude_lowercase=_boolean(env, "EXCLUDE_LOWERCASE", default=False),
            include_space=_boolean(env, "INCLUDE_SPACE", default=False),
            require_each_included_type=_boolean(env, "REQUIRE_EACH_INCLUDED_TYPE", default=True),
        )
        policy.character_classes()  # raises ConfigurationError for an impossible policy
        return cls(
            password_policy=policy,
            rotate_keys=_key_list(env, "ROTATE_KEYS", ("password",)),
            strategy=strategy,
            log_level=log_level_from_env(env),
            secrets_manager_endpoint=_endpoint(env, "SECRETS_MANAGER_ENDPOINT"),
            custom_strategy=_custom_strategy(env, strategy),
        )


def log_level_from_env(env: Mapping[str, str]) -> int:
    raw = _raw(env, "LOG_LEVEL")
    if raw is None:
        return logging.INFO
    name = raw.upper()
    if name == "WARN":
        name = "WARNING"
    if name not in _LOG_LEVELS:
        raise _bad("LOG_LEVEL", raw, "one of " + ", ".join(_LOG_LEVELS) + " (any case)")
    level: int = getattr(logging, name)
    return level


def _raw(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _bad(name: str, value: str, accepted: str) -> ConfigurationError:
    shown = value if len(value) <= _ECHO_LIMIT else value[:_ECHO_LIMIT] + "..."
    return ConfigurationError(
        f"environment variable {name} is {shown!r}", remedy=f"Set {name} to {accepted}"
    )


def boolean_from_env(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    """A strategy's own boolean variable, read as the rotator's are (true/1/yes/y, false/0/no/n)."""
    return _boolean(env, name, default=default)


def _boolean(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = _raw(env, name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise _bad(name, raw, "true/1/yes/y or false/0/no/n (any case)")


def _integer(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _raw(env, name)
    if raw is None:
        return default
    try:
        return int(raw, 10)
    except ValueError:
        raise _bad(name, raw, "a whole number from 4 to 4096") from None


def _key_list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = _raw(env, name)
    if raw is None:
        return default
    keys = tuple(dict.fromkeys(k.strip() for k in raw.split(",") if k.strip()))
    if not keys:
        raise _bad(name, raw, "a comma-separated list of JSON keys, e.g. password,api_key")
    return keys


_ENDPOINT = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?/?$")


def _endpoint(env: Mapping[str, str], name: str) -> str | None:
    """An endpoint URL (scheme and host) or None for boto3's usual resolution.

    AWS's rotation templates pass SECRETS_MANAGER_ENDPOINT to the client when it is set: an
    interface VPC endpoint without private DNS is reached by its own DNS name.
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html
    """
    raw = _raw(env, name)
    if raw is None:
        return None
    if not _ENDPOINT.match(raw):
        raise _bad(
            name,
            raw,
            "a URL with scheme and host only, e.g. "
            "https://vpce-0123456789abcdef0-abcdefgh.secretsmanager.eu-west-1.vpce.amazonaws.com",
        )
    return raw


def _strategy(env: Mapping[str, str]) -> str:
    raw = _raw(env, "ROTATION_STRATEGY")
    if raw is None:
        return "generic"
    if raw not in strategies.selectable_names():
        raise _bad("ROTATION_STRATEGY", raw, "one of " + ", ".join(strategies.selectable_names()))
    return raw


def _custom_strategy(env: Mapping[str, str], strategy: str) -> str | None:
    """CUSTOM_STRATEGY ("module:Class"): required with ROTATION_STRATEGY=custom, refused without."""
    raw = _raw(env, "CUSTOM_STRATEGY")
    if strategy != strategies.CUSTOM:
        if raw is not None:
            raise ConfigurationError(
                f"CUSTOM_STRATEGY is set but ROTATION_STRATEGY is {strategy!r}",
                remedy="Set ROTATION_STRATEGY to custom to use that class, or unset "
                "CUSTOM_STRATEGY",
            )
        return None
    if raw is None:
        raise ConfigurationError(
            "ROTATION_STRATEGY is custom but CUSTOM_STRATEGY is not set",
            remedy="Set CUSTOM_STRATEGY to module:Class, e.g. vendor_x:VendorXKey",
        )
    if not strategies.CUSTOM_CLASS_SPEC.match(raw):
        raise _bad("CUSTOM_STRATEGY", raw, "module:Class, e.g. " + strategies.CUSTOM_CLASS_EXAMPLE)
    return raw
