"""CPU of one Terraform command when Terraform starts its providers, when the tests' reused
provider serves it (terraform_offline/provider_reuse.py), and when Terraform reaches that provider
through the schema-trimming proxy (terraform_offline/schema_proxy.py; what the tests do).

The stack is bench/module_plan.py's: N secrets through modules/rotating-secret, a provider that
calls nothing. Each mode runs ``plan -out`` and ``show -json`` (what every plan test runs) through
the one runner, ROUNDS times. A command's CPU is its process tree's (Terraform and the providers it
starts and reaps) plus, when reused, what the running provider and this process (the proxy's
threads) spent meanwhile; the reused provider's own start, paid once per directory, is printed
apart.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.module_plan import children_cpu_s, terraform_env, write_stacks
from terraform_offline.provider_reuse import POOL
from terraform_offline.runner import Terraform

SECRETS = 10
ROUNDS = 5
QUICK_SECRETS = 2
QUICK_ROUNDS = 1
COMMANDS = ("plan", "show")


def _running_providers_cpu_s() -> float:
    """CPU seconds so far of the providers the pool keeps running (not reaped by Terraform)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in POOL.pids():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_of(action: Callable[[], object]) -> float:
    before = children_cpu_s() + _running_providers_cpu_s() + _own_cpu_s()
    action()
    return children_cpu_s() + _running_providers_cpu_s() + _own_cpu_s() - before


MODES = ("Terraform starts", "reused", "reused, trimmed")


def measure(mode: str, secrets: int, rounds: int) -> tuple[dict[str, list[float]], float]:
    """CPU seconds per command over the rounds, and the reused provider's start (0 if none)."""
    work = Path(tempfile.mkdtemp(prefix="bench-provider-reuse-"))
    reuse = mode != MODES[0]
    runner = Terraform(terraform_env(), reuse_providers=reuse)
    POOL.trim_schemas = mode == MODES[2]
    try:
        directory = write_stacks(work)["rotating-secret"]
        runner.init(directory)
        plan_file = work / "bench.tfplan"
        plan_args = ("plan", "-input=false", "-no-color", f"-var=secrets={secrets}")
        start = _cpu_of(lambda: POOL.reattach_env(directory, runner.env)) if reuse else 0.0
        figures: dict[str, list[float]] = {command: [] for command in COMMANDS}
        for _ in range(rounds):
            figures["plan"].append(
                _cpu_of(lambda: runner.run(directory, *plan_args, "-out", str(plan_file)))
            )
            figures["show"].append(
                _cpu_of(lambda: runner.run(directory, "show", "-json", str(plan_file)))
            )
        return figures, start
    finally:
        runner.close(directory)
        POOL.trim_schemas = True
        shutil.rmtree(work, ignore_errors=True)


def main(quick: bool = False) -> None:
    secrets, rounds = (QUICK_SECRETS, QUICK_ROUNDS) if quick else (SECRETS, ROUNDS)
    print(
        f"Provider reuse: CPU s per Terraform command, {secrets} secrets through "
        f"modules/rotating-secret, median of {rounds}"
    )
    results = {mode: measure(mode, secrets, rounds) for mode in MODES}
    print(f"  {'command':<8}" + "".join(f" {mode:>16}" for mode in MODES) + f" {'saved':>6}")
    for command in COMMANDS:
        medians = [statistics.median(results[mode][0][command]) for mode in MODES]
        saved = 1 - medians[-1] / max(medians[0], 1e-9)
        print(f"  {command:<8}" + "".join(f" {m:>16.2f}" for m in medians) + f" {saved:>6.0%}")
    for mode in MODES[1:]:
        start = results[mode][1]
        print(f"  {mode} provider's start, once per directory: {start:.2f} CPU s", flush=True)
