"""rotation-doctor on the sandbox: examples/many-secrets applied once for the whole suite.

Each break test breaks one condition on that stack, runs the doctor, and restores the condition
(in ``finally``), so one apply serves every test (an apply costs about 30 s here).
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.server import Sandbox
from terraform_offline.stack import Stack

REGION = "eu-west-1"  # examples/many-secrets' default


class DoctorStack:
    """The applied stack, boto3 clients on the sandbox, and the doctor run against it."""

    def __init__(self, stack: Stack, sandbox: Sandbox) -> None:
        self.stack = stack
        self.sandbox = sandbox
        self.outputs = stack.outputs()
        self.secret_arns: dict[str, str] = self.outputs["secret_arns"]
        self.function_name: str = self.outputs["rotation_function_name"]
        self.role_name: str = self.outputs["rotation_role_arn"].rsplit("/", 1)[-1]

    def client(self, service: str) -> Any:
        import boto3  # noqa: PLC0415

        env = self.sandbox.aws_env()
        return boto3.client(
            service,
            endpoint_url=self.sandbox.endpoint,
            region_name=REGION,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    def doctor(self, *args: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
        """``rotation-doctor --region eu-west-1 ARGS`` on the sandbox: (exit status, stdout)."""
        from rotation_doctor.cli import main  # noqa: PLC0415

        for key, value in self.sandbox.aws_env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        out, err = io.StringIO(), io.StringIO()
        code = main(["--region", REGION, *args], out=out, err=err)
        assert code != 2, err.getvalue()
        return code, out.getvalue()

    def report(self, key: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
        """The doctor's JSON report of one secret of the stack (by its key in secret_arns)."""
        code, text = self.doctor("--json", self.secret_arns[key], monkeypatch=monkeypatch)
        (secret,) = json.loads(text)["secrets"]
        return code, secret


@pytest.fixture(scope="session")
def doctor_stack() -> Iterator[DoctorStack]:
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not on PATH; the doctor's sandbox tests need it (see README)")
    with Sandbox() as sandbox:
        stack = Stack("many-secrets", sandbox, reuse_providers=True)
        try:
            stack.init()
            stack.apply()
            applied = DoctorStack(stack, sandbox)
            for arn in applied.secret_arns.values():
                rotation = sandbox.wait_for_rotation(arn)
                assert rotation["outcome"] == "succeeded", rotation
            yield applied
        finally:
            stack.cleanup()
