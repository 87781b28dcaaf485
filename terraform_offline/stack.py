"""A root stack from examples/ applied to a local AWS, from a temporary copy of the repository.

The copy holds ``examples/<name>``, ``modules/`` and ``rotator/`` in the same layout as the
checkout, so the example's relative module sources and the module's path to ``rotator/`` resolve
unchanged, and nothing (``.terraform``, lock file, state, zips) is written into the working tree.
Used by ``make demo``, the end-to-end tests and the benchmarks. The AWS it runs against is any
object with ``aws_env()`` (the sandbox's exports) and, optionally, ``request_errors()`` and
``notices()`` for the failure report: this package does not import the sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from terraform_offline.cli_config import offline_env
from terraform_offline.runner import Terraform, TerraformError

REPO_ROOT = Path(__file__).resolve().parent.parent

# What a git source fetches and the modules read: their code, the rotator, the layer build.
COPIED = ("modules", "rotator", "scripts")
IGNORED = shutil.ignore_patterns(
    ".terraform",
    ".terraform.lock.hcl",
    "*.tfstate",
    "*.tfstate.*",
    "builds",
    "__pycache__",
    "*.pyc",
)
StackError = TerraformError


class LocalAws(Protocol):
    """What a stack needs of the AWS it runs against (``sandbox.server.Sandbox`` is one)."""

    def aws_env(self) -> dict[str, str]: ...

    def request_errors(self) -> list[str]: ...

    def notices(self) -> list[str]: ...


def _report(aws: LocalAws) -> list[str]:
    # What the sandbox saw: the client's last error may be a retry's, not the cause.
    lines: list[str] = []
    for error in aws.request_errors():
        lines += ["", "The sandbox failed a request:", error]
    if notices := aws.notices():
        lines += ["", "The sandbox's last notices:", *notices]
    return lines


class Stack:
    def __init__(
        self,
        example: str,
        sandbox: LocalAws,
        *,
        work_dir: Path | None = None,
        source_root: Path = REPO_ROOT,
        copied: tuple[str, ...] = COPIED,
        reuse_providers: bool = False,
    ) -> None:
        """``copied=()`` copies the example alone: a stack that takes its modules from
        elsewhere (a git source) and must not find them beside it. ``reuse_providers``: the
        tests' speed-up (runner.py); the demo runs Terraform as users do."""
        self.sandbox = sandbox
        self.root = work_dir or Path(tempfile.mkdtemp(prefix=f"stack-{example}-"))
        self._owns_root = work_dir is None
        for name in copied:
            if (source_root / name).is_dir():  # an older release may lack one (scripts/)
                shutil.copytree(source_root / name, self.root / name, symlinks=True, ignore=IGNORED)
        self.dir = self.root / "examples" / example
        shutil.copytree(source_root / "examples" / example, self.dir, ignore=IGNORED)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        self.env = {
            **base,
            **offline_env(),
            **sandbox.aws_env(),
            # The user's AWS configuration must not leak into the sandbox run.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }
        self.runner = Terraform(
            self.env, report=lambda: _report(sandbox), reuse_providers=reuse_providers
        )
        # The runner's own copy: a caller may still add variables (TF_VAR_...) before a command.
        self.env = self.runner.env

    def terraform(
        self, *args: str, ok_codes: tuple[int, ...] = (0,), var_file: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        extra = [f"-var-file={var_file}"] if var_file is not None else []
        return self.runner.run(self.dir, *args, *extra, ok_codes=ok_codes)

    def write_vars(self, values: Mapping[str, Any], name: str = "sandbox.auto.tfvars.json") -> Path:
        """Variables for every later command (an ``*.auto.tfvars.json`` file in the copy)."""
        path = self.dir / name
        path.write_text(json.dumps(values))
        return path

    def init(self) -> None:
        self.terraform("init", "-input=false", "-no-color")

    def apply(self) -> None:
        self.terraform("apply", "-auto-approve", "-input=false", "-no-color")

    def plan_exit_code(self) -> tuple[int, str]:
        """``terraform plan -detailed-exitcode``: 0 no changes, 2 changes (with the plan text)."""
        result = self.terraform(
            "plan", "-detailed-exitcode", "-input=false", "-no-color", ok_codes=(0, 2)
        )
        return result.returncode, result.stdout

    def destroy(self) -> None:
        self.terraform("destroy", "-auto-approve", "-input=false", "-no-color")

    def outputs(self) -> dict[str, Any]:
        result = self.terraform("output", "-json")
        return {name: value["value"] for name, value in json.loads(result.stdout).items()}

    def cleanup(self) -> None:
        self.runner.close(self.dir)
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)
