"""The statements each server flavour gets, and SHOW GRANTS read and made equal.

MySQL 8 cannot run on the test machines: these are the only tests of the statements it gets
(``IDENTIFIED WITH ... AS``, ``ALTER USER CURRENT_USER()``, ``RETAIN CURRENT PASSWORD``, default
roles by ``ALTER USER ... DEFAULT ROLE``). MariaDB's are also run on a real server
(test_mysql_multi_user.py)."""

from __future__ import annotations

import pymysql.converters
import pytest

from rotator.strategies.mysql import sql

MARIADB = sql.Server("mariadb", (10, 11, 19))
MYSQL8 = sql.Server("mysql", (8, 0, 36))
MYSQL57 = sql.Server("mysql", (5, 7, 44))
HASH = "*2B602296A79E0A8784ACC5C88D92E46588CCA3C3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.11.19-MariaDB-0+deb12u1-log", MARIADB),
        ("5.5.5-10.6.16-MariaDB-log", sql.Server("mariadb", (10, 6, 16))),
        ("8.0.36", MYSQL8),
        ("8.0.mysql_aurora.3.05.2", sql.Server("mysql", (8, 0, 23))),
        ("5.7.44-log", MYSQL57),
    ],
)
def test_the_server_is_read_from_its_version(text: str, expected: sql.Server) -> None:
    assert sql.Server.from_version(text) == expected


def test_dual_passwords_need_mysql_8_0_14() -> None:
    assert sql.Server("mysql", (8, 0, 14)).dual_passwords
    assert not sql.Server("mysql", (8, 0, 13)).dual_passwords
    assert not MYSQL57.dual_passwords
    assert not sql.Server("mariadb", (11, 4, 0)).dual_passwords


def _render(statement: sql.Statement) -> str:
    """The text PyMySQL sends: values quoted client-side."""
    text, params = statement
    return text % tuple(pymysql.converters.escape_item(p, "utf8mb4") for p in params)


def test_own_password_per_flavour() -> None:
    assert _render(sql.set_own_password(MARIADB, "mysql_native_password", HASH)) == (
        f"SET PASSWORD = '{HASH}'"
    )
    assert _render(sql.set_own_password(MYSQL8, "caching_sha2_password", "$A$005$x")) == (
        "ALTER USER CURRENT_USER() IDENTIFIED WITH caching_sha2_password AS '$A$005$x'"
    )


def test_dual_password_statement_retains_the_current_one() -> None:
    assert _render(sql.set_own_password_retaining("n'ew")) == (
        "ALTER USER CURRENT_USER() IDENTIFIED BY 'n\\'ew' RETAIN CURRENT PASSWORD"
    )


def test_create_user_copies_plugin_require_and_limits_per_flavour() -> None:
    attrs = sql.AccountAttributes(
        ssl_type="SPECIFIED",
        ssl_cipher="",
        x509_issuer="/CN=ca",
        x509_subject="/CN=o'neil",
        max_questions=10,
        max_user_connections=3,
        max_statement_time=1.5,
    )
    maria = _render(
        sql.create_user(
            MARIADB, "app_clone", "10.%", plugin="mysql_native_password", auth=HASH, attrs=attrs
        )
    )
    mysql = _render(
        sql.create_user(
            MYSQL8,
            "app_clone",
            "10.%",
            plugin="caching_sha2_password",
            auth="$A$005$s",
            attrs=attrs,
        )
    )

    assert maria == (
        f"CREATE USER 'app_clone'@'10.%' IDENTIFIED VIA mysql_native_password USING '{HASH}' "
        "REQUIRE ISSUER '/CN=ca' AND SUBJECT '/CN=o\\'neil' WITH MAX_QUERIES_PER_HOUR 10 "
        "MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 3 "
        "MAX_STATEMENT_TIME 1.500000"
    )
    assert mysql == (
        "CREATE USER 'app_clone'@'10.%' IDENTIFIED WITH caching_sha2_password AS '$A$005$s' "
        "REQUIRE ISSUER '/CN=ca' AND SUBJECT '/CN=o\\'neil' WITH MAX_QUERIES_PER_HOUR 10 "
        "MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 3"
    )


@pytest.mark.parametrize(
    ("ssl_type", "clause"), [("", "REQUIRE NONE"), ("ANY", "REQUIRE SSL"), ("X509", "REQUIRE X509")]
)
def test_require_clause(ssl_type: str, clause: str) -> None:
    assert sql.AccountAttributes(ssl_type=ssl_type).require_clause() == (clause, ())


def test_a_plugin_name_that_is_not_a_word_is_refused() -> None:
    with pytest.raises(ValueError, match="plugin"):
        sql.set_account_password(MYSQL8, "u", "%", "x; DROP", HASH)


MARIADB_GRANTS = [
    "GRANT `reader` TO `app`@`%`",
    "GRANT `auditor` TO `app`@`%` WITH ADMIN OPTION",
    f"GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '{HASH}' WITH MAX_USER_CONNECTIONS 5",
    "GRANT SELECT, INSERT ON `shop`.* TO `app`@`%` WITH GRANT OPTION",
    "GRANT SELECT (`a`), UPDATE (`a`, `b`) ON `shop`.`t` TO `app`@`%`",
    "SET DEFAULT ROLE `reader` FOR `app`@`%`",
]


def test_show_grants_is_read_per_object_column_and_role() -> None:
    grants = sql.parse_grants(MARIADB_GRANTS, "app", "%")

    assert grants.objects == {
        "`shop`.*": (frozenset({"SELECT", "INSERT"}), True),
        "`shop`.`t`": (frozenset({"SELECT (`a`)", "UPDATE (`a`)", "UPDATE (`b`)"}), False),
    }
    assert grants.roles == {"`reader`": False, "`auditor`": True}
    assert grants.default_roles == ("`reader`",)


