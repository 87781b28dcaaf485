"""mysql-multi-user with an RDS-managed master secret of an Aurora MySQL cluster: moto's RDS
creates the cluster and its master secret (tagged ``aws:rds:primaryDBClusterArn``, only username
and password); the function finds the writer endpoint through DescribeDBClusters and rotates
against the real MariaDB. A secret naming the reader endpoint is rotated through the writer.

moto's endpoints are made-up names, so moto's RDS is made to answer with the test server (the
writer ``127.0.0.1``, the reader ``localhost``, both named by the server's certificate), and the
master secret is given the test server's administrator, as RDS would have set it. The secrets
say ``"engine": "mariadb"``: the server is MariaDB (an Aurora MySQL secret says aurora-mysql, and
the engine check would refuse it here, as it should)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from mariadbserver import DbUser, MariaDb
from rotator_harness import Service

from rotator.strategies.mysql.errors import PendingCredentialsMismatchError
from rotator.strategies.postgres import rds

# Named, not imported: moto's RDS models import EC2's, which read every region's data (0.9 s in
# each test process that collects this file, not only the one that runs it).
RDS_MODELS = "moto.rds.models"

pytestmark = pytest.mark.mariadb


@pytest.fixture
def make_cluster(
    *,
    aws: None,
    aws_session: Any,
    mariadb: MariaDb,
    service: Service,
    admin: DbUser,
    use_strategy: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[int], str]]:
    """``make_cluster(port)``: an Aurora MySQL cluster's RDS-managed master secret's ARN."""
    use_strategy("mysql-multi-user")
    monkeypatch.setattr(f"{RDS_MODELS}.DBCluster.endpoint", property(lambda _self: mariadb.host))
    monkeypatch.setattr(
        f"{RDS_MODELS}.DBCluster.reader_endpoint", property(lambda _self: "localhost")
    )
    rds.set_client(rds.make_client(aws_session))

    def make(port: int) -> str:
        created = aws_session.client("rds").create_db_cluster(
            DBClusterIdentifier=f"orders-aurora-{port}",
            Engine="aurora-mysql",
            MasterUsername=admin.name,
            ManageMasterUserPassword=True,
            Port=port,
        )["DBCluster"]
        arn: str = created["MasterUserSecret"]["SecretArn"]
        service.sm.put_secret_value(
            SecretId=arn,
            SecretString=json.dumps({"username": admin.name, "password": admin.password}),
        )
        monkeypatch.setenv("MASTER_SECRET_ARNS", arn)
        return arn

    yield make
    rds.set_client(None)


@pytest.fixture
def cluster_master_arn(mariadb: MariaDb, make_cluster: Callable[[int], str]) -> str:
    return make_cluster(mariadb.port)


def test_a_secret_on_the_reader_endpoint_is_rotated_through_the_writer(
    mariadb: MariaDb, service: Service, make_user: Callable[..., DbUser], cluster_master_arn: str
) -> None:
    user = make_user()
    secret = user.secret(mariadb, host="localhost", masterarn=cluster_master_arn)
    arn = service.create("aurora-reader", json.dumps(secret))

    service.rotate(arn)

    rotated = json.loads(service.value(arn))
    assert rotated["username"] == f"{user.name}_clone"
    assert rotated["host"] == "localhost"
    assert mariadb.can_login(rotated["username"], rotated["password"], tls=True)


def test_a_cluster_on_another_port_than_the_secrets_is_refused(
    mariadb: MariaDb,
    service: Service,
    make_user: Callable[..., DbUser],
    make_cluster: Callable[[int], str],
) -> None:
    other_port = mariadb.port + 1 if mariadb.port < 65535 else mariadb.port - 1
    master_arn = make_cluster(other_port)
    user = make_user()
    arn = service.create("aurora-port", json.dumps(user.secret(mariadb, masterarn=master_arn)))
    original = service.value(arn)

    with pytest.raises(PendingCredentialsMismatchError, match="only sent to their own database"):
        service.rotate(arn)

    assert service.value(arn) == original
