"""The function's configuration: environment variables read into one frozen value.

Names and defaults of the password variables are those of AWS's rotation templates
(aws-samples/aws-secrets-manager-rotation-lambdas). An unset or empty variable takes its default,
except EXCLUDE_CHARACTERS, where an empty value means "exclude nothing" as in the templates, and
whose default depends on ROTATION_STRATEGY (strategy_registry.default_exclude_characters). A bad
value raises ConfigurationError naming the variable and what it accepts.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from rotator import strategy_registry as strategies
from rotator.errors import ConfigurationError
from rotator.passwords import PasswordPolicy

_TRUE = frozenset({"true", "1", "yes", "y"})
_FALSE = frozenset({"false", "0", "no", "n"})
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Config values are not secrets, but a mistyped one could be anything: quote at most this much.
_ECHO_LIMIT = 60
# modules/rotation-function's iam_user_secret_tag_key defaults to the same (a test compares them).
DEFAULT_IAM_USER_SECRET_TAG_KEY = "rotation-secret-arn"  # noqa: S105  a tag key, not a secret
# A secret ARN, or one ending in -?????? (IAM's wildcard for the random suffix), as
# modules/rotation-function's master_secret_arns accepts them.
_MASTER_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+(\?{6})?$"
)
_TAG_KEY = re.compile(r"^[A-Za-z0-9 _.:/=+@-]{1,128}$")
# A whole secret ARN (IAM_USER_BINDINGS keys: no wildcard) and an IAM user name ("Names of users
# ... can be a combination of up to 64 letters, digits, and these characters: plus (+), equal (=),
# comma (,), period (.), at sign (@), underscore (_), and hyphen (-)", IAM user guide, "IAM
# object quotas" / "IAM identifiers").
_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+$"
)
_USER_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")
_BINDINGS_ACCEPTED = (
    "a JSON object of secret ARN to IAM user name, each user bound to one secret "
    "(modules/rotation-function sets it from iam_user_bindings), e.g. "
    '{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/deployer-AbCdEf": "ci-deployer"}'
)


@dataclass(frozen=True)
class Config:
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    rotate_keys: tuple[str, ...] = ("password",)
    strategy: str = "generic"
    log_level: int = logging.INFO
    secrets_manager_endpoint: str | None = None
    # "module:Class" of the user's strategy; set exactly when strategy is "custom".
    custom_strategy: str | None = None
    # MASTER_SECRET_ARNS: the administrator secrets a database secret's "masterarn" may name
    # (modules/rotation-function's master_secret_arns). Empty: no secret may act as a master.
    master_secret_arns: tuple[str, ...] = ()
    # IAM_USER_SECRET_TAG_KEY: the tag on an IAM user whose value is the ARN of the one secret
    # the iam-access-key strategy may rotate that user's keys for.
    iam_user_secret_tag_key: str = DEFAULT_IAM_USER_SECRET_TAG_KEY
    # IAM_USER_BINDINGS: secret ARN -> the IAM user whose keys the iam-access-key strategy
    # rotates for that secret (modules/rotation-function's iam_user_bindings). A secret listed
    # here needs no tag on its user; the tag, if present, must name the same secret.
    iam_user_bindings: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

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
            master_secret_arns=master_secret_arns_from_env(env),
            iam_user_secret_tag_key=_tag_key(env, "IAM_USER_SECRET_TAG_KEY"),
            iam_user_bindings=iam_user_bindings_from_env(env),
        )


def iam_user_bindings_from_env(env: Mapping[str, str]) -> Mapping[str, str]:
    """IAM_USER_BINDINGS: a JSON object of secret ARN to IAM user name, one secret per user."""
    name = "IAM_USER_BINDINGS"
    raw = _raw(env, name)
    if raw is None:
        return MappingProxyType({})
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        raise _bad(name, raw, _BINDINGS_ACCEPTED) from None
    if not isinstance(parsed, dict):
        raise _bad(name, raw, _BINDINGS_ACCEPTED)
    for arn, user in parsed.items():
        if not _SECRET_ARN.match(arn) or not isinstance(user, str) or not _USER_NAME.match(user):
            raise _bad(name, f"{arn}: {user}", _BINDINGS_ACCEPTED)
    users = list(parsed.values())
    if shared := sorted({u for u in users if users.count(u) > 1}):
        raise ConfigurationError(
            f"{name} binds IAM user {shared[0]!r} to more than one secret",
            remedy="Bind each IAM user to one secret: a user has one key pair to rotate",
        )
    return MappingProxyType(dict(parsed))


def master_secret_arns_from_env(env: Mapping[str, str]) -> tuple[str, ...]:
    """MASTER_SECRET_ARNS: comma-separated secret ARNs (a trailing ``-??????`` allowed)."""
    raw = _raw(env, "MASTER_SECRET_ARNS")
    if raw is None:
        return ()
    arns = tuple(dict.fromkeys(a.strip() for a in raw.split(",") if a.strip()))
    for arn in arns:
        if not _MASTER_ARN.match(arn):
            raise _bad(
                "MASTER_SECRET_ARNS",
                arn,
                "comma-separated secret ARNs (modules/rotation-function sets it from "
                "master_secret_arns), e.g. "
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/master-AbCdEf",
            )
    return arns


def _tag_key(env: Mapping[str, str], name: str) -> str:
    raw = _raw(env, name)
    if raw is None:
        return DEFAULT_IAM_USER_SECRET_TAG_KEY
    if not _TAG_KEY.match(raw) or raw.lower().startswith("aws:"):
        raise _bad(name, raw, "a tag key of 1 to 128 characters not starting with aws:")
    return raw


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
