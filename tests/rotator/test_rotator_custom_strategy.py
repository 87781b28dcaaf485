"""Custom strategies: the loader's checks, CUSTOM_STRATEGY, and rotation_testing's testbed.

Each test writes its strategy module into a temporary directory under a name of its own (Python
caches imported modules by name), as a user's repository would hold it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from rotation_testing.testbed import StrategyTestbed
from rotator import strategies
from rotator.config import Config
from rotator.errors import ConfigurationError, CustomStrategyError, UnexpectedStepError
from rotator.strategies import custom

REPO_ROOT = Path(__file__).resolve().parents[2]

# A strategy that works: a new "token" each rotation; set and test record what they saw.
WORKING = """
import json

CALLS = []


class Rotating:
    protocol_version = 1

    def __init__(self):
        CALLS.append("init")

    def create_pending_value(self, ctx, current):
        value = json.loads(current.value)
        return json.dumps({**value, "token": ctx.new_password()})

    def set_secret(self, ctx):
        CALLS.append(("set", json.loads(ctx.pending().value)["token"]))

    def test_secret(self, ctx):
        CALLS.append(("test", json.loads(ctx.pending().value)["token"]))
"""


def write_module(directory: Path, source: str, name: str | None = None) -> str:
    """Write ``source`` as a module with a fresh name in ``directory``; return the name."""
    name = name or f"strategy_{uuid.uuid4().hex[:8]}"
    (directory / f"{name}.py").write_text(textwrap.dedent(source))
    return name


def refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, cls: str = "S") -> str:
    module = write_module(tmp_path, source)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CustomStrategyError) as raised:
        custom.load_custom(f"{module}:{cls}")
    return str(raised.value)


# ---- the testbed runs a strategy through the real handler and loader ----------------------------


def test_a_custom_strategy_rotates_through_the_four_steps(tmp_path: Path) -> None:
    module = write_module(tmp_path, WORKING)
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"id": "k0", "token": "first"}))

        token = bed.rotate(arn)

        current = json.loads(bed.value(arn))
        assert current["id"] == "k0"
        assert current["token"] != "first"
        assert json.loads(bed.value(arn, "AWSPREVIOUS"))["token"] == "first"
        assert bed.stages(arn)[token] == ["AWSCURRENT"]
        calls = sys.modules[module].CALLS
        # One instance per container; set and test saw the value createSecret stored.
        assert calls == ["init", ("set", current["token"]), ("test", current["token"])]
        assert [e["Step"] for e in bed.events] == [
            "createSecret",
            "setSecret",
            "testSecret",
            "finishSecret",
        ]
    assert str(tmp_path) not in sys.path, "the testbed takes source_dir off sys.path again"


def test_steps_run_one_by_one_and_a_new_container_creates_the_strategy_again(
    tmp_path: Path,
) -> None:
    module = write_module(tmp_path, WORKING)
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"token": "first"}))
        token = bed.stage(arn)
        bed.run_step("createSecret", arn, token)
        bed.new_container()
        bed.run_step("setSecret", arn, token)
        bed.run_step("testSecret", arn, token)
        bed.run_step("finishSecret", arn, token)

        # Steps run by hand: the service's own clean-up of AWSPENDING never runs.
        assert "AWSCURRENT" in bed.stages(arn)[token]
        assert sys.modules[module].CALLS.count("init") == 2


def test_an_unexpected_exception_fails_the_step_and_the_testbed_shows_its_cause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = write_module(
        tmp_path,
        WORKING.replace(
            'CALLS.append(("set"', 'raise KeyError("hunter2-sentinel")\n        CALLS.append(("set"'
        ),
    )
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"token": "first"}))

        with pytest.raises(UnexpectedStepError) as raised:
            bed.rotate(arn)

        assert isinstance(raised.value.__cause__, KeyError), "the user's traceback is kept"
        assert json.loads(bed.value(arn))["token"] == "first", "AWSCURRENT untouched"
    # The function's own output names the type only, as in Lambda.
    output = capsys.readouterr()
    assert "KeyError" in output.out
    assert "hunter2-sentinel" not in output.out + output.err


def test_a_class_the_loader_refuses_fails_create_secret_with_what_to_change(
    tmp_path: Path,
) -> None:
    module = write_module(tmp_path, WORKING.replace("protocol_version = 1", "pass"))
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", "plain")

        with pytest.raises(CustomStrategyError) as raised:
            bed.rotate(arn)

        assert str(raised.value).startswith(f"createSecret of secret {arn}: ")
        assert "Add `protocol_version = 1` to the class" in str(raised.value)
        assert bed.value(arn) == "plain"


# ---- the loader's checks -----------------------------------------------------------------------


def test_the_packaged_directory_goes_last_on_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the function the module's files are under custom_strategy/ beside rotator/."""
    module = write_module(tmp_path, WORKING)
    monkeypatch.setattr(custom, "PACKAGED_DIR", tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))

    loaded = custom.load_custom(f"{module}:Rotating")
    custom.load_custom(f"{module}:Rotating")  # a warm container loads again: no second entry

    assert type(loaded).__name__ == "Rotating"
    assert sys.path[-1] == str(tmp_path), "last: it can never shadow the runtime's modules"
    assert sys.path.count(str(tmp_path)) == 1


