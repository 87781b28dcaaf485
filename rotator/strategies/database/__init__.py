"""Rules every database strategy follows, whatever the engine (PostgreSQL today, MySQL next).

Nothing here imports a driver. The public functions, in the order a multi-user setSecret uses
them:

* ``check_master_allowed(masterarn, allowed)``: the secret's "masterarn" must be one of the
  function's MASTER_SECRET_ARNS (modules/rotation-function's ``master_secret_arns``), checked
  before the master secret is read. An empty list refuses every master.
* ``check_same_endpoint(master_host, master_port, host, port, master_arn=...)``: the master's
  credentials are only sent to the host *and* port the master secret (or, for an RDS-managed
  one, the RDS API) names.
* ``check_not_master_user(pending_user, master_user, master_arn=...)``: the rotation never
  changes the master's own password.
* ``parse_tls_mode(value, default=...)``: the secret's "ssl" key as an explicit ``TlsMode``;
  ``default_tls_mode(env)`` reads DATABASE_TLS_DEFAULT, the mode for secrets without "ssl".
* ``master_tls_mode(master, rotated)``: the mode a master login uses: the stricter of the two,
  and never one that may end in plaintext unless both say plaintext explicitly.
* ``ca_bundle_path(env)`` and ``verified_tls_context(env)``: the CA bundle certificates are
  verified against (DATABASE_CA_BUNDLE, else PG_CA_BUNDLE, else the runtime's bundle).
* ``emit_tls_fallback_metric(...)``: one CloudWatch embedded-metric-format line per TLS
  fallback; modules/secret-rotation alarms on the metric.

Why a secret's keys need binding at all: whoever may write a secret the shared function rotates
chooses every key in it (host, port, username, masterarn). The function therefore acts on them only
where something an administrator configured agrees (STYLE.md, rule 17).
"""

from __future__ import annotations

import functools
import json
import os
import ssl
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Literal

from rotator.errors import ConfigurationError, RotationError

# How a connection uses TLS:
# - "verify":     TLS required; the certificate must chain to the CA bundle and name the host.
# - "unverified": TLS required, the certificate not checked (libpq's sslmode=require). Whoever
#                 answers may be a relay: engines must add their own proof (PostgreSQL: channel
#                 binding) or refuse to authenticate.
# - "plaintext":  never TLS. Only when someone wrote it down ("ssl": false).
# - "try":        AWS's templates' behaviour for a secret without "ssl": verify, else fall back.
#                 Kept for DATABASE_TLS_DEFAULT=try only; every fallback emits a metric.
TlsMode = Literal["verify", "unverified", "plaintext", "try"]
TLS_MODES: tuple[TlsMode, ...] = ("verify", "unverified", "plaintext", "try")
TLS_DEFAULT_VARIABLE = "DATABASE_TLS_DEFAULT"
CA_BUNDLE_VARIABLES = ("DATABASE_CA_BUNDLE", "PG_CA_BUNDLE")
# What the secret's "ssl" key may say, and the mode each means.
_SSL_VALUES: dict[object, TlsMode] = {
    True: "verify",
    "true": "verify",
    "verify": "verify",
    "verify-full": "verify",
    "unverified": "unverified",
    "require": "unverified",
    False: "plaintext",
    "false": "plaintext",
    "plaintext": "plaintext",
    "disable": "plaintext",
    "try": "try",
}
# The CloudWatch metric a TLS fallback writes (namespace, name); modules/secret-rotation's
# notifications alarm on it (a test keeps the module's names equal to these).
METRIC_NAMESPACE = "SecretsManagerRotation"
TLS_FALLBACK_METRIC = "DatabaseTlsFallback"


class MasterNotAllowedError(RotationError):
    """The secret's "masterarn" is not one of the master secrets the function was given."""

    remedy = (
        "Add the master secret's ARN to master_secret_arns on modules/rotation-function "
        '(MASTER_SECRET_ARNS), or set "masterarn" to one of the secrets listed there'
    )


class EndpointMismatchError(RotationError):
    """The rotated secret's host or port is not the master's."""

    remedy = (
        'Set "host" and "port" in the secret to those of the database the master secret is for, '
        'or set "masterarn" to the administrator secret of this secret\'s database'
    )


