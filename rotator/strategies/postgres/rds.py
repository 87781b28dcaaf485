"""RDS-managed master secrets: where the administrator's database is, from the RDS API.

With ``manage_master_user_password``, RDS keeps the master credentials in a secret holding only
``username`` and ``password``, and tags it ``aws:rds:primaryDBInstanceArn`` or
``aws:rds:primaryDBClusterArn`` with the database's ARN
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html). Tags whose key
starts with ``aws:`` are reserved: "You can't edit or delete tag names or values with this prefix"
(https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_TagResource.html), so the
database such a tag names is as trustworthy as a ``host`` key in the master secret itself. AWS's
multi-user templates find the host the same way.

Calls: DescribeSecret on the master secret (its tags), then DescribeDBInstances or
DescribeDBClusters with that ARN. The RDS client is created once per container, on first use,
with the same retry and timeout settings as the Secrets Manager client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rotator.errors import RotationError
from rotator.secret_store import MAX_ATTEMPTS, aws_client

INSTANCE_TAG = "aws:rds:primaryDBInstanceArn"
CLUSTER_TAG = "aws:rds:primaryDBClusterArn"

_client: Any = None


class RdsLookupError(RotationError):
    """The RDS API did not say where the master secret's database is."""

    remedy = (
        "Allow the function rds:DescribeDBInstances (or rds:DescribeDBClusters for Aurora) on "
        "the database the master secret belongs to (modules/rotation-function: "
        "rds_managed_master), and check that the database still exists"
    )


def make_client(session: Any = None) -> Any:
    return aws_client("rds", session)


def get_client() -> Any:
    global _client  # noqa: PLW0603  one client per container, by design
    if _client is None:
        _client = make_client()
    return _client


def set_client(client: Any) -> None:
    """Use ``client`` for every later call; ``None`` makes the next call create a fresh one."""
    global _client  # noqa: PLW0603
    _client = client


@dataclass(frozen=True)
class RdsDatabase:
    """Where an RDS database takes connections, as the RDS API says."""

    arn: str
    kind: str  # "DB instance" or "DB cluster"
    engine: str
    writer_host: str
    port: int
    accepted_hosts: tuple[str, ...]  # a rotated secret's "host" must be one of these

    def accepts(self, host: str) -> bool:
        # DNS names are case-insensitive (RFC 4343); a trailing dot names the same host.
        wanted = host.rstrip(".").lower()
        return any(wanted == h.rstrip(".").lower() for h in self.accepted_hosts)


def database_of(tags: dict[str, str], *, secret_arn: str) -> RdsDatabase | None:
    """The database an RDS-managed secret belongs to, or None when the secret has neither tag."""
    if INSTANCE_TAG in tags:
        return _instance(tags[INSTANCE_TAG], secret_arn=secret_arn)
    if CLUSTER_TAG in tags:
        return _cluster(tags[CLUSTER_TAG], secret_arn=secret_arn)
    return None


def _instance(arn: str, *, secret_arn: str) -> RdsDatabase:
    response = _call("DescribeDBInstances", "describe_db_instances", DBInstanceIdentifier=arn)
    found = response.get("DBInstances") or []
    endpoint = found[0].get("Endpoint") if found else None
    if not endpoint or not endpoint.get("Address"):
        raise RdsLookupError(
            f"the master secret {secret_arn} belongs to DB instance {arn}, which has no endpoint "
            "yet (it is being created or is stopped)"
        )
    return RdsDatabase(
        arn=arn,
        kind="DB instance",
        engine=str(found[0].get("Engine", "")),
        writer_host=str(endpoint["Address"]),
        port=int(endpoint["Port"]),
        accepted_hosts=(str(endpoint["Address"]),),
    )


def _cluster(arn: str, *, secret_arn: str) -> RdsDatabase:
    response = _call("DescribeDBClusters", "describe_db_clusters", DBClusterIdentifier=arn)
    found = response.get("DBClusters") or []
    if not found or not found[0].get("Endpoint"):
        raise RdsLookupError(
            f"the master secret {secret_arn} belongs to DB cluster {arn}, which has no endpoint "
            "yet (it is being created or is stopped)"
        )
    cluster = found[0]
    # The master changes passwords, so it always logs in to the writer; a rotated secret may name
    # the writer or the reader endpoint (its clients may only read).
    hosts = tuple(str(cluster[k]) for k in ("Endpoint", "ReaderEndpoint") if cluster.get(k))
    return RdsDatabase(
        arn=arn,
        kind="DB cluster",
        engine=str(cluster.get("Engine", "")),
        writer_host=str(cluster["Endpoint"]),
        port=int(cluster["Port"]),
        accepted_hosts=hosts,
    )


def _call(api: str, method: str, **kwargs: Any) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        response: dict[str, Any] = getattr(get_client(), method)(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, detail = error.get("Code", "Unknown"), error.get("Message", "")
        raise RdsLookupError(f"RDS {api} failed: {code}: {detail}") from None
    except BotoCoreError as exc:
        raise RdsLookupError(
            f"RDS {api} failed after {MAX_ATTEMPTS} attempts: {type(exc).__name__}: {exc}"
        ) from None
    return response
