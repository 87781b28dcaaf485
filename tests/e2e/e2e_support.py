"""Helpers for the end-to-end tests: clients for an applied stack, version views, fingerprints."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3

from sandbox.server import Sandbox
from terraform_offline.stack import Stack


def fingerprint(value: str) -> str:
    """Compare values by this, so a failing assertion never prints a secret."""
    return hashlib.sha256(value.encode()).hexdigest()[:12]


class AppliedStack:
    def __init__(self, stack: Stack, sandbox: Sandbox) -> None:
        self.stack = stack
        self.sandbox = sandbox
        self.outputs = stack.outputs()
        self.region = self._region_from_outputs()

    def _region_from_outputs(self) -> str:
        for value in self.outputs.values():
            text = json.dumps(value)
            if "arn:aws:secretsmanager:" in text:
                return text.split("arn:aws:secretsmanager:", 1)[1].split(":", 1)[0]
        return "us-east-1"

    def client(self, service: str) -> Any:
        env = self.sandbox.aws_env()
        return boto3.client(
            service,
            endpoint_url=self.sandbox.endpoint,
            region_name=self.region,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    def stages(self, secret_id: str) -> dict[str, list[str]]:
        response = self.client("secretsmanager").describe_secret(SecretId=secret_id)
        return dict(response["VersionIdsToStages"])

    def version_with(self, secret_id: str, stage: str) -> str | None:
        return next((v for v, s in self.stages(secret_id).items() if stage in s), None)

    def value(self, secret_id: str, stage: str = "AWSCURRENT") -> str:
        response = self.client("secretsmanager").get_secret_value(
            SecretId=secret_id, VersionStage=stage
        )
        return str(response["SecretString"])

    def rotate(self, secret_id: str) -> dict[str, Any]:
        """RotateSecret, then wait for the rotation (it runs after the call answers).

        A refusal fails with what explains it: the labels of every version (ids only, never a
        value), the function's invocations and the sandbox log's tail.
        """
        client = self.client("secretsmanager")
        try:
            client.rotate_secret(SecretId=secret_id)
        except client.exceptions.InvalidRequestException as exc:
            invocations = "\n".join(json.dumps(i) for i in self.sandbox.invocations()[-12:])
            raise AssertionError(
                f"RotateSecret refused: {exc}\nversions: {self.stages(secret_id)}\n"
                f"last invocations:\n{invocations}\nsandbox log:\n{self.sandbox.log_tail()}"
            ) from exc
        return self.sandbox.wait_for_rotation(secret_id)

    def clear_pending(self, secret_id: str) -> None:
        """What an operator does after a failed rotation they do not want reattempted.

        AWSPENDING off the unfinished version, so the next RotateSecret may start.
        """
        pending = self.version_with(secret_id, "AWSPENDING")
        if pending is not None and pending != self.version_with(secret_id, "AWSCURRENT"):
            self.client("secretsmanager").update_secret_version_stage(
                SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=pending
            )

    def until_next_window(self, secret_id: str) -> list[dict[str, Any]]:
        """Advance the sandbox clock to the secret's next rotation window; its rotations there."""
        description = self.client("secretsmanager").describe_secret(SecretId=secret_id)
        seconds = description["NextRotationDate"].timestamp() - self.sandbox.now()
        arn = description["ARN"]
        return [r for r in self.sandbox.advance_clock(seconds) if r["secret_arn"] == arn]

    def fail_once_then_reattempt(self, secret_id: str, function_name: str, step: str) -> str:
        """A rotation that fails at ``step`` in its window, and the service's reattempt at the next.

        "If the AWSPENDING staging label is present but not attached to the same version as
        AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation
        request is still in progress" (API_RotateSecret): the next window reattempts that
        version. Checks the reattempt finished the version the failure left (not a new one);
        returns the value that failure left in AWSPENDING.
        """
        self.sandbox.inject_fault(function_name, step, f"injected: {step} failed")
        before = self.value(secret_id)
        (failed,) = self.until_next_window(secret_id)
        assert (failed["outcome"], failed["step"]) == ("failed", step), failed
        left = self.value(secret_id, "AWSPENDING")
        (reattempt,) = self.until_next_window(secret_id)
        assert reattempt["outcome"] == "succeeded", reattempt.get("error")
        assert reattempt["token"] == failed["token"]
        assert self.value(secret_id) == left
        assert self.value(secret_id, "AWSPREVIOUS") == before
        return left

    def rotate_in_windows(self, secret_id: str, windows: int) -> Iterator[tuple[str, str]]:
        """The secret's next ``windows`` scheduled rotations, one at a time: after each, the
        values (AWSCURRENT before, AWSCURRENT after), the rotation checked as finished and the
        value before it in AWSPREVIOUS."""
        for window in range(windows):
            before = self.value(secret_id)
            (rotation,) = self.until_next_window(secret_id)
            assert rotation["outcome"] == "succeeded", (window, rotation.get("error"))
            assert self.value(secret_id, "AWSPREVIOUS") == before, window
            yield before, self.value(secret_id)

    def log_event_count(self, group: str) -> int:
        logs = self.client("logs")
        total = 0
        for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
            events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])
            total += len(events["events"])
        return total


