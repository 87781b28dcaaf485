"""postgres-multi-user with an RDS-managed master secret (``manage_master_user_password``): moto's
RDS creates the DB instance or cluster and its master secret (tagged ``aws:rds:primaryDB...Arn``,
holding only username and password); the rotator finds the endpoint through the RDS API and
rotates against the real PostgreSQL server.

moto's endpoints are made-up DNS names, so each test makes moto's RDS report the test server's
address as the endpoint (the RDS API's answer, not the rotator, is what is adjusted), and moto's
generated master credentials are replaced by the test server's administrator, as RDS would have
set them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pgserver import DbUser, PgServer
from rotator_harness import Service

from rotator.strategies.database import EndpointMismatchError
from rotator.strategies.postgres import rds
from rotator.strategies.postgres.errors import (
    DatabaseSecretInvalidError,
)

# Named, not imported: moto's RDS models import EC2's, which read every region's data (0.9 s in
# each test process that collects this file, not only the one that runs it).
RDS_MODELS = "moto.rds.models"

pytestmark = pytest.mark.postgres

READER_HOST = "localhost"  # the test server's certificate names it; it resolves to 127.0.0.1


@pytest.fixture(autouse=True)
def _multi_user(use_strategy: Callable[[str], None]) -> None:
    use_strategy("postgres-multi-user")


@pytest.fixture
def rds_api(
    aws: None, aws_session: Any, pg: PgServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The test's RDS client; moto's RDS answers with the test server as every endpoint."""
    monkeypatch.setattr(f"{RDS_MODELS}.DBInstance.address", property(lambda _self: pg.host))
    monkeypatch.setattr(f"{RDS_MODELS}.DBCluster.endpoint", property(lambda _self: pg.host))
    monkeypatch.setattr(
        f"{RDS_MODELS}.DBCluster.reader_endpoint", property(lambda _self: READER_HOST)
    )
    rds.set_client(rds.make_client(aws_session))  # the production client settings, per test
    yield aws_session.client("rds")
    rds.set_client(None)


@pytest.fixture
def master(make_user: Callable[..., DbUser]) -> DbUser:
    """The administrator RDS creates: CREATEROLE, not a superuser."""
    return make_user(attributes="LOGIN CREATEROLE")


def _managed_secret(service: Service, arn: str, master: DbUser) -> str:
    """RDS's secret now holds the test server's administrator, as RDS would have set it."""
    service.sm.put_secret_value(
        SecretId=arn,
        SecretString=json.dumps({"username": master.name, "password": master.password}),
    )
    return arn


@pytest.fixture
def instance_master_arn(
    rds_api: Any,
    pg: PgServer,
    service: Service,
    master: DbUser,
    allow_master: Callable[[str], str],
) -> str:
    created = rds_api.create_db_instance(
        DBInstanceIdentifier="orders",
        Engine="postgres",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername=master.name,
        ManageMasterUserPassword=True,
        Port=pg.port,
    )["DBInstance"]
    return allow_master(_managed_secret(service, created["MasterUserSecret"]["SecretArn"], master))


@pytest.fixture
def cluster_master_arn(
    rds_api: Any,
    pg: PgServer,
    service: Service,
    master: DbUser,
    allow_master: Callable[[str], str],
) -> str:
    created = rds_api.create_db_cluster(
        DBClusterIdentifier="orders-aurora",
        Engine="aurora-postgresql",
        MasterUsername=master.name,
        ManageMasterUserPassword=True,
        Port=pg.port,
    )["DBCluster"]
    return allow_master(_managed_secret(service, created["MasterUserSecret"]["SecretArn"], master))


