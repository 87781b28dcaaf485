"""MySQL and MariaDB rotation strategies (``mysql-single-user``, ``mysql-multi-user``).

secret.py reads the secret's JSON, hashing.py computes authentication strings, sql.py builds the
statements per server flavour, database.py talks to the server (the only module that imports the
driver, PyMySQL, and only when it first logs in), rules.py holds the engine-neutral guards,
strategies.py the two strategies.
"""

from rotator.strategies.mysql.strategies import MySqlMultiUserStrategy, MySqlSingleUserStrategy

__all__ = ["MySqlMultiUserStrategy", "MySqlSingleUserStrategy"]
