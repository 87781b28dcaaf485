"""A function's VpcConfig.VpcId as Lambda answers it: the VPC of the function's subnets.

moto 5.2.5 answers ``vpc-123abc`` for every function with security groups, a VPC that does not
exist; a caller that then looks up the VPC's endpoints or route tables (rotation-doctor) finds
nothing. Lambda's FunctionConfiguration returns the ID of the VPC the subnets are in
(https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfigResponse.html: "VpcId: The ID of the
VPC").
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    from moto.awslambda.models import LambdaFunction  # noqa: PLC0415  moto only in the server

    def vpc_config(self: Any) -> dict[str, Any] | None:
        if not self._vpc_config:
            return None
        # Imported here, for the functions in a VPC: importing moto's EC2 reads every region's
        # data (1.2 s of CPU), which every sandbox start paid whether or not a stack used EC2.
        from moto.ec2.models import ec2_backends  # noqa: PLC0415

        config = dict(self._vpc_config)
        subnets = list(config.get("SubnetIds") or [])
        if not subnets:
            config["VpcId"] = ""
            return config
        try:
            subnet = ec2_backends[self.account_id][self.region].get_subnet(subnets[0])
            config["VpcId"] = subnet.vpc_id
        except Exception:  # noqa: BLE001  a subnet that no longer exists: as moto answered
            config["VpcId"] = "vpc-123abc"
        return config

    LambdaFunction.vpc_config = property(vpc_config)  # type: ignore[method-assign,assignment]
