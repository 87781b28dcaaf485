"""RDS in the sandbox: moto's RDS, with the two things an end-to-end rotation needs.

- **Where the database is.** moto answers every DB instance's endpoint with a made-up name
  (``<id>.aaaaaaaaaa.<region>.rds.amazonaws.com``) that resolves nowhere. A DB instance tagged
  ``sandbox:endpoint-address`` reports that address instead, so a stack can point an
  ``aws_db_instance`` at a real local PostgreSQL (the port is the instance's ``port``). Only the
  sandbox reads the tag; against AWS it is an ordinary tag.
- **IAM on RDS resources.** moto authorizes RDS requests against the resource ``*``, so a policy
  granting ``rds:DescribeDBInstances`` on one instance's ARN would never match (sandbox.iam
  evaluates policies for the rotation function). DescribeDBInstances and DescribeDBClusters with
  an identifier are authorized against that database's ARN, as IAM does ("db" and "cluster"
  resource types: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
- **What a production instance sets, read back.** moto drops ``EnablePerformanceInsights`` (every
  DescribeDBInstances says false) and stores a parameter group's parameters without their
  ``Source``, which the AWS provider reads as "none set by the user": a stack that sets either
  (examples/postgres-rds-multi-user) would plan changes after every apply. The sandbox keeps the
  flag and marks parameters set through ModifyDBParameterGroup as ``Source: user``, as RDS does.
"""

from __future__ import annotations

from typing import Any

ADDRESS_TAG = "sandbox:endpoint-address"
_RESOURCE_PARAMETERS = {
    "DescribeDBInstances": ("DBInstanceIdentifier", "db"),
    "DescribeDBClusters": ("DBClusterIdentifier", "cluster"),
}


def install() -> None:
    from moto.rds.models import DBInstance, DBParameterGroup  # noqa: PLC0415  moto only here
    from moto.rds.responses import RDSResponse  # noqa: PLC0415

    made_up = DBInstance.address

    def address(self: Any) -> str:
        for tag in self.tags or []:
            if tag.get("Key") == ADDRESS_TAG and tag.get("Value"):
                return str(tag["Value"])
        return str(made_up.fget(self))  # type: ignore[attr-defined]

    def determine_resource(self: Any) -> str:
        action = self._get_action()
        if action not in _RESOURCE_PARAMETERS:
            return "*"
        parameter, kind = _RESOURCE_PARAMETERS[action]
        identifier = self._get_param(parameter)
        if not identifier:
            return "*"  # describing every database: IAM evaluates "*" too
        if str(identifier).startswith("arn:"):
            return str(identifier)
        return f"arn:aws:rds:{self.region}:{self.current_account}:{kind}:{identifier}"

    created = DBInstance.__init__
    update_parameters = DBParameterGroup.update_parameters

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        created(self, *args, **kwargs)
        # Serialised as PerformanceInsightsEnabled (moto's serialiser reads snake_case names).
        self.performance_insights_enabled = bool(kwargs.get("enable_performance_insights"))

    def update(self: Any, new_parameters: Any) -> None:
        update_parameters(self, [{**p, "Source": "user"} for p in new_parameters])

    DBInstance.__init__ = init  # type: ignore[method-assign]
    DBParameterGroup.update_parameters = update  # type: ignore[method-assign]
    DBInstance.address = property(address)  # type: ignore[method-assign,assignment]
    RDSResponse._determine_resource = determine_resource  # type: ignore[attr-defined]
