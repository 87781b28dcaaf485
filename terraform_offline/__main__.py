"""`python -m terraform_offline`: validate Terraform directories or print the offline env.

validate DIR...   `terraform init -backend=false` (only when needed) and `terraform validate`
                  in each directory, offline; one line per directory; exit 1 on any failure.
env               `export ...` lines that point Terraform at the offline provider mirrors.
run CMD...        run CMD (e.g. `terraform plan`) with that environment.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from terraform_offline.cli_config import OfflineTerraformError, offline_terraform
from terraform_offline.runner import LOCK_MISMATCH, Terraform


@dataclass(frozen=True)
class Outcome:
    directory: str
    ok: bool
    seconds: float
    detail: str


def _terraform(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return Terraform(env).run(cwd, *args, ok_codes=None)


def init(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`terraform init -backend=false` offline, with a hint when a lock file is from elsewhere."""
    result = _terraform(["init", "-backend=false", "-input=false", "-no-color"], directory, env)
    if result.returncode != 0 and LOCK_MISMATCH in result.stderr + result.stdout:
        result.stderr += (
            f"\nHint: {directory / '.terraform.lock.hcl'} records checksums of a provider package "
            "other than the one in the offline mirror (for example the real hashicorp/archive "
            "from an online init). The file is gitignored: delete it and run again.\n"
        )
    return result


def validate_dir(directory: Path, env: dict[str, str]) -> Outcome:
    """Validate one directory, reusing its .terraform; init first only when validate needs it."""
    start = time.monotonic()
    initialised = False
    if not (directory / ".terraform").is_dir():
        result = init(directory, env)
        initialised = True
        if result.returncode != 0:
            return Outcome(str(directory), False, time.monotonic() - start, result.stderr)
    result = _terraform(["validate", "-no-color"], directory, env)
    if result.returncode != 0 and not initialised:
        # A stale .terraform (new module call, changed provider constraints): init, then retry.
        init_result = init(directory, env)
        if init_result.returncode != 0:
            return Outcome(str(directory), False, time.monotonic() - start, init_result.stderr)
        result = _terraform(["validate", "-no-color"], directory, env)
    detail = (result.stderr or result.stdout).strip()
    return Outcome(str(directory), result.returncode == 0, time.monotonic() - start, detail)


def _offline_env() -> dict[str, str]:
    return {**os.environ, **offline_terraform().env()}


def cmd_validate(directories: list[str], jobs: int) -> int:
    env = _offline_env()
    missing = [d for d in directories if not Path(d).exists()]
    # Globs like modules/* may name files (a README): only directories with .tf files count.
    dirs = [Path(d) for d in directories if Path(d).is_dir() and any(Path(d).glob("*.tf"))]
    for skipped in sorted(set(directories) - set(missing) - {str(d) for d in dirs}):
        print(f"skip terraform validate {skipped} (not a directory with .tf files)")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = [Outcome(d, False, 0.0, "no such directory") for d in missing]
        outcomes += pool.map(lambda d: validate_dir(d, env), dirs)
    for outcome in outcomes:
        status = "ok  " if outcome.ok else "FAIL"
        print(f"{status} terraform validate {outcome.directory} ({outcome.seconds:.1f} s)")
        if not outcome.ok:
            print("     " + outcome.detail.replace("\n", "\n     "))
    return 0 if all(o.ok for o in outcomes) else 1


def cmd_env() -> int:
    prepared = offline_terraform()
    archive = "offline stand-in" if prepared.uses_archive_standin else "real provider from mirror"
    print(
        f"# Offline Terraform: hashicorp/aws from {prepared.aws_mirror} (through launchers in "
        f"{prepared.base_dir}); hashicorp/archive: {archive}."
    )
    for key, value in prepared.env().items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


def cmd_run(command: list[str]) -> int:
    if not command:
        print("run: give a command, e.g. `run terraform plan`", file=sys.stderr)
        return 2
    return subprocess.run(command, env=_offline_env(), check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m terraform_offline",
        description="Run Terraform offline: provider mirrors and the hashicorp/archive stand-in.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="init (when needed) and validate each directory")
    validate.add_argument("directories", nargs="+", metavar="DIR")
    validate.add_argument("--jobs", type=int, default=2, help="directories validated at once")
    sub.add_parser("env", help="print `export` lines for the offline Terraform configuration")
    run = sub.add_parser("run", help="run a command with the offline Terraform configuration")
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            return cmd_validate(args.directories, args.jobs)
        if args.command == "env":
            return cmd_env()
        command = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        return cmd_run(command)
    except OfflineTerraformError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
