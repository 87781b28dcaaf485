"""The Lambda runner: a function runs from its zip, with its environment, timeout and logs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sandbox_helpers import Inspect, make_zip


def invoke(aws: Callable[[str], Any], name: str, event: Any = None) -> tuple[Any, str | None]:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}))
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_handler_gets_function_environment_and_lambda_variables(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    function = make_function(
        """
        import os

        def handler(event, context):
            names = ["GREETING", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
                     "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "LAMBDA_TASK_ROOT"]
            return {name: os.environ.get(name) for name in names} | {"event": event}
        """,
        environment={"GREETING": "hello", "AWS_REGION": "eu-west-1"},
    )
    result, error = invoke(aws, function["name"], {"k": "v"})
    assert error is None
    assert result["GREETING"] == "hello"
    assert result["event"] == {"k": "v"}
    # Reserved variables win over the function's own, as in Lambda.
    assert result["AWS_REGION"] == result["AWS_DEFAULT_REGION"] == "us-east-1"
    assert result["AWS_LAMBDA_FUNCTION_NAME"] == function["name"]
    assert result["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert result["AWS_SESSION_TOKEN"]
    assert result["LAMBDA_TASK_ROOT"]


def test_context_object_has_lambda_attributes(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    function = make_function(
        """
        def handler(event, context):
            return {
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
            }
        """,
        timeout=7,
    )
    result, error = invoke(aws, function["name"])
    assert error is None
    assert result["function_name"] == function["name"]
    assert result["function_version"] == "$LATEST"
    assert result["invoked_function_arn"] == function["arn"]
    assert result["memory_limit_in_mb"] == 128
    assert len(result["aws_request_id"]) == 36
    assert result["log_group_name"] == f"/aws/lambda/{function['name']}"
    assert "[$LATEST]" in result["log_stream_name"]
    assert 0 < result["remaining"] <= 7000


def test_handler_runs_from_the_zip_not_from_the_working_tree(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    function = make_function(
        """
        import importlib.util

        def handler(event, context):
            import helper
            found = {m: importlib.util.find_spec(m) is not None
                     for m in ("boto3", "sandbox", "rotator", "moto", "pytest")}
            return {"helper": helper.VALUE, "found": found}
        """,
        extra_files={"helper.py": "VALUE = 'from the zip'\n"},
    )
    result, error = invoke(aws, function["name"])
    assert error is None
    assert result["helper"] == "from the zip"
    # What the Lambda Python runtime has (boto3), and nothing of the repository or the venv.
    assert result["found"] == {
        "boto3": True,
        "sandbox": False,
        "rotator": False,
        "moto": False,
        "pytest": False,
    }


def test_layer_content_under_python_is_importable(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    layer = aws("lambda").publish_layer_version(
        LayerName="driver",
        Content={"ZipFile": make_zip({"python/driver.py": "NAME = 'layer driver'\n"})},
        CompatibleRuntimes=["python3.12"],
    )
    function = make_function(
        """
        def handler(event, context):
            import driver
            return driver.NAME
        """,
        layers=[layer["LayerVersionArn"]],
    )
    result, error = invoke(aws, function["name"])
    assert error is None
    assert result == "layer driver"


def test_timeout_kills_the_handler_and_reports_task_timed_out(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], inspect: Inspect
) -> None:
    function = make_function(
        """
        import time

        def handler(event, context):
            print("going to sleep")
            time.sleep(30)
            print("woke up")
        """,
        timeout=1,
    )
    result, error = invoke(aws, function["name"])
    assert error is not None
    assert "Task timed out after 1.00 seconds" in result["errorMessage"]
    messages = inspect.log_messages(function["name"])
    assert "going to sleep" in messages
    assert "woke up" not in messages
    assert any("Task timed out after 1.00 seconds" in m for m in messages)


def test_handler_that_raises_returns_the_error_and_logs_the_traceback(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], inspect: Inspect
) -> None:
    function = make_function(
        """
        class RotationStepError(Exception):
            pass

        def handler(event, context):
            raise RotationStepError("the database refused the new password")
        """
    )
    result, error = invoke(aws, function["name"])
    assert error is not None
    assert result["errorType"] == "RotationStepError"
    assert result["errorMessage"] == "the database refused the new password"
    messages = inspect.log_messages(function["name"])
    assert any(
        m.startswith("[ERROR] RotationStepError: the database refused the new password")
        for m in messages
    )


def test_printed_lines_land_in_the_function_log_group(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], inspect: Inspect
) -> None:
    function = make_function(
        """
        import sys

        def handler(event, context):
            print("line on stdout")
            print("line on stderr", file=sys.stderr)
        """
    )
    _, error = invoke(aws, function["name"])
    assert error is None
    messages = inspect.log_messages(function["name"])
    assert "line on stdout" in messages
    assert "line on stderr" in messages
    assert messages[0].startswith("START RequestId: ")
    assert messages[-1].startswith("REPORT RequestId: ")


def test_output_is_dropped_when_the_role_may_not_write_logs(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    # Lambda writes logs with the execution role's permissions; without them the invocation
    # still succeeds and the output is lost.
    function = make_function(
        """
        def handler(event, context):
            print("nobody will read this")
            return "done"
        """,
        statements=[{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
    )
    result, error = invoke(aws, function["name"])
    assert (result, error) == ("done", None)
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{function['name']}")
    assert groups["logGroups"] == []


def test_injected_fault_fails_only_the_named_step(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], sandbox: Any
) -> None:
    function = make_function(
        """
        def handler(event, context):
            return event["Step"]
        """
    )
    sandbox.inject_fault(function["name"], "setSecret", "downstream refused")
    result, error = invoke(aws, function["name"], {"Step": "createSecret"})
    assert (result, error) == ("createSecret", None)
    result, error = invoke(aws, function["name"], {"Step": "setSecret"})
    assert error is not None
    assert result["errorMessage"] == "downstream refused"
    # One use by default: the retry runs the handler again.
    result, error = invoke(aws, function["name"], {"Step": "setSecret"})
    assert (result, error) == ("setSecret", None)


COUNTER = """
import os

invocations = 0


def handler(event, context):
    global invocations
    invocations += 1
    return {"invocations": invocations, "pid": os.getpid()}
"""


def test_warm_environment_keeps_module_state_between_invocations(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    # Like Lambda, the init phase (module import) runs once per execution environment.
    function = make_function(COUNTER)
    first, _ = invoke(aws, function["name"])
    second, _ = invoke(aws, function["name"])
    assert (first["invocations"], second["invocations"]) == (1, 2)
    assert first["pid"] == second["pid"]


def test_configuration_change_starts_a_new_environment(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    function = make_function(COUNTER)
    first, _ = invoke(aws, function["name"])
    aws("lambda").update_function_configuration(
        FunctionName=function["name"], Environment={"Variables": {"CHANGED": "yes"}}
    )
    second, _ = invoke(aws, function["name"])
    assert second["invocations"] == 1
    assert second["pid"] != first["pid"]


def test_timeout_discards_the_environment(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    function = make_function(
        """
        import time

        invocations = 0

        def handler(event, context):
            global invocations
            invocations += 1
            if event.get("sleep"):
                time.sleep(30)
            return invocations
        """,
        timeout=1,
    )
    assert invoke(aws, function["name"]) == (1, None)
    _, error = invoke(aws, function["name"], {"sleep": True})
    assert error is not None
    assert invoke(aws, function["name"]) == (1, None)


def test_import_error_is_reported_as_lambda_does(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    function = make_function("import not_in_the_zip\n\ndef handler(event, context):\n    pass\n")
    result, error = invoke(aws, function["name"])
    assert error is not None
    assert result["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'not_in_the_zip'" in result["errorMessage"]


def test_role_that_lambda_may_not_assume_fails_the_invocation(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    function = make_function("def handler(event, context):\n    return 'ran'\n")
    ec2_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    aws("iam").update_assume_role_policy(
        RoleName=function["role"], PolicyDocument=json.dumps(ec2_only)
    )
    result, error = invoke(aws, function["name"])
    assert error is not None
    assert (
        result["errorMessage"] == "The role defined for the function cannot be assumed by Lambda."
    )


def test_logging_and_an_unhandled_error_reach_the_log_group_as_the_python_runtime_writes_them(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], inspect: Inspect
) -> None:
    """Not the rotator: a function in the style of AWS's rotation template, logging through the
    root logger and failing its step. https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
    """
    function = make_function(
        """
        import logging

        logger = logging.getLogger()
        logger.setLevel(logging.INFO)
        library = logging.getLogger("vendor.client")

        def handler(event, context):
            logger.info("setSecret: setting the pending secret")
            logger.debug("below the root logger's level")
            library.warning("retrying\\nafter a reset")
            raise NotImplementedError("setSecret is not implemented")
        """
    )
    result, error = invoke(aws, function["name"], {"Step": "setSecret"})
    assert error is not None
    request_id = result["requestId"]
    messages = inspect.log_messages(function["name"])

    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    info = [m for m in messages if m.startswith("[INFO]")]
    assert len(info) == 1, messages
    assert re.fullmatch(
        rf"\[INFO\]\t{stamp}\t{request_id}\tsetSecret: setting the pending secret", info[0]
    )
    assert not [m for m in messages if "below the root logger's level" in m]
    # A record over two lines is one event.
    assert any(
        re.fullmatch(rf"\[WARNING\]\t{stamp}\t{request_id}\tretrying\nafter a reset", m)
        for m in messages
    ), messages
    errors = [m for m in messages if m.startswith("[ERROR]")]
    assert len(errors) == 1, messages
    lines = errors[0].split("\n")
    assert lines[0] == "[ERROR] NotImplementedError: setSecret is not implemented"
    assert lines[1] == "Traceback (most recent call last):"
    assert re.fullmatch(r'\u00a0\u00a0File ".*/app\.py", line \d+, in handler', lines[2]), lines
    assert "lambda_bootstrap" not in errors[0], "the runtime's own frames are left out"


def test_the_root_logger_level_follows_aws_lambda_log_level(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], inspect: Inspect
) -> None:
    source = """
        import logging

        def handler(event, context):
            logging.getLogger("strategy").info("an INFO line")
            logging.getLogger("strategy").warning("a WARNING line")
        """
    default = make_function(source)
    debug = make_function(source, environment={"AWS_LAMBDA_LOG_LEVEL": "debug"})
    for function in (default, debug):
        assert invoke(aws, function["name"])[1] is None

    # Without it the root logger keeps Python's default level, WARNING, as in Lambda.
    default_lines = inspect.log_messages(default["name"])
    assert [m.split("\t")[-1] for m in default_lines if m.startswith("[")] == ["a WARNING line"]
    debug_lines = inspect.log_messages(debug["name"])
    assert [m.split("\t")[-1] for m in debug_lines if m.startswith("[")] == [
        "an INFO line",
        "a WARNING line",
    ]
