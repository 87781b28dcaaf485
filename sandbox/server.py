"""Start and stop the sandbox process; talk to its control endpoints.

    with Sandbox() as sandbox:
        env = sandbox.aws_env()          # AWS_ENDPOINT_URL, dummy keys, region
        sandbox.inject_fault("fn", "testSecret", "boom")

The sandbox runs in a child process (moto's server is global state; a process of its own keeps it
away from the caller and makes it easy to stop). The child exits when this process closes its
stdin, which also happens when this process dies, so no sandbox outlives its owner.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sandbox.notices import PREFIX as NOTICE_PREFIX

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# moto accepts any credentials from callers it does not authorize; these make that explicit.
ACCESS_KEY_ID = "sandbox"
SECRET_ACCESS_KEY = "sandbox"  # noqa: S105  not a secret: the sandbox ignores it
START_TIMEOUT_S = 60.0
# Forty days of rate(4 hours) is about 240 rotations; give a slow shared machine room.
ADVANCE_TIMEOUT_S = 1800.0
REPO_ROOT = Path(__file__).resolve().parent.parent
# What werkzeug logs before the traceback of a request it answered with a 500.
REQUEST_ERROR_MARKER = "Error on request:"


class SandboxError(RuntimeError):
    """The sandbox could not start, or answered a control request with an error."""


class Sandbox:
    def __init__(self, *, log_path: Path | None = None) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self.log_path = log_path
        self.endpoint = ""
        self.pid = 0

    def start(self) -> str:
        """Start the sandbox process; return its endpoint URL once it answers."""
        if self._process is not None:
            return self.endpoint
        if self.log_path is None:
            handle, name = tempfile.mkstemp(prefix="sandbox-", suffix=".log")
            os.close(handle)
            self.log_path = Path(name)
        self._log_file = self.log_path.open("ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.app"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            env=env,
            cwd=REPO_ROOT,
            start_new_session=True,  # Ctrl-C reaches us; we stop the sandbox in order
        )
        atexit.register(self.stop)
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], START_TIMEOUT_S)
        line = self._process.stdout.readline() if ready else b""
        if not line:
            self.stop()
            raise SandboxError(f"the sandbox did not start; its log:\n{self.log_tail()}")
        announced = json.loads(line)
        self.endpoint = str(announced["endpoint"])
        self.pid = int(announced["pid"])
        return self.endpoint

    def stop(self) -> None:
        """Stop the sandbox and wait for it; its state is gone afterwards."""
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def aws_env(self) -> dict[str, str]:
        """Environment variables that point the AWS SDKs, CLI and Terraform at the sandbox."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }

    def request_errors(self, limit: int = 3, lines_each: int = 8) -> list[str]:
        """The ends of the last tracebacks the sandbox logged while answering a request.

        A client retries a 500 and may then fail on something else (a resent create is refused as
        a duplicate), so the sandbox's own error is what explains the failure.
        """
        if self.log_path is None or not self.log_path.exists():
            return []
        blocks = self.log_path.read_text(errors="replace").split(REQUEST_ERROR_MARKER)[1:]
        errors = []
        for block in blocks[-limit:]:
            # Without the caret lines that only underline the line above.
            kept = [line for line in block.strip().splitlines() if line.strip(" ^~")]
            errors.append("\n".join(kept[-lines_each:]))
        return errors

    def notices(self, limit: int = 8) -> list[str]:
        """The last notices the sandbox logged (sandbox.notices): resent calls, dropped answers."""
        if self.log_path is None or not self.log_path.exists():
            return []
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if line.startswith(NOTICE_PREFIX)][-limit:]

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    # --- control endpoints ----------------------------------------------------------------------

    def _control(self, method: str, name: str, document: Any = None, *, timeout: float = 30) -> Any:
        if not self.endpoint:
            raise SandboxError("the sandbox is not running")
        data = json.dumps(document).encode() if document is not None else None
        request = urllib.request.Request(  # noqa: S310  our own loopback endpoint
            f"{self.endpoint}/_sandbox/{name}", data=data, method=method
        )
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise SandboxError(f"{method} /_sandbox/{name}: {error.code} {detail}") from error

    # --- time and rotations ---------------------------------------------------------------------

    def now(self) -> float:
        """The sandbox clock in epoch seconds: where Secrets Manager's dates come from."""
        return float(self._control("GET", "clock")["now"])

    def advance_clock(self, seconds: float) -> list[dict[str, Any]]:
        """Move the sandbox clock ``seconds`` ahead and run the rotation windows on the way.

        Window by window in time order: the clock is set to the window's start, the rotation
        starts as RotateSecret would start it, and the next window waits until it has finished.
        Returns one dict per rotation: ``secret_arn``, ``token``, ``started_at`` (sandbox
        clock), ``outcome`` ("succeeded" or "failed") and, for a failure, ``step`` and ``error``.
        """
        answer = self._control(
            "POST", "clock", {"advance_seconds": seconds}, timeout=ADVANCE_TIMEOUT_S
        )
        return list(answer["rotations"])

    def wait_for_rotation(self, secret_id: str, timeout: float = 60) -> dict[str, Any]:
        """The most recent rotation of the secret (ARN or name), once it has finished.

        The same dict as ``advance_clock`` returns; raises SandboxError if the secret never
        rotated, or if the rotation still runs after ``timeout`` seconds.
        """
        found = self._control(
            "POST",
            "rotations/wait",
            {"secret_id": secret_id, "timeout": timeout},
            timeout=timeout + 30,
        )
        if found["outcome"] == "running":
            raise SandboxError(f"the rotation of {secret_id} still runs after {timeout} s")
        return dict(found)

    def inject_fault(
        self, function_name: str, step: str, message: str, *, times: int | None = 1
    ) -> None:
        """Make the next ``times`` invocations of ``function_name`` for ``step`` fail."""
        self._control(
            "POST",
            "faults",
            {"function_name": function_name, "step": step, "message": message, "times": times},
        )

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def invocations(self) -> list[dict[str, Any]]:
        """Every Lambda invocation so far: function, step, outcome, duration."""
        return list(self._control("GET", "invocations"))

    def peak_rss_kb(self) -> int:
        """Peak resident memory of the sandbox process (not counting function processes)."""
        return int(self._control("GET", "stats")["peak_rss_kb"])

    def environments_rss_kb(self) -> int:
        """Resident memory of the function environments (Lambda runner processes), now."""
        return int(self._control("GET", "stats")["environments_rss_kb"])

    def wait_healthy(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._control("GET", "health")
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
            else:
                return
