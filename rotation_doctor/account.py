"""Read what the checks need from the account: read-only calls only, batched and concurrent.

Every call this module makes is in rotation_doctor/policy.json (a test keeps the two in step).
GetSecretValue is made only with ``--connect`` (database checks), never otherwise.

Calls per run, for N secrets of one function chosen by prefix or tag: ListSecrets (100 a page),
GetFunctionConfiguration and GetPolicy once per function, SimulatePrincipalPolicy once per
role, tag set and 20 secrets; per secret with an unfinished rotation, ListSecretVersionIds and
FilterLogEvents. The SDK's adaptive retry mode slows the client down when a service throttles.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from rotation_doctor import checks, findings

T = TypeVar("T")
SIMULATION_BATCH = 20
LOG_PAGES = 10
AWS_MANAGED_KEY = "alias/aws/secretsmanager"


class DoctorError(RuntimeError):
    """The doctor itself could not read something (bad input, no permission)."""


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class Account:
    def __init__(
        self, *, region: str | None = None, profile: str | None = None, concurrency: int = 8
    ) -> None:
        self._session = boto3.session.Session(region_name=region, profile_name=profile)
        self.region = self._session.region_name or "us-east-1"
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": 10},
            max_pool_connections=max(concurrency, 10),
        )
        # Made on first use: a client loads its service's whole API model (0.1-0.2 CPU s each,
        # EC2's and RDS's the largest), and only functions in a VPC need EC2, only database
        # strategies RDS.
        self._clients: dict[str, Any] = {}
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Any] = {}

    def client(self, name: str) -> Any:
        # One lock for every client: a boto3 session is not safe to use from several threads.
        with self._lock:
            if name not in self._clients:
                self._clients[name] = self._session.client(name, config=self._config)
            return self._clients[name]

    def cached(self, kind: str, key: str, fetch: Callable[[], T]) -> T:
        with self._lock:
            if (kind, key) in self._cache:
                return self._cache[(kind, key)]  # type: ignore[no-any-return]
        value = fetch()
        with self._lock:
            self._cache[(kind, key)] = value
        return value

    def map(self, function: Callable[[Any], T], items: Iterable[Any]) -> list[T]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(function, items))

    # --- secrets --------------------------------------------------------------------------------

    def describe(self, secret_id: str) -> dict[str, Any]:
        try:
            return dict(self.client("secretsmanager").describe_secret(SecretId=secret_id))
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                raise DoctorError(f"no secret {secret_id!r} in {self.region}") from error
            raise

    def list_secrets(self, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        paginator = self.client("secretsmanager").get_paginator("list_secrets")
        found: list[dict[str, Any]] = []
        for page in paginator.paginate(Filters=filters, PaginationConfig={"PageSize": 100}):
            found.extend(page.get("SecretList", []))
        return found

    def pending_created(self, secret_arn: str, version_id: str) -> datetime | None:
        kwargs: dict[str, Any] = {"SecretId": secret_arn, "MaxResults": 100}
        while True:  # not pageable in botocore's model: NextToken by hand
            page = self.client("secretsmanager").list_secret_version_ids(**kwargs)
            for version in page.get("Versions", []):
                if version.get("VersionId") == version_id:
                    created = version.get("CreatedDate")
                    return created if isinstance(created, datetime) else None
            if not page.get("NextToken"):
                return None
            kwargs["NextToken"] = page["NextToken"]

    # --- functions ------------------------------------------------------------------------------

    def function(self, arn: str) -> dict[str, Any] | None:
        def fetch() -> dict[str, Any] | None:
            try:
                answer = self.client("lambda").get_function_configuration(FunctionName=arn)
            except ClientError as error:
                if error_code(error) == "ResourceNotFoundException":
                    return None
                raise
            return dict(answer)

        return self.cached("function", arn, fetch)

    def function_policy(self, arn: str) -> dict[str, Any] | None:
        import json  # noqa: PLC0415

        def fetch() -> dict[str, Any] | None:
            try:
                answer = self.client("lambda").get_policy(FunctionName=arn)
            except ClientError as error:
                if error_code(error) == "ResourceNotFoundException":
                    return None  # no resource policy at all
                raise
            return dict(json.loads(answer["Policy"]))

        return self.cached("policy", arn, fetch)

    # --- IAM ------------------------------------------------------------------------------------

    def simulate(
        self,
        role_arn: str,
        actions: Iterable[str],
        resources: list[str],
        context: Mapping[str, str],
    ) -> dict[str, list[checks.Simulated]]:
        """SimulatePrincipalPolicy for the role, the actions, up to 20 resources, one context."""
        entries = [
            {"ContextKeyName": k, "ContextKeyValues": [v], "ContextKeyType": "string"}
            for k, v in sorted(context.items())
        ]
        paginator = self.client("iam").get_paginator("simulate_principal_policy")
        merged: dict[str, list[checks.Simulated]] = {}
        for page in paginator.paginate(
            PolicySourceArn=role_arn,
            ActionNames=list(actions),
            ResourceArns=resources,
            ContextEntries=entries,
        ):
            for resource, results in checks.simulated_by_resource(page).items():
                merged.setdefault(resource, []).extend(results)
        return merged

    # --- logs -----------------------------------------------------------------------------------

    def log_events(self, group: str, since: datetime | None, token: str) -> list[findings.LogEvent]:
        """The group's lines about the token, and the runtime's error lines, since ``since``.

        One filter with three OR-ed terms (``?"a" ?"b"``, CloudWatch Logs filter pattern
        syntax); the lines are matched again here.
        """
        start = since - timedelta(minutes=1) if since is not None else None
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "filterPattern": f'?"{token}" ?"[ERROR]" ?"Task timed out"',
        }
        if start is not None:
            kwargs["startTime"] = int(start.timestamp() * 1000)
        events: list[findings.LogEvent] = []
        paginator = self.client("logs").get_paginator("filter_log_events")
        try:
            for number, page in enumerate(paginator.paginate(**kwargs)):
                for event in page.get("events", []):
                    message = str(event.get("message", ""))
                    if token in message or "[ERROR]" in message or "Task timed out" in message:
                        events.append(
                            findings.LogEvent(
                                int(event.get("timestamp", 0)),
                                message,
                                str(event.get("logStreamName", "")),
                            )
                        )
                if number + 1 >= LOG_PAGES:
                    break
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
        return events

    # --- KMS ------------------------------------------------------------------------------------

    def customer_key(self, key_id: str | None) -> dict[str, Any] | None:
        """The key's metadata when it is a customer managed key; None for aws/secretsmanager."""
        if not key_id or key_id in (AWS_MANAGED_KEY, f"alias/{AWS_MANAGED_KEY}"):
            return None

        def fetch() -> dict[str, Any] | None:
            metadata = dict(self.client("kms").describe_key(KeyId=key_id)["KeyMetadata"])
            return metadata if metadata.get("KeyManager") == "CUSTOMER" else None

        return self.cached("key", key_id, fetch)

    def key_policy(self, key_arn: str) -> dict[str, Any] | None:
        import json  # noqa: PLC0415

        def fetch() -> dict[str, Any] | None:
            answer = self.client("kms").get_key_policy(KeyId=key_arn, PolicyName="default")
            return dict(json.loads(answer["Policy"]))

        return self.cached("key_policy", key_arn, fetch)

    # --- network --------------------------------------------------------------------------------

    def network(self, function: Mapping[str, Any]) -> checks.Network | None:
        vpc = function.get("VpcConfig") or {}
        subnets = tuple(vpc.get("SubnetIds") or ())
        if not subnets:
            return None
        arn = str(function.get("FunctionArn"))

        def fetch() -> checks.Network:
            ec2 = self.client("ec2")
            vpc_id = (
                vpc.get("VpcId")
                or ec2.describe_subnets(SubnetIds=list(subnets))["Subnets"][0]["VpcId"]
            )
            service = f"com.amazonaws.{self.region}.secretsmanager"
            endpoints = [
                e
                for e in ec2.describe_vpc_endpoints(
                    Filters=[
                        {"Name": "vpc-id", "Values": [vpc_id]},
                        {"Name": "service-name", "Values": [service]},
                    ]
                )["VpcEndpoints"]
                if e.get("VpcEndpointType", "Interface") == "Interface"
                and str(e.get("State", "available")).lower() == "available"
            ]
            tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
                "RouteTables"
            ]
            variables = (function.get("Environment") or {}).get("Variables") or {}
            return checks.Network(
                vpc_id=vpc_id,
                subnet_ids=subnets,
                endpoint_ids=tuple(str(e["VpcEndpointId"]) for e in endpoints),
                private_dns=any(bool(e.get("PrivateDnsEnabled")) for e in endpoints),
                subnets_with_nat=tuple(s for s in subnets if _has_nat(tables, s)),
                custom_endpoint=bool(variables.get("SECRETS_MANAGER_ENDPOINT")),
            )

        return self.cached("network", arn, fetch)

    # --- databases (database strategies) --------------------------------------------------------

    def database(self, secret: Mapping[str, Any], host: str | None) -> checks.Database | None:
        """The RDS instance or cluster of the secret: by RDS's own tag on a managed master
        secret (aws:rds:primaryDBInstanceArn / primaryDBClusterArn), else by the host named in
        AWSCURRENT (``--connect``). None when the account describes no such database."""
        tags = {t["Key"]: t["Value"] for t in secret.get("Tags") or []}
        if "aws:rds:primaryDBInstanceArn" in tags or "aws:rds:primaryDBClusterArn" in tags:
            return self._tagged_database(tags)
        if not host:
            return None
        for instance in self.cached("db_instances", "", self._all_instances):
            if (instance.get("Endpoint") or {}).get("Address") == host:
                return self._database_of(instance, "DBInstanceIdentifier")
        for cluster in self.cached("db_clusters", "", self._all_clusters):
            if host in (cluster.get("Endpoint"), cluster.get("ReaderEndpoint")):
                return self._database_of(cluster, "DBClusterIdentifier")
        return None

    def _tagged_database(self, tags: Mapping[str, str]) -> checks.Database | None:
        rds = self.client("rds")
        try:
            if tags.get("aws:rds:primaryDBInstanceArn"):
                found = rds.describe_db_instances(
                    DBInstanceIdentifier=tags["aws:rds:primaryDBInstanceArn"]
                )["DBInstances"]
                return self._database_of(found[0], "DBInstanceIdentifier") if found else None
            found = rds.describe_db_clusters(
                DBClusterIdentifier=tags["aws:rds:primaryDBClusterArn"]
            )["DBClusters"]
            return self._database_of(found[0], "DBClusterIdentifier") if found else None
        except ClientError as error:
            if "NotFound" in error_code(error):
                return None
            raise

    def _all_instances(self) -> list[dict[str, Any]]:
        pages = self.client("rds").get_paginator("describe_db_instances").paginate()
        return [i for page in pages for i in page.get("DBInstances", [])]

    def _all_clusters(self) -> list[dict[str, Any]]:
        pages = self.client("rds").get_paginator("describe_db_clusters").paginate()
        return [c for page in pages for c in page.get("DBClusters", [])]

    def _database_of(self, described: Mapping[str, Any], id_key: str) -> checks.Database:
        groups = tuple(str(g["VpcSecurityGroupId"]) for g in described.get("VpcSecurityGroups", []))
        port = described.get("Port") or (described.get("Endpoint") or {}).get("Port") or 5432
        rules: list[Mapping[str, Any]] = []
        if groups:
            answer = self.client("ec2").describe_security_groups(GroupIds=list(groups))
            for group in answer["SecurityGroups"]:
                rules.extend(group.get("IpPermissions", []))
        return checks.Database(str(described[id_key]), int(port), groups, tuple(rules))

    def subnet_cidrs(self, subnet_ids: tuple[str, ...]) -> tuple[str, ...]:
        if not subnet_ids:
            return ()
        answer = self.client("ec2").describe_subnets(SubnetIds=list(subnet_ids))
        return tuple(str(s["CidrBlock"]) for s in answer["Subnets"])

    def current_value(self, secret_arn: str) -> str:
        """AWSCURRENT's value: ``--connect`` only (connect-policy.json), never kept or shown."""
        answer = self.client("secretsmanager").get_secret_value(
            SecretId=secret_arn, VersionStage="AWSCURRENT"
        )
        return str(answer.get("SecretString") or "")


def _has_nat(tables: list[Mapping[str, Any]], subnet_id: str) -> bool:
    """The subnet's route table (its own association, else the VPC's main table) routes
    0.0.0.0/0 to a NAT gateway. https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
    """
    own = [
        t for t in tables if any(a.get("SubnetId") == subnet_id for a in t.get("Associations", []))
    ]
    main = [t for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
    for table in own or main:
        for route in table.get("Routes", []):
            if route.get("DestinationCidrBlock") == "0.0.0.0/0" and route.get("NatGatewayId"):
                return True
    return False


def now() -> datetime:
    return datetime.now(UTC)