def test_without_a_packaged_directory_sys_path_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built-in strategies only: the function's zip has no custom_strategy/ directory."""
    module = write_module(tmp_path, WORKING)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(custom, "PACKAGED_DIR", tmp_path / "custom_strategy")
    before = list(sys.path)

    custom.load_custom(f"{module}:Rotating")

    assert sys.path == before


def test_a_module_in_a_package_is_named_by_its_path_under_the_source_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = f"vendor_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    write_module(tmp_path / package, WORKING, name="keys")
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(CustomStrategyError) as raised:
        custom.load_custom(f"{package}.keys:Rotatng")

    assert f"module {package}.keys ({package}/keys.py) has no Rotatng" in str(raised.value)


def test_a_namespace_package_is_named_as_having_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory without __init__.py imports as a namespace package, which has no file."""
    package = f"vendor_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(CustomStrategyError) as raised:
        custom.load_custom(f"{package}:Key")

    assert f"module {package} (no file) has no Key" in str(raised.value)


def test_a_module_not_in_source_dir_is_named_with_the_file_to_add() -> None:
    with pytest.raises(CustomStrategyError) as raised:
        custom.load_custom("no_such_vendor.keys:Key")
    assert "module no_such_vendor.keys was not found" in str(raised.value)
    assert "custom_strategy.source_dir must hold no_such_vendor/keys.py" in str(raised.value)


def test_a_missing_dependency_is_named_apart_from_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = refusal(tmp_path, monkeypatch, "import requests_not_installed_here\nclass S: pass")
    assert "imports requests_not_installed_here, which the function does not have" in message
    assert message.endswith(
        ". The Lambda Python runtime has the standard library and boto3 only: copy pure-Python "
        "dependencies into custom_strategy.source_dir (pip install --target <source_dir> "
        "<package>), or build a layer holding them under python/ and list its ARN in the layers "
        "input of modules/rotation-function or modules/secret-rotation"
    )
    # The input the message names exists on both modules.
    for module in ("rotation-function", "secret-rotation"):
        variables = (REPO_ROOT / "modules" / module / "variables.tf").read_text()
        assert 'variable "layers"' in variables, module


def test_a_syntax_error_names_the_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = refusal(tmp_path, monkeypatch, "x = 1\ndef broken(:\n")
    assert re.search(r"module (strategy_\w+) does not compile: \1\.py, line 2\. ", message)
    assert message.endswith(
        ". Fix the syntax error; the module must run on the function's Python runtime"
    )


def test_an_import_time_error_names_its_type_never_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = refusal(tmp_path, monkeypatch, "raise RuntimeError('password=hunter2-sentinel')")
    assert "raised RuntimeError" in message
    assert "hunter2" not in message
    assert message.endswith(
        ". Fix the module's import-time code (import it in a test with rotation_testing to see "
        "the traceback)"
    )


def test_a_missing_class_is_named_with_its_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = refusal(tmp_path, monkeypatch, WORKING, cls="Rotatng")
    # The file, relative to the sys.path entry it was found under.
    assert re.search(r"module (strategy_\w+) \(\1\.py\) has no Rotatng", message), message
    assert message.endswith(
        ". Set custom_strategy.class to the name of the strategy class in that module"
    )


def test_something_other_than_a_class_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = refusal(tmp_path, monkeypatch, "def S(): pass")
    assert re.search(r"S in module (strategy_\w+) \(\1\.py\) is a function, not a class", message)
    assert message.endswith(
        ". Name a class that implements the strategy protocol (rotator/STRATEGIES.md)"
    )


@pytest.mark.parametrize(
    ("declaration", "expected", "remedy"),
    [
        ("pass", "declares no protocol_version", "Add `protocol_version = 1` to the class"),
        (
            "protocol_version = 2",
            "declares protocol_version 2; this rotator supports 1",
            "Deploy a rotator that supports that version, or port the strategy to a supported one",
        ),
        (
            "protocol_version = True",
            "declares protocol_version True, not a whole number",
            "Set protocol_version to a whole number this rotator supports: 1",
        ),
        ("protocol_version = '1'", "declares protocol_version '1', not a whole number", ": 1"),
    ],
)
def test_an_unsupported_protocol_version_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, declaration: str, expected: str, remedy: str
) -> None:
    source = WORKING.replace("class Rotating:", "class S:").replace(
        "protocol_version = 1", declaration
    )
    message = refusal(tmp_path, monkeypatch, source)
    assert re.search(r"S in module (strategy_\w+) \(\1\.py\) " + re.escape(expected), message)
    assert remedy in message


def test_a_strategy_inherits_no_protocol_version_from_the_base_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subclass of Strategy written for version 1 must not claim a later one by inheriting."""
    source = WORKING.replace(
        "class Rotating:", "from rotator.strategies.base import Strategy\n\n\nclass S(Strategy):"
    ).replace("    protocol_version = 1\n", "")
    assert "declares no protocol_version" in refusal(tmp_path, monkeypatch, source)