class MasterUserTargetedError(RotationError):
    """The rotation would change the master user's own password."""

    remedy = (
        'Set "username" to the application user this secret is for; the master user is never '
        "rotated by a multi-user rotation (rotate its own secret instead)"
    )


class TlsModeInvalidError(RotationError):
    remedy = (
        'Set "ssl" to true (verify the certificate), "unverified" (TLS without verification), '
        "or false (no TLS), or leave it out to use the function's DATABASE_TLS_DEFAULT"
    )


def check_master_allowed(masterarn: str, allowed: Sequence[str]) -> None:
    """Refuse ``masterarn`` unless it is one of ``allowed`` (a trailing ``-??????`` matches any
    six-character suffix, as in IAM). Call it before reading the master secret."""
    if not allowed:
        raise MasterNotAllowedError(
            f"the secret names masterarn {masterarn}, but the function was given no master "
            "secrets (MASTER_SECRET_ARNS is empty), so no secret may act as a master",
            remedy="Set master_secret_arns on modules/rotation-function to the administrator "
            "secrets this function may use",
        )
    if not any(_arn_matches(pattern, masterarn) for pattern in allowed):
        raise MasterNotAllowedError(
            f"masterarn {masterarn} is not one of the master secrets the function was given "
            f"(MASTER_SECRET_ARNS: {', '.join(allowed)})"
        )


def _arn_matches(pattern: str, arn: str) -> bool:
    if pattern.endswith("-??????"):
        stem = pattern[: -len("??????")]
        return arn.startswith(stem) and len(arn) == len(pattern)
    return arn == pattern


def same_host(a: str, b: str) -> bool:
    """DNS names compare case-insensitively (RFC 4343); a trailing dot names the same host."""
    return a.rstrip(".").lower() == b.rstrip(".").lower()


def check_same_endpoint(
    master_host: str, master_port: int, host: str, port: int, *, master_arn: str
) -> None:
    """Refuse unless ``host:port`` is where the master's credentials belong."""
    if not same_host(master_host, host) or master_port != port:
        raise EndpointMismatchError(
            f"the master secret {master_arn} is for {master_host}:{master_port}, this secret for "
            f"{host}:{port}: the master credentials are only sent to their own host and port"
        )


def check_not_master_user(pending_user: str, master_user: str, *, master_arn: str) -> None:
    if pending_user == master_user:
        raise MasterUserTargetedError(
            f"the pending user {pending_user!r} is the user of the master secret {master_arn}"
        )


def default_tls_mode(env: Mapping[str, str] | None = None) -> TlsMode:
    """DATABASE_TLS_DEFAULT: the mode of a secret without "ssl".

    modules/rotation-function sets "verify" unless told otherwise (database_tls_default). Unset
    (a function deployed some other way) it is "try", AWS's templates' behaviour for a secret
    without "ssl", tightened: never plaintext, and unverified TLS only with channel binding.
    """
    environ = os.environ if env is None else env
    raw = environ.get(TLS_DEFAULT_VARIABLE, "").strip().lower()
    if not raw:
        return "try"
    for mode in TLS_MODES:
        if raw == mode:
            return mode
    raise ConfigurationError(
        f"environment variable {TLS_DEFAULT_VARIABLE} is {raw[:60]!r}",
        remedy=f"Set {TLS_DEFAULT_VARIABLE} to one of {', '.join(TLS_MODES)} "
        "(modules/rotation-function: database_tls_default)",
    )


def parse_tls_mode(value: object, *, present: bool, default: TlsMode) -> TlsMode | None:
    """The secret's "ssl" value as a mode; ``default`` when absent; None when not understood."""
    if not present:
        return default
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, (bool, str)):
        return _SSL_VALUES.get(key)
    return None


_STRICTNESS: dict[TlsMode, int] = {"plaintext": 0, "try": 1, "unverified": 2, "verify": 3}


def strictest(*modes: TlsMode) -> TlsMode:
    return max(modes, key=_STRICTNESS.__getitem__)


