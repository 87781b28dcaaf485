"""Errors of the PostgreSQL strategies: one type per failure a person can act on.

The handler adds the secret ARN and the step to every message. Messages name the host, the port,
the database user and which credentials were used (pending, current, previous, master); never a
password, and never the server's text for a statement that carried one.
"""

from __future__ import annotations

from rotator.errors import RotationError


class DatabaseSecretInvalidError(RotationError):
    """The secret's JSON does not have the shape the PostgreSQL strategies need."""

    remedy = (
        'Store a JSON object with "engine" ("postgres" or "aurora-postgresql"), "host", '
        '"username", "password" and optionally "port" (5432), "dbname" ("postgres"), "ssl" '
        '(true/false); the multi-user strategy also needs "masterarn"'
    )


class UsernameTooLongError(DatabaseSecretInvalidError):
    remedy = (
        "Use a username of at most 57 bytes, so that it fits PostgreSQL's 63-byte limit with "
        "the _clone suffix"
    )


class PendingCredentialsMismatchError(RotationError):
    """AWSPENDING names a user or host other than the one this rotation may change."""

    remedy = (
        "Start a new rotation (createSecret writes a matching AWSPENDING value); if something "
        "else wrote AWSPENDING, remove that label from the version"
    )


class DatabaseUnreachableError(RotationError):
    remedy = (
        "Check the host and port, that the database is running, and that the function reaches "
        "it (VPC subnets, security group rules, network ACLs); the step is safe to retry"
    )


class DatabaseTlsError(RotationError):
    remedy = (
        'With "ssl": true, TLS is required with a certificate that verifies (verify-full); '
        'with "ssl" absent, a server that offers TLS must complete the handshake. Point '
        "PG_CA_BUNDLE at the CA bundle that signed the server's certificate (for RDS the global "
        "bundle, https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem), "
        'check the host name matches the certificate, or set "ssl": false to connect without TLS'
    )


class CleartextPasswordRefusedError(RotationError):
    """With "ssl" absent, the server asked for the password in clear on a connection whose
    other end is not verified (plain TCP, or TLS whose certificate did not verify)."""

    remedy = (
        'Set "ssl": true and point PG_CA_BUNDLE at the CA bundle that signed the server\'s '
        "certificate (for RDS the global bundle, which `scripts/build_layer.py postgres "
        "--ca-bundle` puts in the layer), or use scram-sha-256 (or md5) instead of password in "
        'pg_hba.conf; "ssl": false sends the password in clear on purpose'
    )


class DatabaseAuthenticationError(RotationError):
    remedy = (
        "None of the credentials the rotation may use logs in: set the user's password in the "
        "database to the one in AWSCURRENT (or update AWSCURRENT to the working password), then "
        "rotate again"
    )


class DatabasePrivilegeError(RotationError):
    remedy = (
        "Grant the role the rotation logs in as the privilege named above (the multi-user "
        "strategy's master user needs CREATEROLE and the right to grant the current user's role)"
    )


class DatabaseOperationError(RotationError):
    remedy = "See the SQLSTATE in the message; the step is safe to retry with the same token"


class DriverMissingError(RotationError):
    remedy = (
        "Attach the PostgreSQL driver layer to the function: modules/rotation-function does "
        "when rotation_strategy is postgres-single-user or postgres-multi-user (it builds the "
        "layer during apply, or takes driver_layer_arn or driver_layer_dir)"
    )
