"""Simulated time on the sandbox: what one scheduled rotation costs when the clock is advanced.

examples/many-secrets with one secret on `rate(4 hours)`, applied to a fresh sandbox; then the
sandbox clock is advanced 40 days (about 240 windows), each window running the deployed rotator's
four steps in warm execution environments. Prints the rotations run, the wall time, the cost per
rotation (the goal, issue 10: well under 100 ms) and how many versions the secret keeps (the
service's housekeeping holds it at 100).
"""

from __future__ import annotations

import sys
import time

import boto3

from sandbox.server import Sandbox
from terraform_offline.stack import Stack

DAYS = 40
# `python -m bench --quick` (tests/bench): one day, six windows.
QUICK_DAYS = 1


def main(quick: bool = False) -> None:
    days = QUICK_DAYS if quick else DAYS
    print(f"Sandbox clock: {days} days of rate(4 hours) on one secret (examples/many-secrets)")
    with Sandbox() as sandbox:
        # The apply is set-up, not what this measures: on the tests' reused provider (half the CPU).
        stack = Stack("many-secrets", sandbox, reuse_providers=True)
        try:
            stack.write_vars(
                {
                    "secrets": {
                        "clock": {
                            "client_id": "clock-bench",
                            "schedule_expression": "rate(4 hours)",
                        }
                    },
                    "function_name": "bench-clock-rotation",
                    "name_prefix": "bench/clock/",
                }
            )
            stack.init()
            stack.apply()
            arn = str(stack.outputs()["secret_arns"]["clock"])
            sandbox.wait_for_rotation(arn)
            started = time.monotonic()
            ran = sandbox.advance_clock(days * 86400)
            elapsed = time.monotonic() - started
            env = sandbox.aws_env()
            client = boto3.client(
                "secretsmanager",
                endpoint_url=sandbox.endpoint,
                region_name=arn.split(":")[3],
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            )
            versions = client.list_secret_version_ids(SecretId=arn, IncludeDeprecated=True)
        finally:
            stack.cleanup()
    failed = [r for r in ran if r["outcome"] != "succeeded"]
    print(f"  rotations run        {len(ran):>6}   ({len(failed)} failed)")
    print(f"  wall time            {elapsed:>6.1f} s")
    per_rotation_ms = elapsed / max(len(ran), 1) * 1000
    print(f"  per rotation         {per_rotation_ms:>6.0f} ms   (goal: well under 100)")
    print(f"  versions kept        {len(versions['Versions']):>6}   (housekeeping: 100)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