def master_tls_mode(master: TlsMode, rotated: TlsMode) -> TlsMode:
    """A master login uses the stricter of the two modes and never falls back to plaintext:
    "try" becomes "verify". Plaintext only when both secrets say so explicitly."""
    mode = strictest(master, rotated)
    return "verify" if mode == "try" else mode


def ca_bundle_path(env: Mapping[str, str] | None = None) -> str | None:
    """The CA bundle to verify against: DATABASE_CA_BUNDLE, else PG_CA_BUNDLE, else None (the
    runtime's bundle).

    The Lambda Python runtime verifies with OpenSSL's default store, which holds public CAs only.
    RDS and Aurora certificates are issued by Amazon RDS's own CAs, which clients must be given
    ("download a certificate bundle",
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html); Lambda ships
    Amazon's CA certificates only for Node.js, at /var/runtime/ca-cert.pem through
    NODE_EXTRA_CA_CERTS (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html, "CA
    certificate loading"). So modules/rotation-function packs a bundle (database_ca_bundle_file)
    and sets DATABASE_CA_BUNDLE to it.
    """
    environ = os.environ if env is None else env
    for name in CA_BUNDLE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


@functools.lru_cache(maxsize=4)
def _context(ca_bundle: str | None, _system_paths: tuple[str, str]) -> ssl.SSLContext:
    if ca_bundle is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"the CA bundle {ca_bundle!r} ({'/'.join(CA_BUNDLE_VARIABLES)}) is not a readable "
            f"PEM bundle ({type(exc).__name__}: {getattr(exc, 'strerror', None) or exc})",
            remedy="Set database_ca_bundle_file on modules/rotation-function to a PEM file, or "
            "DATABASE_CA_BUNDLE to the path of one the function can read",
        ) from None


def verified_tls_context(env: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """Certificate chain and host name checked (TLS 1.2 at least, Python's default).

    Cached per container (loading a bundle takes tens of milliseconds), keyed on the variables
    that choose the bundle.
    """
    environ = os.environ if env is None else env
    system = (environ.get("SSL_CERT_FILE", ""), environ.get("SSL_CERT_DIR", ""))
    return _context(ca_bundle_path(environ), system)


def unverified_tls_context() -> ssl.SSLContext:
    """TLS that encrypts but does not check who answers.

    Python's client defaults (TLS 1.2 at least, the same options and ciphers as
    ``create_default_context``) without loading the system's trust store, which nothing here
    consults and which took 44 ms per login.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def emit_tls_fallback_metric(
    *, engine: str, host: str, port: int, credentials: str, to: str, secret_arn: str | None
) -> None:
    """One CloudWatch embedded-metric-format line: CloudWatch Logs turns it into the metric
    ``SecretsManagerRotation/DatabaseTlsFallback`` (dimension FunctionName), no API call needed.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
    """
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
    line = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRIC_NAMESPACE,
                    "Dimensions": [["FunctionName"]],
                    "Metrics": [{"Name": TLS_FALLBACK_METRIC, "Unit": "Count"}],
                }
            ],
        },
        "level": "WARNING",
        "message": "database_tls_fallback_metric",
        "FunctionName": function,
        TLS_FALLBACK_METRIC: 1,
        "engine": engine,
        "host": host,
        "port": port,
        "credentials": credentials,
        "tls": to,
        "secret_arn": secret_arn,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


__all__ = [
    "CA_BUNDLE_VARIABLES",
    "METRIC_NAMESPACE",
    "TLS_DEFAULT_VARIABLE",
    "TLS_FALLBACK_METRIC",
    "TLS_MODES",
    "EndpointMismatchError",
    "MasterNotAllowedError",
    "MasterUserTargetedError",
    "TlsMode",
    "TlsModeInvalidError",
    "ca_bundle_path",
    "check_master_allowed",
    "check_not_master_user",
    "check_same_endpoint",
    "default_tls_mode",
    "emit_tls_fallback_metric",
    "master_tls_mode",
    "parse_tls_mode",
    "same_host",
    "strictest",
    "unverified_tls_context",
    "verified_tls_context",
]
