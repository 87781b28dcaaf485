"""PostgreSQL rotation strategies (``postgres-single-user``, ``postgres-multi-user``).

secret.py reads the secret's JSON, database.py talks to the server (the only module that imports
the driver, pg8000, and only when it first logs in), strategies.py holds the two strategies.
"""

from rotator.strategies.postgres.strategies import (
    PostgresMultiUserStrategy,
    PostgresSingleUserStrategy,
)

__all__ = ["PostgresMultiUserStrategy", "PostgresSingleUserStrategy"]