def _events(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_instance_master_secret_rotates_the_clone_via_the_rds_endpoint(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master: DbUser,
    instance_master_arn: str,
    ca_bundle: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    described = service.sm.describe_secret(SecretId=instance_master_arn)
    assert "host" not in json.loads(service.value(instance_master_arn))
    assert any(t["Key"] == "aws:rds:primaryDBInstanceArn" for t in described["Tags"])
    master_value = service.value(instance_master_arn)
    user = make_user()
    arn = service.create(
        "rds-multi", json.dumps(user.secret(pg, ssl=True, masterarn=instance_master_arn))
    )
    capsys.readouterr()

    service.rotate(arn)
    service.rotate(arn)

    current = json.loads(service.value(arn))
    assert current["username"] == user.name
    assert pg.can_login(current["username"], current["password"])
    assert pg.can_login(
        f"{user.name}_clone", json.loads(service.value(arn, "AWSPREVIOUS"))["password"]
    )
    assert service.value(instance_master_arn) == master_value, "the master secret is untouched"
    events = _events(capsys.readouterr().out)
    found = [e for e in events if e["message"] == "database_master_from_rds"]
    assert [e["rds_arn"].split(":db:")[-1] for e in found] == ["orders", "orders"]
    master_logins = [
        e
        for e in events
        if e["message"] == "database_login" and e["credentials"].startswith("master")
    ]
    # The master secret has no "ssl"; this secret's "ssl": true makes the master verify too.
    assert {(e["user"], e["host"], e["port"], e["tls"]) for e in master_logins} == {
        (master.name, pg.host, pg.port, "verify-full")
    }


def test_cluster_master_secret_accepts_the_reader_endpoint_and_logs_in_to_the_writer(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master: DbUser,
    cluster_master_arn: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user()
    secret = user.secret(pg, host=READER_HOST, masterarn=cluster_master_arn)
    secret["engine"] = "aurora-postgresql"
    arn = service.create("rds-cluster", json.dumps(secret))
    capsys.readouterr()

    service.rotate(arn)

    rotated = json.loads(service.value(arn))
    assert rotated["username"] == f"{user.name}_clone"
    assert rotated["host"] == READER_HOST
    assert pg.can_login(rotated["username"], rotated["password"])
    master_logins = [
        e
        for e in _events(capsys.readouterr().out)
        if e["message"] == "database_login" and e["credentials"].startswith("master")
    ]
    assert [(e["user"], e["host"]) for e in master_logins] == [(master.name, pg.host)]


def test_secret_for_another_host_never_gets_the_rds_master_password(
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master: DbUser,
    instance_master_arn: str,
) -> None:
    """This secret names "localhost"; the instance's endpoint is 127.0.0.1: refused."""
    user = make_user()
    original = user.secret(pg, host=READER_HOST, masterarn=instance_master_arn)
    arn = service.create("rds-elsewhere", json.dumps(original))
    log_start = pg.log_size()

    with pytest.raises(EndpointMismatchError) as raised:
        service.rotate(arn)

    message = str(raised.value)
    assert "belongs to RDS DB instance" in message
    assert f"endpoints are {pg.host}" in message
    assert f"user={master.name} " not in pg.log_since(log_start), "the master never logged in"
    assert json.loads(service.value(arn)) == original


def test_master_secret_without_host_or_rds_tags_is_refused(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master: DbUser,
    rds_api: Any,
    allow_master: Callable[[str], str],
) -> None:
    lookalike = service.create(
        "not-rds-managed", json.dumps({"username": master.name, "password": master.password})
    )
    allow_master(lookalike)
    user = make_user()
    arn = service.create("rds-lookalike", json.dumps(user.secret(pg, masterarn=lookalike)))

    with pytest.raises(DatabaseSecretInvalidError, match=r'no "host" and no aws:rds:'):
        service.rotate(arn)


def test_database_the_rds_api_does_not_know_is_an_rds_lookup_error(
    *,
    pg: PgServer,
    service: Service,
    make_user: Callable[..., DbUser],
    master: DbUser,
    rds_api: Any,
    allow_master: Callable[[str], str],
) -> None:
    """E.g. the instance was deleted (or the function may not describe it)."""
    # Only RDS can set aws: tags on the service; moto lets the test stand in for it.
    orphan = service.sm.create_secret(
        Name="rds-orphan-master",
        SecretString=json.dumps({"username": master.name, "password": master.password}),
        Tags=[
            {
                "Key": "aws:rds:primaryDBInstanceArn",
                "Value": "arn:aws:rds:us-east-1:123456789012:db:deleted",
            }
        ],
    )["ARN"]
    allow_master(orphan)
    user = make_user()
    original = user.secret(pg, masterarn=orphan)
    arn = service.create("rds-gone", json.dumps(original))

    with pytest.raises(rds.RdsLookupError, match="DescribeDBInstances failed: DBInstanceNotFound"):
        service.rotate(arn)

    assert json.loads(service.value(arn)) == original
