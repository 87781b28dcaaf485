"""``make demo``: rotate a real secret on a local AWS sandbox, with no AWS account.

Starts the sandbox, applies ``examples/api-key`` unchanged (the rotation apply starts runs the zip
Terraform built, after apply answers, as on AWS: the demo waits for it), rotates once more, prints
the secret's versions before and after (each value only as a fingerprint), shows that
``terraform plan`` finds nothing to change, runs ``rotation-doctor`` on the secret (every check
passes), destroys, stops. One line per phase with its duration;
the first failure ends the demo with a message and exit status 1.

``main(out=..., checkpoint=...)`` is how the end-to-end tests run this same code: they read what
it prints, and a checkpoint lets them work on the applied stack before the demo destroys it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

import boto3

from sandbox.server import Sandbox, SandboxError
from terraform_offline.stack import Stack, StackError

EXAMPLE = "api-key"
ROTATION_TIMEOUT_S = 120.0
DOCTOR_TIMEOUT_S = 120.0

# Called with "applied" (after the plan, before destroy) and "destroyed" (before the sandbox
# stops), the sandbox and the stack.
Checkpoint = Callable[[str, Sandbox, Stack], None]


class DemoError(RuntimeError):
    """A phase of the demo failed; the message says which and why."""


class Console:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        print(f"  {title:<44}", end="", file=self.out, flush=True)
        started = time.monotonic()
        try:
            yield
        except Exception:
            print(f"FAILED after {time.monotonic() - started:.1f} s", file=self.out, flush=True)
            raise
        print(f"ok  {time.monotonic() - started:5.1f} s", file=self.out, flush=True)


def fingerprint(value: str) -> str:
    """First 8 hex digits of the value's SHA-256: tells versions apart, reveals nothing."""
    return hashlib.sha256(value.encode()).hexdigest()[:8]


def versions_table(client: Any, secret_arn: str) -> list[tuple[str, str, str, str]]:
    """(version id, labels, created, fingerprint) for every version, oldest first."""
    stages = client.describe_secret(SecretId=secret_arn)["VersionIdsToStages"]
    rows = []
    for version_id, labels in stages.items():
        response = client.get_secret_value(SecretId=secret_arn, VersionId=version_id)
        created: datetime = response["CreatedDate"]
        rows.append(
            (
                version_id,
                ", ".join(sorted(labels)) or "-",
                created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                fingerprint(response["SecretString"]),
            )
        )
    return sorted(rows, key=lambda row: row[2])


def print_table(console: Console, title: str, rows: list[tuple[str, str, str, str]]) -> None:
    header = ("version id", "labels", "created (UTC)", "sha256[:8]")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    console.say(f"\n  {title}")
    for row in [header, *rows]:
        cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        console.say(("    " + "  ".join(cells)).rstrip())


def wait_for_rotation(sandbox: Sandbox, secret_arn: str) -> None:
    """RotateSecret answers before the rotation runs (as on AWS); wait for it, fail if it failed."""
    rotation = sandbox.wait_for_rotation(secret_arn, timeout=ROTATION_TIMEOUT_S)
    if rotation["outcome"] != "succeeded":
        raise DemoError(
            f"the rotation of {secret_arn} failed at step {rotation.get('step')}: "
            f"{rotation.get('error')}"
        )


def secrets_client(sandbox: Sandbox, secret_arn: str) -> Any:
    region = secret_arn.split(":")[3]
    env = sandbox.aws_env()
    return boto3.client(
        "secretsmanager",
        endpoint_url=sandbox.endpoint,
        region_name=region,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def run_doctor(sandbox: Sandbox, secret_arn: str) -> str:
    """``rotation-doctor ARN`` (the installed command's module) against the sandbox: its table.

    A separate process, as an operator runs it; it reads the account, never a secret's value.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(sandbox.aws_env())
    env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    result = subprocess.run(
        [sys.executable, "-m", "rotation_doctor", "--region", secret_arn.split(":")[3], secret_arn],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=DOCTOR_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise DemoError(
            f"rotation-doctor found a problem (exit {result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout


def run(console: Console, sandbox: Sandbox, checkpoint: Checkpoint | None = None) -> None:
    phase, say = console.phase, console.say
    with phase("copy examples/api-key to a temp directory"):
        stack = Stack(EXAMPLE, sandbox)
    try:
        with phase("terraform init (offline provider mirrors)"):
            stack.init()
        with phase("terraform apply (starts the first rotation)"):
            stack.apply()
        outputs = stack.outputs()
        secret_arn = str(outputs["secret_arn"])
        with phase("wait for the first rotation"):
            wait_for_rotation(sandbox, secret_arn)
        client = secrets_client(sandbox, secret_arn)
        before = versions_table(client, secret_arn)
        with phase("rotate once more (RotateSecret, then wait)"):
            client.rotate_secret(SecretId=secret_arn)
            wait_for_rotation(sandbox, secret_arn)
        after = versions_table(client, secret_arn)
        say(f"\n  Secret {outputs['secret_name']}, rotated by {outputs['rotation_function_name']}")
        print_table(console, "Versions after apply:", before)
        print_table(console, "Versions after one more rotation:", after)
        say("  (values shown only as the first 8 hex digits of their SHA-256)\n")
        with phase("terraform plan -detailed-exitcode"):
            code, text = stack.plan_exit_code()
            if code != 0:
                raise DemoError(f"terraform plan wants changes after rotation:\n{text}")
        say("  (no changes: Terraform does not revert the rotated value, and nothing drifts)\n")
        with phase("rotation-doctor on the secret"):
            report = run_doctor(sandbox, secret_arn)
        say("\n".join(f"    {line}".rstrip() for line in report.splitlines()) + "\n")
        if checkpoint is not None:
            checkpoint("applied", sandbox, stack)
        with phase("terraform destroy"):
            stack.destroy()
        if checkpoint is not None:
            checkpoint("destroyed", sandbox, stack)
    finally:
        stack.cleanup()


def main(out: TextIO | None = None, checkpoint: Checkpoint | None = None) -> int:
    console = Console(out or sys.stdout)
    say, phase = console.say, console.phase
    say(f"Local AWS sandbox demo: examples/{EXAMPLE}, rotated for real, no AWS account.\n")
    if shutil.which("terraform") is None:
        say(
            "demo failed: terraform is not on PATH; install Terraform >= 1.11 (docs/development.md)"
        )
        return 1
    started = time.monotonic()
    sandbox = Sandbox()
    try:
        with phase("start the sandbox (moto + Lambda runner)"):
            sandbox.start()
        say(f"  (sandbox pid {sandbox.pid})")
        run(console, sandbox, checkpoint)
    except (DemoError, StackError, SandboxError) as error:
        say(f"\ndemo failed: {error}")
        if isinstance(error, SandboxError) or not sandbox.running:
            say(f"sandbox log (end):\n{sandbox.log_tail()}")
        return 1
    except Exception as error:  # noqa: BLE001  any other failure: one clear line, not a traceback
        say(f"\ndemo failed: {type(error).__name__}: {error}")
        return 1
    except KeyboardInterrupt:
        say("\ndemo interrupted")
        return 130
    finally:
        with phase("stop the sandbox"):
            sandbox.stop()
    say(f"\nDone in {time.monotonic() - started:.0f} s. Real AWS: `make apply EXAMPLE={EXAMPLE}`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