def test_missing_and_abstract_methods_are_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
    from rotator.strategies.base import Strategy

    class S(Strategy):
        protocol_version = 1

        def create_pending_value(self, ctx, current):
            return "x"
    """
    message = refusal(tmp_path, monkeypatch, source)
    assert re.search(
        r"S in module strategy_\w+ \(.*\) does not implement set_secret, test_", message
    )
    assert message.endswith(
        ". Implement create_pending_value(ctx, current), set_secret(ctx) and test_secret(ctx) "
        "(rotator/STRATEGIES.md)"
    )


def test_a_class_without_a_step_method_at_all_is_refused_listing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = WORKING.replace("class Rotating:", "class S:").replace(
        "    def test_secret(self, ctx):", "    def not_a_step(self, ctx):"
    )
    assert "does not implement test_secret" in refusal(tmp_path, monkeypatch, source)


def test_a_class_needing_constructor_arguments_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = WORKING.replace("class Rotating:", "class S:").replace(
        "def __init__(self):", "def __init__(self, url):"
    )
    message = refusal(tmp_path, monkeypatch, source)
    assert re.search(
        r"creating S in module strategy_\w+ \(.*\) with no arguments raised Type", message
    )
    assert message.endswith(
        ". The rotator creates the strategy once per container with no arguments: give every "
        "__init__ parameter a default, and read configuration in the steps"
    )
    assert "give every __init__ parameter a default" in message


def test_a_module_inside_the_rotator_package_is_refused() -> None:
    with pytest.raises(CustomStrategyError, match="names a module inside the rotator package"):
        custom.load_custom("rotator.strategies.generic:GenericStrategy")
    with pytest.raises(CustomStrategyError) as raised:
        custom.load_custom("rotator:Anything")
    assert str(raised.value).endswith(
        ". Select a built-in strategy with rotation_strategy instead, or rename the module"
    )


# ---- the configuration --------------------------------------------------------------------------


def test_custom_needs_custom_strategy() -> None:
    with pytest.raises(ConfigurationError, match="Set CUSTOM_STRATEGY to module:Class"):
        Config.from_env({"ROTATION_STRATEGY": "custom"})


def test_custom_strategy_without_custom_is_refused_rather_than_ignored() -> None:
    with pytest.raises(ConfigurationError, match="Set ROTATION_STRATEGY to custom"):
        Config.from_env({"CUSTOM_STRATEGY": "vendor_x:Key"})


@pytest.mark.parametrize("spec", ["vendor_x", "vendor-x:Key", "vendor_x:Key:More", ":Key", "a.:K"])
def test_custom_strategy_must_read_module_colon_class(spec: str) -> None:
    with pytest.raises(ConfigurationError, match="Set CUSTOM_STRATEGY to module:Class"):
        Config.from_env({"ROTATION_STRATEGY": "custom", "CUSTOM_STRATEGY": spec})


def test_custom_strategy_is_read_with_custom() -> None:
    config = Config.from_env({"ROTATION_STRATEGY": "custom", "CUSTOM_STRATEGY": "acme.keys:Key"})
    assert (config.strategy, config.custom_strategy) == ("custom", "acme.keys:Key")


def test_load_without_a_class_for_custom_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="CUSTOM_STRATEGY is not set") as raised:
        strategies.load("custom")
    assert str(raised.value).endswith(
        ". Set CUSTOM_STRATEGY to module:Class (modules/rotation-function does it from "
        "custom_strategy.class)"
    )


def test_a_strategy_sees_which_step_it_runs_in(tmp_path: Path) -> None:
    source = WORKING.replace(
        'CALLS.append(("set", json.loads(ctx.pending().value)["token"]))',
        'CALLS.append(("set", ctx.step))',
    ).replace(
        'CALLS.append(("test", json.loads(ctx.pending().value)["token"]))',
        'CALLS.append(("test", ctx.step))',
    )
    module = write_module(tmp_path, source)
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        bed.rotate(bed.create_secret("vendor/steps", json.dumps({"token": "t"})))

    assert sys.modules[module].CALLS == ["init", ("set", "setSecret"), ("test", "testSecret")]


# ---- issue 25: retry, testSecret alone, logs, the strategy's own frame --------------------------

# Fails setSecret while the flag file exists: a failure the test can lift before the retry.
FLAKY = """
import json
import logging
import os

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


