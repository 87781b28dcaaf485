"""Scale on the sandbox: one rotation function rotating N secrets (examples/many-secrets).

For N = 10, 50, 100, on a fresh sandbox each: `terraform plan` time, `terraform apply` time (which
includes the first rotation of every secret), the time to rotate all N again (RotateSecret one
after the other, each running the four steps in the deployed function; best of two rounds), and
the sandbox process's peak resident memory (plus, separately, what its warm function
environments hold at the end). Then the growth from the smallest to the largest N.
Numbers, not pass/fail; the goal (issue 4) is a plan of 100 secrets under 60 s and close to linear
growth.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

import boto3

from sandbox.server import Sandbox
from sandbox.stack import Stack

SIZES = (10, 50, 100)


@dataclass
class Figures:
    secrets: int
    plan_s: float
    apply_s: float
    rotate_all_s: float
    peak_rss_mb: float
    environments_mb: float


def _timed(action: Any) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def rotate_all(sandbox: Sandbox, client: Any, arns: list[str]) -> None:
    """RotateSecret for every secret, then wait for each (the calls answer before the steps run)."""
    for arn in arns:
        client.rotate_secret(SecretId=arn)
    for arn in arns:
        sandbox.wait_for_rotation(arn, timeout=600)


def measure(size: int) -> Figures:
    with Sandbox() as sandbox:
        stack = Stack("many-secrets", sandbox)
        try:
            stack.write_vars(
                {
                    "secrets": {
                        f"key-{i:03d}": {"client_id": f"client-{i:03d}"} for i in range(size)
                    },
                    "function_name": f"bench-{size}-rotation",
                    "name_prefix": f"bench/{size}/",
                }
            )
            stack.init()
            plan_s = _timed(lambda: stack.terraform("plan", "-input=false", "-no-color"))
            arns: list[str] = []

            def apply_and_wait() -> None:
                # The first rotations start during apply and finish after it.
                stack.apply()
                arns.extend(stack.outputs()["secret_arns"].values())
                for arn in arns:
                    sandbox.wait_for_rotation(arn, timeout=600)

            apply_s = _timed(apply_and_wait)
            env = sandbox.aws_env()
            client = boto3.client(
                "secretsmanager",
                endpoint_url=sandbox.endpoint,
                region_name=arns[0].split(":")[3],
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            )
            # Best of two rounds: the machine is shared, one round can catch another's load.
            rotate_s = min(_timed(lambda: rotate_all(sandbox, client, arns)) for _ in range(2))
            peak_mb = sandbox.peak_rss_kb() / 1024
            environments_mb = sandbox.environments_rss_kb() / 1024
        finally:
            stack.cleanup()
    return Figures(size, plan_s, apply_s, rotate_s, peak_mb, environments_mb)


def main() -> None:
    print("Sandbox scale: one rotation function, N secrets (examples/many-secrets)")
    print(
        f"  {'N':>4}  {'plan s':>7}  {'apply s':>8}  {'rotate all s':>12}  "
        f"{'peak RSS MB':>11}  {'functions MB':>12}"
    )
    results = []
    for size in SIZES:
        figures = measure(size)
        results.append(figures)
        print(
            f"  {figures.secrets:>4}  {figures.plan_s:>7.1f}  {figures.apply_s:>8.1f}  "
            f"{figures.rotate_all_s:>12.1f}  {figures.peak_rss_mb:>11.0f}  "
            f"{figures.environments_mb:>12.0f}",
            flush=True,
        )
    first, last = results[0], results[-1]
    factor = last.secrets / first.secrets
    print(f"  growth from N={first.secrets} to N={last.secrets} (x{factor:.0f} secrets):")
    for label, attribute in (
        ("plan", "plan_s"),
        ("apply", "apply_s"),
        ("rotate all", "rotate_all_s"),
        ("peak RSS", "peak_rss_mb"),
    ):
        ratio = getattr(last, attribute) / max(getattr(first, attribute), 1e-9)
        print(f"    {label:<11} x{ratio:.1f}")
    print(f"  plan of {last.secrets} secrets: {last.plan_s:.0f} s (goal: under 60 s)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
