"""The sandbox process never outlives its owner; `python -m sandbox` prints usable exports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest

from sandbox.server import REPO_ROOT, Sandbox

OWNER = """
import sys, time
from sandbox.server import Sandbox
sandbox = Sandbox()
sandbox.start()
print(sandbox.pid, flush=True)
time.sleep(600)
"""


def gone(pid: int, within_s: float = 20.0) -> bool:
    """Whether the process exits (or is only a zombie) before the deadline."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        status = Path(f"/proc/{pid}/status")
        try:
            state = next(
                line for line in status.read_text().splitlines() if line.startswith("State:")
            )
        except (FileNotFoundError, ProcessLookupError):
            return True
        if "Z" in state.split()[1]:
            return True
        time.sleep(0.1)
    return False


def test_sandbox_exits_when_its_owner_is_killed() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER], stdout=subprocess.PIPE, cwd=REPO_ROOT, text=True
    )
    assert owner.stdout is not None
    sandbox_pid = int(owner.stdout.readline())
    owner.kill()  # SIGKILL: no atexit, no cleanup code runs in the owner
    owner.wait()
    assert gone(sandbox_pid)


def test_make_sandbox_prints_exports_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO_ROOT,
        text=True,
    )
    try:
        _check_exports_and_ctrl_c(process)
    finally:
        if process.poll() is None:  # a failed check must not leave a sandbox running
            process.kill()
            process.wait()


def _check_exports_and_ctrl_c(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    exports: dict[str, str] = {}
    pid = 0
    for line in process.stdout:
        if line.startswith("# Sandbox running at"):
            pid = int(line.split("(pid ")[1].split(")")[0])
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = value
        if "AWS_REGION" in exports:
            break
    assert set(exports) >= {
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    }
    client = boto3.client(
        "secretsmanager",
        endpoint_url=exports["AWS_ENDPOINT_URL"],
        region_name=exports["AWS_REGION"],
        aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
    )
    assert client.list_secrets()["SecretList"] == []
    os.kill(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert gone(pid)


def test_a_request_the_sandbox_fails_is_reported_with_its_error(tmp_path: Path) -> None:
    """A Terraform failure after a 500 names the sandbox's own error."""
    with Sandbox(log_path=tmp_path / "sandbox.log") as sandbox:
        # DescribeSecret without a SecretId: moto fails inside its model (500), as it did for
        # requests that met another inside it (tests/sandbox/test_sandbox_concurrency.py).
        request = urllib.request.Request(  # noqa: S310  the sandbox's own URL
            sandbox.endpoint + "/",
            data=b"{}",
            headers={
                "X-Amz-Target": "secretsmanager.DescribeSecret",
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": "AWS4-HMAC-SHA256 Credential=sandbox/20260101/us-east-1/"
                "secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
            },
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310  the sandbox's own URL
        assert failed.value.code == 500
        deadline = time.monotonic() + 10  # werkzeug logs the error after answering
        while not sandbox.request_errors() and time.monotonic() < deadline:
            time.sleep(0.05)
        (error,) = sandbox.request_errors()
    assert error.splitlines()[-1].startswith("TypeError: expected string")
    assert "moto/secretsmanager/models.py" in error
    assert "^" not in error
