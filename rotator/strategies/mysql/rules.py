"""The engine-neutral rules a database strategy follows before it logs in as anyone, behind one
seam: the security review (issue 19) is writing them for every database strategy in
``rotator.strategies.database``; until that lands, the MySQL strategies use these.

* ``masterarn`` must be one of the function's master secrets (MASTER_SECRET_ARNS, set by
  modules/rotation-function from master_secret_arns): whoever can write the rotated secret must
  not be able to point the function at another administrator's credentials.
* The master logs in only to the rotated secret's host and port.
* The pending user is never the master's user.
* The CA bundle database certificates are verified with: PG_CA_BUNDLE (the module's
  database_ca_bundle), else the system's.
"""

from __future__ import annotations

import os
import re

from rotator.strategies.mysql.errors import MasterNotAllowedError, PendingCredentialsMismatchError

MASTER_SECRET_ARNS_VARIABLE = "MASTER_SECRET_ARNS"  # noqa: S105  a variable's name
CA_BUNDLE_VARIABLE = "PG_CA_BUNDLE"
# modules/rotation-function accepts an ARN ending in -?????? for the random suffix.
_SUFFIX_WILDCARD = "-??????"


def allowed_master_arns() -> tuple[str, ...]:
    raw = os.environ.get(MASTER_SECRET_ARNS_VARIABLE, "")
    return tuple(arn.strip() for arn in raw.split(",") if arn.strip())


def _matches(pattern: str, arn: str) -> bool:
    if pattern.endswith(_SUFFIX_WILDCARD):
        prefix = re.escape(pattern[: -len(_SUFFIX_WILDCARD)])
        return re.fullmatch(prefix + r"-[A-Za-z0-9]{6}", arn) is not None
    return pattern == arn


def check_master_allowed(masterarn: str) -> None:
    allowed = allowed_master_arns()
    if not any(_matches(pattern, masterarn) for pattern in allowed):
        configured = f"{len(allowed)} configured" if allowed else "none configured"
        raise MasterNotAllowedError(
            f'"masterarn" {masterarn} is not one of the function\'s master secrets '
            f"({MASTER_SECRET_ARNS_VARIABLE}: {configured})"
        )


def same_host(a: str, b: str) -> bool:
    """DNS names are case-insensitive (RFC 4343); a trailing dot names the same host."""
    return a.rstrip(".").lower() == b.rstrip(".").lower()


def check_master_target(
    *, master_arn: str, master_host: str, master_port: int, host: str, port: int
) -> None:
    if not same_host(master_host, host) or master_port != port:
        raise PendingCredentialsMismatchError(
            f"the master secret {master_arn} is for {master_host}:{master_port}, this secret "
            f"for {host}:{port}: the master credentials are only sent to their own server",
            remedy='Set "masterarn" to the administrator secret of this secret\'s server',
        )


def check_not_master_user(*, pending_user: str, master_user: str, master_arn: str) -> None:
    if pending_user == master_user:
        raise PendingCredentialsMismatchError(
            f"AWSPENDING is for user {pending_user!r}, the user of the master secret "
            f"{master_arn}: a rotation never changes the master's password",
            remedy="Rotate the master with its own secret (RDS rotates a managed master); give "
            "this secret an application user",
        )


def ca_bundle() -> str | None:
    return os.environ.get(CA_BUNDLE_VARIABLE, "").strip() or None
