"""Fail fast, with what to do, before `make plan|apply|destroy` runs Terraform against real AWS."""

from __future__ import annotations

import os
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError


def main() -> int:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        print(
            f"note: AWS_ENDPOINT_URL={endpoint} is set, so Terraform will talk to that endpoint "
            "(the local sandbox?), not to real AWS. `unset AWS_ENDPOINT_URL` to use your account.",
            file=sys.stderr,
        )
    try:
        identity = boto3.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        print(
            f"error: no usable AWS credentials ({error}).\n"
            "Set AWS_PROFILE (after `aws sso login`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "and AWS_REGION, then run the target again. To try the module without an account, "
            "run `make demo`.",
            file=sys.stderr,
        )
        return 1
    print(f"using AWS account {identity['Account']} as {identity['Arn']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
