"""Plan cost of modules/rotating-secret beside Terraform's floor: N secrets, the same resources.

Two root stacks plan N secrets each, as examples/many-secrets calls the module: a secret, its
labelled initial value and its rotation on one shared function, `aws_context` given (nothing is
read per secret), no state. One calls modules/rotating-secret once per secret (`for_each`), the
other bench/bare_module/: the same three resources and inputs with no validation, no check and
one output, the least Terraform does for them. The provider is configured to call nothing
(`skip_*`, static keys), so no sandbox runs and the figures are Terraform's and the provider's
own work.

The two are planned alternately, ROUNDS times each, so a load that comes and goes on the shared
machine falls on both. The figure is CPU seconds of each `terraform plan` process tree (user +
sys of Terraform and the provider plugins it starts and reaps), the median over the rounds, and
the ratio of the two medians; wall seconds beside them. Goal (issue 26): the ratio at most 1.25
at N = 1,000. `BENCH_PLAN_SIZES=100,1000` and `BENCH_PLAN_ROUNDS=5` choose other sizes and
rounds; GOGC is whatever the caller's environment says (Terraform's default when unset).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1000,)
ROUNDS = 3
QUICK_SIZES = (2,)
QUICK_ROUNDS = 1
GOAL_RATIO = 1.25

# The two callers differ only in their source and in what only rotating-secret takes.
MODULES = {
    "rotating-secret": (
        ROOT / "modules" / "rotating-secret",
        """
  create_lambda_permission = false
  aws_context = {
    account_id = "123456789012"
    partition  = "aws"
    dns_suffix = "amazonaws.com"
    region     = "eu-west-1"
  }
""",
    ),
    "bare module": (ROOT / "bench" / "bare_module", ""),
}

# Half the secrets on rate(), half on cron() with a window, as examples/many-secrets' defaults mix
# them: the module's schedule checks run on both kinds.
ROOT_STACK = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "bench"
  secret_key                  = "bench"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

variable "secrets" {
  type = number
}

locals {
  secrets = {
    for i in range(var.secrets) : format("key-%04d", i) => {
      schedule_expression = i % 2 == 0 ? "rate(30 days)" : "cron(0 3 ? * SUN *)"
      duration            = i % 2 == 0 ? null : "3h"
    }
  }
}

module "secrets" {
  source   = "SOURCE"
  for_each = local.secrets

  name        = "bench/${each.key}"
  description = "Bench secret ${each.key}."
  secret_string_wo = jsonencode({
    client_id = each.key
    api_key   = "replaced-by-the-first-rotation"
  })
  secret_string_wo_version = 1
  rotation_function_arn    = "arn:aws:lambda:eu-west-1:123456789012:function:bench-rotation"
  rotation_rules = {
    schedule_expression = each.value.schedule_expression
    duration            = each.value.duration
  }
  tags = { stack = "bench", "rotation:function" = "bench-rotation" }
EXTRA}

output "secret_arns" {
  value = { for key, secret in module.secrets : key => secret.secret_arn }
}
"""


@dataclass
class Plan:
    cpu_s: float
    wall_s: float


def children_cpu_s() -> float:
    """CPU seconds of reaped child processes; Terraform reaps its provider plugins."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def terraform_env() -> dict[str, str]:
    from terraform_offline import offline_env  # noqa: PLC0415  only when run

    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    return {
        **base,
        **offline_env(),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _terraform(directory: Path, env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        ["terraform", *args], cwd=directory, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise RuntimeError(
            f"terraform {args[0]} in {directory} exited {result.returncode}:\n{tail}"
        )


def write_stacks(work: Path) -> dict[str, Path]:
    """One root stack per module under `work`, each calling the module by a relative path."""
    stacks = {}
    for label, (source, extra) in MODULES.items():
        directory = work / label.replace(" ", "-")
        directory.mkdir()
        relative = os.path.relpath(source, directory)
        text = ROOT_STACK.replace("SOURCE", relative).replace("EXTRA", extra)
        (directory / "main.tf").write_text(text)
        stacks[label] = directory
    return stacks


def plan(directory: Path, env: dict[str, str], secrets: int) -> Plan:
    cpu_before = children_cpu_s()
    started = time.monotonic()
    _terraform(
        directory,
        env,
        "plan",
        "-refresh=false",
        "-input=false",
        "-no-color",
        f"-var=secrets={secrets}",
    )
    return Plan(children_cpu_s() - cpu_before, time.monotonic() - started)


def compare(secrets: int, rounds: int) -> dict[str, list[Plan]]:
    """Plans of each stack, alternating, `rounds` times each."""
    env = terraform_env()
    work = Path(tempfile.mkdtemp(prefix="bench-module-plan-"))
    try:
        stacks = write_stacks(work)
        for directory in stacks.values():
            _terraform(directory, env, "init", "-input=false", "-no-color")
        plans: dict[str, list[Plan]] = {label: [] for label in stacks}
        for round_number in range(1, rounds + 1):
            for label, directory in stacks.items():
                plans[label].append(plan(directory, env, secrets))
            # As it goes: at 1,000 secrets on a busy machine a round can take many minutes.
            figures = ", ".join(f"{label} {plans[label][-1].cpu_s:.1f}" for label in stacks)
            print(f"  {secrets:>5}  round {round_number}: CPU s {figures}", flush=True)
        return plans
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sizes(quick: bool) -> tuple[tuple[int, ...], int]:
    if quick:
        return QUICK_SIZES, QUICK_ROUNDS
    chosen = os.environ.get("BENCH_PLAN_SIZES")
    sizes = tuple(int(p) for p in chosen.split(",") if p.strip()) if chosen else SIZES
    return sizes, int(os.environ.get("BENCH_PLAN_ROUNDS", ROUNDS))


def main(quick: bool = False) -> None:
    sizes, rounds = _sizes(quick)
    ours, bare = MODULES
    print(
        "Module plan: N secrets through modules/rotating-secret and through bench/bare_module "
        "(same three resources per secret)"
    )
    print(
        f"  CPU s of each `terraform plan` process tree, median of {rounds} alternating rounds; "
        f"GOGC={os.environ.get('GOGC', 'default')}"
    )
    print(
        f"  {'N':>5}  {ours + ' CPU s':>21}  {bare + ' CPU s':>17}  {'ratio':>5}  "
        "wall s (ours/bare)"
    )
    for secrets in sizes:
        plans = compare(secrets, rounds)
        cpu = {label: statistics.median(p.cpu_s for p in plans[label]) for label in plans}
        wall = {label: statistics.median(p.wall_s for p in plans[label]) for label in plans}
        ratio = cpu[ours] / max(cpu[bare], 1e-9)
        each = " ".join(
            f"{a.cpu_s:.1f}/{b.cpu_s:.1f}" for a, b in zip(plans[ours], plans[bare], strict=True)
        )
        print(
            f"  {secrets:>5}  {cpu[ours]:>21.1f}  {cpu[bare]:>17.1f}  {ratio:>5.2f}  "
            f"{wall[ours]:.1f}/{wall[bare]:.1f}   (rounds: {each})",
            flush=True,
        )
    print(f"  goal at N = 1,000: ratio at most {GOAL_RATIO}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