E2E_DIR = Path(__file__).resolve().parent


def stack_from_tests(name: str, sandbox: Sandbox) -> Stack:
    """A root stack kept under tests/e2e/<name>, copied as an example would be.

    Stack copies <source>/modules, <source>/rotator and <source>/examples/<name>; a temporary
    source tree of links puts this directory where an example would be.
    """
    with tempfile.TemporaryDirectory(prefix=f"{name}-source-") as source:
        root = Path(source)
        (root / "examples").mkdir()
        (root / "modules").symlink_to(E2E_DIR.parents[1] / "modules")
        (root / "rotator").symlink_to(E2E_DIR.parents[1] / "rotator")
        (root / "examples" / name).symlink_to(E2E_DIR / name)
        return Stack(name, sandbox, source_root=root, reuse_providers=True)


def fresh_job(
    example: str,
    sandbox: Sandbox,
    state: Path,
    variables: dict[str, Any],
    commit: Callable[[Stack], None] | None = None,
) -> Stack:
    """A new copy of the repository with its own `terraform init`, sharing the state file.

    What one job of a CI pipeline has: a fresh checkout, and the state in a backend every job
    reaches (a local file outside the checkout stands in for the remote backend). ``commit``
    changes the copy before anything runs, as a later commit of the repository would.
    """
    job = Stack(example, sandbox, reuse_providers=True)
    if commit is not None:
        commit(job)
    (job.dir / "backend.tf").write_text(
        f'terraform {{\n  backend "local" {{\n    path = "{state}"\n  }}\n}}\n'
    )
    job.write_vars(variables)
    job.init()
    return job


def state_file(shared: Path) -> Path:
    """Where the jobs of apply_saved_plan keep their state (the remote backend's stand-in)."""
    return shared / "terraform.tfstate"


def apply_saved_plan(
    example: str,
    sandbox: Sandbox,
    shared: Path,
    variables: dict[str, Any],
    *,
    after_plan: Callable[[Stack], None] | None = None,
    commit: Callable[[Stack], None] | None = None,
) -> Stack:
    """Plan with `-out` in one fresh checkout, apply the plan file from another, as CI does.

    The plan job's checkout is deleted before the apply job starts (``after_plan`` sees it
    first): only the plan file and the state are left. Both checkouts are of one commit (see
    fresh_job). Returns the apply job's checkout (the caller cleans it up).
    """
    state, plan_file = state_file(shared), shared / f"{example}.tfplan"
    plan_job = fresh_job(example, sandbox, state, variables, commit)
    try:
        plan_job.terraform("plan", "-input=false", "-no-color", f"-out={plan_file}")
        if after_plan is not None:
            after_plan(plan_job)
    finally:
        plan_job.cleanup()
    apply_job = fresh_job(example, sandbox, state, variables, commit)
    try:
        apply_job.terraform("apply", "-input=false", "-no-color", str(plan_file))
    except BaseException:
        apply_job.cleanup()
        raise
    return apply_job
