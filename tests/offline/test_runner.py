"""The one Terraform runner: failure messages, the caller's report, and env changes after setup."""

from __future__ import annotations

from pathlib import Path

import pytest

from terraform_offline.runner import Terraform, TerraformError, var_args
from terraform_offline.stack import Stack


class _FakeAws:
    def aws_env(self) -> dict[str, str]:
        return {"AWS_REGION": "us-east-1"}

    def request_errors(self) -> list[str]:
        return ["500 on CreateRole"]

    def notices(self) -> list[str]:
        return ["sandbox: resend of CreateRole"]


def test_a_failed_command_carries_its_output_and_the_callers_report(tmp_path: Path) -> None:
    runner = Terraform({"PATH": "/usr/bin:/bin"}, binary="false", report=lambda: ["the report"])
    with pytest.raises(TerraformError) as failure:
        runner.run(tmp_path, "plan")
    assert "`terraform plan`" in str(failure.value)
    assert str(failure.value).endswith("the report")


def test_ok_codes_none_returns_any_exit_code(tmp_path: Path) -> None:
    assert Terraform({}, binary="false").run(tmp_path, "x", ok_codes=None).returncode == 1


def test_booleans_are_refused_as_command_line_variables() -> None:
    with pytest.raises(TypeError, match="tfvars file"):
        var_args((), {"flag": True})
    assert var_args((), {"m": {"a": 1}, "n": 2}) == ["-var", 'm={"a": 1}', "-var", "n=2"]


def test_a_stack_sees_variables_its_caller_sets_after_construction() -> None:
    stack = Stack("api-key", _FakeAws())
    try:
        stack.env["TF_VAR_db_password"] = "set late"
        assert stack.runner.env["TF_VAR_db_password"] == "set late"
        with pytest.raises(TerraformError) as failure:
            stack.runner.run(stack.dir, "not-a-command")
        assert "The sandbox failed a request:" in str(failure.value)
        assert "sandbox: resend of CreateRole" in str(failure.value)
    finally:
        stack.cleanup()
