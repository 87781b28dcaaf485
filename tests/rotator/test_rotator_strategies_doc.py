"""rotator/STRATEGIES.md's examples run: each strategy and its test, as a user writes them.

The two Python blocks of "Testing your strategy" are written to files and the test function of
the second one is called; the two of "An administrator's secret" (Redis ACL users) are written to
files and run by pytest, against a redis-server the page's own fixture starts. The testbed's
signature and calls as the page states them are compared with the class, and the module inputs
its Terraform blocks use with the module's variables, so the page cannot drift.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import rotator
from rotation_testing.testbed import StrategyTestbed

PAGE = Path(rotator.__file__).resolve().parent / "STRATEGIES.md"


def _section(heading: str) -> str:
    return PAGE.read_text().split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def _blocks_after(heading: str, language: str = "python") -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(heading), re.S)


def test_the_pages_strategy_and_its_test_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strategy, test = _blocks_after("Testing your strategy")
    (tmp_path / "vendor_x.py").write_text(strategy)
    (tmp_path / "test_vendor_x.py").write_text(test)
    # A fresh module name for this run (Python caches imports by name).
    monkeypatch.delitem(__import__("sys").modules, "vendor_x", raising=False)
    spec = importlib.util.spec_from_file_location(
        "doc_test_vendor_x", tmp_path / "test_vendor_x.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    module.test_rotation_publishes_the_new_key()


def test_the_page_states_the_protocol_version_the_loader_checks() -> None:
    from rotator.strategies.base import PROTOCOL_VERSION  # noqa: PLC0415

    assert f"**Strategy protocol, version {PROTOCOL_VERSION}.**" in PAGE.read_text()


def test_the_administrator_example_rotates_a_redis_acl_user(tmp_path: Path) -> None:
    """The page's Redis strategy and its test, run by pytest as the user would run them."""
    strategy, test = _blocks_after("An administrator's secret (`masterarn`)")
    (tmp_path / "redis_acl.py").write_text(strategy)
    (tmp_path / "test_redis_acl.py").write_text(test)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_redis_acl.py"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


def _render(parameter: inspect.Parameter) -> str:
    if parameter.default is inspect.Parameter.empty:
        return parameter.name
    if isinstance(parameter.default, str):
        return f'{parameter.name}="{parameter.default}"'
    return f"{parameter.name}={parameter.default!r}"


def test_the_testbeds_signature_and_calls_are_the_classs() -> None:
    parameters = list(inspect.signature(StrategyTestbed).parameters.values())
    rendered = []
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in rendered:
            rendered.append("*")
        rendered.append(_render(parameter))
    stated = f"`StrategyTestbed({', '.join(rendered)})`"
    assert stated in _section("Testing your strategy"), stated
    calls = re.findall(r"^\| `([a-z_]+)[(`]", _section("Testing your strategy"), re.M)
    calls += re.findall(r", `([a-z_]+)[(`]", _section("Testing your strategy"))
    assert {"create_secret", "rotate", "retry", "logs", "assert_no_secret_logged"} <= set(calls)
    for name in calls:
        assert hasattr(StrategyTestbed, name), f"the page names StrategyTestbed.{name}"


def test_the_pages_terraform_blocks_use_inputs_the_modules_have() -> None:
    repo = PAGE.parents[1]
    for block in re.findall(r"```hcl\n(.*?)```", PAGE.read_text(), re.S):
        module = re.search(r"//modules/([a-z-]+)", block)
        assert module is not None, block
        variables = (repo / "modules" / module.group(1) / "variables.tf").read_text()
        declared = set(re.findall(r'^variable "([a-z_]+)"', variables, re.M))
        used = set(re.findall(r"^  ([a-z_]+)\s*=", block, re.M)) - {"source"}
        assert used <= declared, used - declared
