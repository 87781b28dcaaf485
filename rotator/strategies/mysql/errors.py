"""Errors of the MySQL and MariaDB strategies: one type per failure a person can act on.

The handler adds the secret ARN and the step to every message. Messages name the host, the port,
the account and which credentials were used (pending, current, previous, master); never a
password or an authentication string, and never the server's text for a statement that carried
one.
"""

from __future__ import annotations

from rotator.errors import RotationError
from rotator.strategies import database


class MySqlSecretInvalidError(RotationError):
    """The secret's JSON does not have the shape the MySQL strategies need."""

    remedy = (
        'Store a JSON object with "engine" ("mysql", "mariadb" or "aurora-mysql"), "host", '
        '"username", "password" and optionally "port" (3306), "dbname", "ssl" (true: TLS with '
        'a verified certificate, the default; "require": TLS without verification; false: no '
        'TLS); the multi-user strategy also needs "masterarn"'
    )


class UsernameTooLongError(MySqlSecretInvalidError):
    remedy = (
        "Use a shorter username, so that <username>_clone fits the server's limit on user "
        "names, or use the single-user strategy"
    )


# The shared rule's error (rotator.strategies.database), named here for the MySQL callers.
MasterNotAllowedError = database.MasterNotAllowedError


class PendingCredentialsMismatchError(RotationError):
    """AWSPENDING names a user, host or master other than the one this rotation may use."""

    remedy = (
        "Start a new rotation (createSecret writes a matching AWSPENDING value); if something "
        "else wrote AWSPENDING, remove that label from the version"
    )


class UnsupportedAuthPluginError(RotationError):
    """The account authenticates with a plugin whose stored string the function cannot compute."""

    remedy = (
        "Rotate only accounts that use mysql_native_password (MySQL, MariaDB) or "
        "caching_sha2_password (MySQL 8): change the account's plugin with ALTER USER, or do not "
        "rotate this account with a password rotation (socket and IAM authentication have no "
        "password to rotate)"
    )


class DualPasswordUnsupportedError(RotationError):
    remedy = (
        "Dual passwords (MYSQL_DUAL_PASSWORD, RETAIN CURRENT PASSWORD) need MySQL 8.0.14 or "
        "later, and TLS with a verified certificate; set mysql_dual_password = false for this "
        "server, or use the multi-user strategy"
    )


class DatabaseUnreachableError(RotationError):
    remedy = (
        "Check the host and port, that the database is running, and that the function reaches "
        "it (VPC subnets, security group rules, network ACLs); the step is safe to retry"
    )


class DatabaseTlsError(RotationError):
    remedy = (
        'With "ssl" true or absent, TLS is required with a certificate that verifies: point '
        "database_ca_bundle_file of modules/rotation-function (DATABASE_CA_BUNDLE) at the CA "
        "bundle that signed the server's certificate (for RDS the global bundle, "
        "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) and check the host "
        'name matches the certificate; "ssl": "require" encrypts without verifying, "ssl": '
        "false sends everything in clear: write either down only on purpose"
    )


class CleartextPasswordRefusedError(RotationError):
    remedy = (
        "The server asked for the password in clear over a connection whose other end is not "
        'verified: use "ssl": true with a CA bundle that verifies the server, or an account '
        "plugin that does not reveal the password (mysql_native_password)"
    )


class DatabaseAuthenticationError(RotationError):
    remedy = (
        "None of the credentials the rotation may use logs in: set the user's password in the "
        "database to the one in AWSCURRENT (or update AWSCURRENT to the working password), then "
        "rotate again"
    )


class DatabasePrivilegeError(RotationError):
    remedy = (
        "Grant the account the rotation logs in as the privilege named above (the multi-user "
        "strategy's master needs CREATE USER, SELECT on the mysql schema, every privilege it "
        "copies WITH GRANT OPTION, as the RDS master user has, and each role it copies WITH "
        "ADMIN OPTION, as whoever created the role has)"
    )


class DatabaseOperationError(RotationError):
    remedy = "See the error number in the message; the step is safe to retry with the same token"


class DriverMissingError(RotationError):
    remedy = (
        "Attach the MySQL driver layer to the function: modules/rotation-function does when "
        "rotation_strategy is mysql-single-user or mysql-multi-user (build it first with "
        "`make layer`)"
    )