class Flaky:
    protocol_version = 1

    def create_pending_value(self, ctx, current):
        return json.dumps({**json.loads(current.value), "token": ctx.new_password()})

    def set_secret(self, ctx):
        if os.path.exists(os.environ["FLAKY_FLAG"]):
            raise ConnectionError("vendor unreachable")
        logger.info("registered the new token at the vendor")

    def test_secret(self, ctx):
        json.loads(ctx.pending().value)["token"]
"""


def test_a_failed_rotation_is_retried_with_the_same_token(tmp_path: Path) -> None:
    module = write_module(tmp_path, FLAKY)
    flag = tmp_path / "down"
    flag.touch()
    with StrategyTestbed(
        f"{module}:Flaky", source_dir=tmp_path, environment={"FLAKY_FLAG": str(flag)}
    ) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"token": "first"}))
        with pytest.raises(UnexpectedStepError) as raised:
            bed.rotate(arn)
        token = raised.value.token
        assert token is not None, "the error carries the rotation's version id"
        assert "AWSPENDING" in bed.stages(arn)[token]
        pending = bed.value(arn, "AWSPENDING")

        flag.unlink()
        assert bed.retry(arn) == token

        assert bed.stages(arn)[token] == ["AWSCURRENT"]
        assert bed.value(arn) == pending, "the reattempt kept the value createSecret stored"
        assert [e["ClientRequestToken"] for e in bed.events] == [token] * 6
        with pytest.raises(ValueError, match="no unfinished rotation"):
            bed.retry(arn)


def test_rotate_immediately_false_runs_test_secret_alone_on_a_copy(tmp_path: Path) -> None:
    module = write_module(tmp_path, WORKING)
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"token": "first"}))

        token = bed.rotate(arn, rotate_immediately=False)

        assert [e["Step"] for e in bed.events] == ["testSecret"]
        assert sys.modules[module].CALLS == ["init", ("test", "first")]
        assert token not in bed.stages(arn), "the service removes the test's version"
        assert json.loads(bed.value(arn))["token"] == "first"


def test_logs_hold_the_rotator_lines_and_the_strategys_logging_in_lambdas_format(
    tmp_path: Path,
) -> None:
    module = write_module(tmp_path, FLAKY)
    with StrategyTestbed(
        f"{module}:Flaky", source_dir=tmp_path, environment={"FLAKY_FLAG": str(tmp_path / "x")}
    ) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"token": "first"}))
        token = bed.rotate(arn)

        ours = [line for line in bed.logs if line.startswith("[INFO]\t")]
        assert len(ours) == 1, bed.logs
        _, stamp, request_id, message = ours[0].split("\t")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
        assert re.fullmatch(r"[0-9a-f-]{36}", request_id)
        assert message == "registered the new token at the vendor"
        steps = [json.loads(line) for line in bed.logs if line.startswith("{")]
        finished = [s["step"] for s in steps if s["message"] == "step_finished"]
        assert finished == ["createSecret", "setSecret", "testSecret", "finishSecret"]
        assert {s["token"] for s in steps} == {token}
        bed.assert_no_secret_logged()


def test_a_strategy_that_logs_a_value_is_caught_naming_where_not_what(tmp_path: Path) -> None:
    leaky = WORKING.replace(
        'CALLS.append(("set", json.loads(ctx.pending().value)["token"]))',
        'print("new token is", json.loads(ctx.pending().value)["token"])',
    )
    module = write_module(tmp_path, leaky)
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"id": "k0", "token": "first-token"}))
        token = bed.rotate(arn)
        new_token = json.loads(bed.value(arn))["token"]

        with pytest.raises(AssertionError) as raised:
            bed.assert_no_secret_logged()

        assert f"vendor/key {token} token in log line" in str(raised.value)
        assert new_token not in str(raised.value)
        # A value the test names itself is checked too.
        with pytest.raises(AssertionError, match=r"also\[0\]"):
            bed.assert_no_secret_logged("new token is")


def test_an_exception_in_the_strategy_names_its_own_file_and_line(tmp_path: Path) -> None:
    # A library installed into source_dir with pip install --target: its frames are skipped,
    # the error is placed at the strategy's call into it.
    library = tmp_path / "vendorlib"
    library.mkdir()
    (library / "__init__.py").write_text("def fetch(d):\n    return d['missing']\n")
    info = tmp_path / "vendorlib-1.0.dist-info"
    info.mkdir()
    (info / "RECORD").write_text("vendorlib/__init__.py,sha256=x,40\n")
    source = WORKING.replace(
        'CALLS.append(("set", json.loads(ctx.pending().value)["token"]))',
        "import vendorlib\n        vendorlib.fetch({})",
    )
    module = write_module(tmp_path, source)
    line = source.splitlines().index("        vendorlib.fetch({})") + 1
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"token": "first"}))

        with pytest.raises(UnexpectedStepError) as raised:
            bed.rotate(arn)

    message = str(raised.value)
    assert message.startswith(
        f"setSecret of secret {arn}: the strategy {module}:Rotating raised KeyError at "
        f"{module}.py:{line} in set_secret. Fix the strategy there"
    )
    assert "report it if it is a defect in the function" not in message
    assert "missing" not in message, "the exception's text stays out"
    failed = [json.loads(x) for x in bed.logs if x.startswith("{") and "step_failed" in x]
    assert failed[0]["error_at"] == f"{module}.py:{line} in set_secret"


def test_a_failure_outside_the_strategys_code_keeps_the_functions_remedy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = write_module(tmp_path, WORKING)

    def broken(ctx: object, strategy: object) -> str:
        raise KeyError("rotator")

    monkeypatch.setitem(handler_steps(), "setSecret", broken)
    with StrategyTestbed(f"{module}:Rotating", source_dir=tmp_path) as bed:
        arn = bed.create_secret("vendor/key", json.dumps({"token": "first"}))
        with pytest.raises(UnexpectedStepError) as raised:
            bed.rotate(arn)
    assert "the step failed with an unexpected KeyError" in str(raised.value)
    assert "report it if it is a defect in the function" in str(raised.value)


def handler_steps() -> dict[str, object]:
    from rotator import handler  # noqa: PLC0415

    steps: dict[str, object] = handler.STEP_FUNCTIONS  # type: ignore[assignment]
    return steps


def test_the_strategy_testbed_fixture_comes_with_the_installed_package(tmp_path: Path) -> None:
    """A user's suite with no conftest: the pytest11 entry point brings the fixture."""
    module = write_module(tmp_path, WORKING)
    (tmp_path / "test_users_strategy.py").write_text(
        textwrap.dedent(f"""
            import json
            from pathlib import Path


            def test_rotates(strategy_testbed):
                bed = strategy_testbed("{module}:Rotating", source_dir=Path(__file__).parent)
                arn = bed.create_secret("vendor/key", json.dumps({{"token": "first"}}))
                token = bed.rotate(arn)
                assert bed.stages(arn)[token] == ["AWSCURRENT"]
        """)
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