def test_mysql_8_grants_with_roles_at_hosts_and_dynamic_privileges() -> None:
    lines = [
        "GRANT USAGE ON *.* TO `app`@`10.%`",
        "GRANT BACKUP_ADMIN,XA_RECOVER_ADMIN ON *.* TO `app`@`10.%`",
        "GRANT `r1`@`%`,`r2`@`%` TO `app`@`10.%`",
    ]
    grants = sql.parse_grants(lines, "app", "10.%")

    assert grants.objects == {"*.*": (frozenset({"BACKUP_ADMIN", "XA_RECOVER_ADMIN"}), False)}
    assert grants.roles == {"`r1`@`%`": False, "`r2`@`%`": False}


def test_a_line_for_another_grantee_is_an_error() -> None:
    with pytest.raises(ValueError, match="unexpected"):
        sql.parse_grants(["GRANT SELECT ON *.* TO `other`@`%`"], "app", "%")


def test_sync_grants_first_then_revokes_what_the_user_lost() -> None:
    want = sql.parse_grants(
        ["GRANT SELECT ON `shop`.* TO `app`@`%`", "GRANT `reader` TO `app`@`%`"], "app", "%"
    )
    have = sql.parse_grants(
        [
            "GRANT SELECT, INSERT ON `shop`.* TO `app_clone`@`%` WITH GRANT OPTION",
            "GRANT DELETE ON `old`.* TO `app_clone`@`%`",
            "GRANT `admin_role` TO `app_clone`@`%`",
        ],
        "app_clone",
        "%",
    )

    statements = [s for s, _ in sql.sync_grants(MARIADB, "app_clone", "%", want, have)]

    assert statements == [
        "GRANT `reader` TO `app_clone`@`%`",
        "REVOKE INSERT ON `shop`.* FROM `app_clone`@`%`",
        "REVOKE GRANT OPTION ON `shop`.* FROM `app_clone`@`%`",
        "REVOKE DELETE ON `old`.* FROM `app_clone`@`%`",
        "REVOKE `admin_role` FROM `app_clone`@`%`",
    ]


def test_sync_grants_of_equal_accounts_is_empty() -> None:
    want = sql.parse_grants(MARIADB_GRANTS, "app", "%")
    have = sql.parse_grants(
        [line.replace("`app`@", "`app_clone`@") for line in MARIADB_GRANTS], "app_clone", "%"
    )

    assert sql.sync_grants(MARIADB, "app_clone", "%", want, have) == []


def test_sync_grants_adds_a_missing_column_and_the_grant_option() -> None:
    want = sql.parse_grants(
        ["GRANT UPDATE (`a`, `b`) ON `s`.`t` TO `app`@`%` WITH GRANT OPTION"], "app", "%"
    )
    have = sql.parse_grants(["GRANT UPDATE (`a`) ON `s`.`t` TO `c`@`%`"], "c", "%")

    assert [s for s, _ in sql.sync_grants(MYSQL8, "c", "%", want, have)] == [
        "GRANT UPDATE (`a`), UPDATE (`b`) ON `s`.`t` TO `c`@`%` WITH GRANT OPTION"
    ]


def test_sync_grants_from_all_privileges_down_revokes_all_first() -> None:
    want = sql.parse_grants(["GRANT SELECT ON `s`.* TO `app`@`%`"], "app", "%")
    have = sql.parse_grants(["GRANT ALL PRIVILEGES ON `s`.* TO `c`@`%`"], "c", "%")

    assert [s for s, _ in sql.sync_grants(MARIADB, "c", "%", want, have)] == [
        "REVOKE ALL PRIVILEGES ON `s`.* FROM `c`@`%`",
        "GRANT SELECT ON `s`.* TO `c`@`%`",
    ]


def test_default_roles_per_flavour() -> None:
    to = sql.rendered_account("c", "%")
    assert sql.set_default_roles(MARIADB, to, ("`r`",)) == ("SET DEFAULT ROLE `r` FOR `c`@`%`", ())
    assert sql.set_default_roles(MYSQL8, to, ("`r1`@`%`", "`r2`@`%`")) == (
        "ALTER USER `c`@`%` DEFAULT ROLE `r1`@`%`, `r2`@`%`",
        (),
    )
    assert sql.set_default_roles(MYSQL8, to, ()) == ("ALTER USER `c`@`%` DEFAULT ROLE NONE", ())
    assert sql.default_roles_query(MARIADB) is None
    assert "mysql.default_roles" in str(sql.default_roles_query(MYSQL8))


@pytest.mark.parametrize(
    ("text", "plugin"),
    [
        (f"CREATE USER `a`@`%` IDENTIFIED BY PASSWORD '{HASH}'", "mysql_native_password"),
        ("CREATE USER `a`@`%` IDENTIFIED VIA ed25519 USING 'x'", "ed25519"),
        ("CREATE USER `a`@`%`", "mysql_native_password"),
        (
            "CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$x' "
            "REQUIRE NONE",
            "caching_sha2_password",
        ),
        (
            "CREATE USER `a`@`%` IDENTIFIED WITH 'AWSAuthenticationPlugin' AS 'RDS'",
            "AWSAuthenticationPlugin",
        ),
    ],
)
def test_own_plugin_from_show_create_user(text: str, plugin: str) -> None:
    assert sql.plugin_from_create_user(text) == plugin
