"""The one way this repository runs Terraform: the demo, the tests, the benchmarks and lint.

``Terraform`` runs a command in a directory with one environment, initialises each directory once
per process, plans to JSON (``plan -out`` then ``show -json``, as a pipeline reads a saved plan),
and on failure raises ``TerraformError`` with the end of the output plus whatever the caller's
``report`` adds (the sandbox's notices and failed requests: a client's last error may be a retry's,
not the cause).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from terraform_offline.provider_reuse import POOL

OUTPUT_TAIL_LINES = 40
# "Error: Inconsistent dependency lock file" after an online init: the lock file names a provider
# package other than the offline mirror's.
LOCK_MISMATCH = "doesn't match any of the checksums previously recorded"
# A type missing from the reused provider's trimmed schema (schema_proxy.py), in configuration
# ("does not support resource type") or in state read from a file the proxy did not look at.
TRIMMED_AWAY = re.compile(r"does not support (resource type|data source)|no schema available for")


class TerraformError(RuntimeError):
    """A Terraform command failed; the message carries the end of its output."""


def var_args(
    tfvars: Sequence[Path | str] = (), tf_vars: Mapping[str, Any] | None = None
) -> list[str]:
    """``-var-file`` and ``-var`` arguments; maps and lists as JSON, booleans refused.

    A boolean would reach Terraform as Python's text (``True``): pass it in a tfvars file.
    """
    args = [f"-var-file={Path(v).resolve()}" for v in tfvars]
    for key, value in (tf_vars or {}).items():
        if isinstance(value, bool):
            raise TypeError(f"{key}: pass booleans through a tfvars file")
        rendered = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        args += ["-var", f"{key}={rendered}"]
    return args


class Terraform:
    """Terraform with one environment; ``init`` once per directory in this process."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        binary: str = "terraform",
        report: Callable[[], list[str]] | None = None,
        reuse_providers: bool = False,
    ) -> None:
        """``reuse_providers``: commands other than ``init`` attach to providers kept running
        (AWS, shared by directories for commands that only read, and the archive stand-in;
        provider_reuse.py; tests only, for speed)."""
        self.env = dict(env)
        self.binary = binary
        self.report = report
        self.reuse_providers = reuse_providers
        self._initialised: set[str] = set()
        self._lock = threading.Lock()

    def run(
        self, tfdir: Path | str, *args: str, ok_codes: tuple[int, ...] | None = (0,)
    ) -> subprocess.CompletedProcess[str]:
        """``terraform ARGS`` in ``tfdir``; an exit code outside ``ok_codes`` (None: any) raises."""
        with self._reused_providers(tfdir, args) as reattach:
            result = subprocess.run(
                [self.binary, *args],
                cwd=tfdir,
                env={**self.env, **reattach},
                capture_output=True,
                text=True,
                check=False,
            )
        if ok_codes is not None and result.returncode not in ok_codes:
            raise TerraformError(self.failure_message(tfdir, args, result))
        return result

    def _reused_providers(
        self, tfdir: Path | str, args: Sequence[str]
    ) -> contextlib.AbstractContextManager[dict[str, str]]:
        """The environment that attaches the command to running providers (none for init)."""
        if not self.reuse_providers or args[:1] == ("init",):
            return contextlib.nullcontext({})
        return POOL.attached(tfdir, self.env, args)

    def failure_message(
        self, tfdir: Path | str, args: Sequence[str], result: subprocess.CompletedProcess[str]
    ) -> str:
        output = (result.stdout + result.stderr).splitlines()[-OUTPUT_TAIL_LINES:]
        message = [f"`terraform {' '.join(args)}` in {tfdir} exited {result.returncode}:", *output]
        if LOCK_MISMATCH in result.stdout + result.stderr:
            message.append(
                f"Hint: {Path(tfdir) / '.terraform.lock.hcl'} records checksums of a provider "
                "package other than the one in the offline mirror (for example the real "
                "hashicorp/archive from an online init). The file is gitignored: delete it."
            )
        if self.reuse_providers:
            message += POOL.crashes(tfdir)
        if self.reuse_providers and TRIMMED_AWAY.search(result.stdout + result.stderr):
            message.append(
                "Hint: with reuse_providers, Terraform sees only the AWS types named in this "
                "directory's configuration and local state (terraform_offline/schema_proxy.py); "
                "a state file passed elsewhere (-state=) is not read. Name the type in the "
                "configuration, or run this command with reuse_providers=False."
            )
        if self.report is not None:
            message += self.report()
        return "\n".join(message)

    def init(self, tfdir: Path | str, *extra: str) -> None:
        """``terraform init`` the first time this process asks for ``tfdir``."""
        key = str(Path(tfdir).resolve())
        with self._lock:
            if key in self._initialised:
                return
            self.run(key, "init", "-input=false", "-no-color", *extra)
            self._initialised.add(key)

    def plan_json(self, tfdir: Path | str, *args: str) -> dict[str, Any]:
        """The plan as ``terraform show -json`` prints it (a saved plan, as pipelines apply it)."""
        self.init(tfdir)
        descriptor, plan_file = tempfile.mkstemp(prefix="plan-", suffix=".tfplan")
        os.close(descriptor)
        try:
            self.run(
                tfdir, "plan", "-input=false", "-no-color", "-lock=false", "-out", plan_file, *args
            )
            shown = self.run(tfdir, "show", "-json", plan_file)
        finally:
            Path(plan_file).unlink(missing_ok=True)
        plan: dict[str, Any] = json.loads(shown.stdout)
        return plan

    def close(self, tfdir: Path | str) -> None:
        """Stop what this runner kept running for ``tfdir`` (its reused provider)."""
        if self.reuse_providers:
            POOL.stop(tfdir)
