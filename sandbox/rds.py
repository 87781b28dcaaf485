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
"""

from __future__ import annotations

from typing import Any

ADDRESS_TAG = "sandbox:endpoint-address"
_RESOURCE_PARAMETERS = {
    "DescribeDBInstances": ("DBInstanceIdentifier", "db"),
    "DescribeDBClusters": ("DBClusterIdentifier", "cluster"),
}


def install() -> None:
    from moto.rds.models import DBInstance  # noqa: PLC0415  moto only inside the server
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

    DBInstance.address = property(address)  # type: ignore[method-assign,assignment]
    RDSResponse._determine_resource = determine_resource  # type: ignore[attr-defined]
