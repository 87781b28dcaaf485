"""The engine-neutral rules of rotator.strategies.database, as the MySQL strategies call them.

* ``masterarn`` must be one of the function's master secrets (MASTER_SECRET_ARNS, set by
  modules/rotation-function from master_secret_arns): whoever can write the rotated secret must
  not be able to point the function at another administrator's credentials.
* The master logs in only to the rotated secret's host and port.
* The pending user is never the master's user.
* The CA bundle database certificates are verified with: DATABASE_CA_BUNDLE (the bundle the module
  packs, database_ca_bundle_file), else PG_CA_BUNDLE (database_ca_bundle), else the system's.

The checks and their errors are the shared package's, so every database strategy refuses the same
things the same way; this module only adapts the calls.
"""

from __future__ import annotations

from rotator.strategies import database

# How error messages name the CA bundle setting (the first set of these wins).
CA_BUNDLE_VARIABLE = " or ".join(database.CA_BUNDLE_VARIABLES)
same_host = database.same_host


def check_master_allowed(masterarn: str, allowed: tuple[str, ...]) -> None:
    """``allowed`` is the function's configuration (Config.master_secret_arns, read and checked
    once from MASTER_SECRET_ARNS), never the environment read again here."""
    database.check_master_allowed(masterarn, allowed)


def check_master_target(
    *, master_arn: str, master_host: str, master_port: int, host: str, port: int
) -> None:
    database.check_same_endpoint(master_host, master_port, host, port, master_arn=master_arn)


def check_not_master_user(*, pending_user: str, master_user: str, master_arn: str) -> None:
    database.check_not_master_user(pending_user, master_user, master_arn=master_arn)


def ca_bundle() -> str | None:
    return database.ca_bundle_path()
