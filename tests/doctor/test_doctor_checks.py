"""The doctor's judgement, without AWS: each check on the answers it is given."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.session
import pytest

import rotation_doctor
from rotation_doctor import checks, findings, output, schedule
from rotation_doctor.model import Check, SecretReport

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/key-AbCdEf"
OTHER_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/other-XyZxYz"
MASTER = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds-master-AbCdEf"
ROLE = "arn:aws:iam::123456789012:role/rotation"
FUNCTION = {
    "FunctionName": "rotation",
    "FunctionArn": "arn:aws:lambda:eu-west-1:1:function:rotation",
}
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def secret(**fields: Any) -> dict[str, Any]:
    return {"ARN": ARN, "Name": "app/key", "RotationEnabled": True, **fields}


# --- schedule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ({"ScheduleExpression": "rate(2 hours)"}, "at most every 4 hours"),
        ({"ScheduleExpression": "rate(1000 days)"}, "1 to 999"),
        ({"AutomaticallyAfterDays": 1001}, "outside 1 to 1000"),
        ({"ScheduleExpression": "cron(30 2 * * ? *)"}, "minutes field must be 0"),
        ({"ScheduleExpression": "cron(0 2 * * ? 2027)"}, "year field must be *"),
        ({"ScheduleExpression": "cron(0 22 * * ? *)", "Duration": "4h"}, 'at most "2h"'),
        ({"ScheduleExpression": "cron(0 0,2 * * ? *)"}, "less than 4 hours apart"),
        ({"ScheduleExpression": "rate(6 hours)", "Duration": "7h"}, "at most 6h"),
        ({"ScheduleExpression": "rate(1 days)", "AutomaticallyAfterDays": 1}, "keep one"),
        ({"ScheduleExpression": "every day"}, "neither rate"),
        ({"AutomaticallyAfterDays": 30, "Duration": "3 hours"}, '"Nh"'),
        ({}, "no rotation schedule"),
    ],
)
def test_schedule_rules_the_service_refuses_are_named(rules: dict[str, Any], problem: str) -> None:
    verdict = schedule.check_rules(rules)
    assert any(problem in p for p in verdict.problems), verdict.problems


@pytest.mark.parametrize(
    "rules",
    [
        {"AutomaticallyAfterDays": 30},
        {"ScheduleExpression": "rate(4 hours)", "Duration": "4h"},
        {"ScheduleExpression": "rate(7 days)"},
        {"ScheduleExpression": "cron(0 2 ? * MON-FRI *)", "Duration": "2h"},
        {"ScheduleExpression": "cron(0 0/4 * * ? *)"},
    ],
)
def test_valid_schedules_have_no_problem(rules: dict[str, Any]) -> None:
    assert schedule.check_rules(rules).problems == ()


def test_overdue_once_the_window_of_the_next_rotation_closed() -> None:
    verdict = schedule.check_rules({"ScheduleExpression": "rate(7 days)", "Duration": "3h"})
    opened = NOW - timedelta(hours=4)
    assert schedule.overdue_since(
        now=NOW, next_rotation=opened, last_rotated=None, verdict=verdict
    ) == opened + timedelta(hours=3)
    # Still inside the window: not overdue.
    assert (
        schedule.overdue_since(
            now=NOW, next_rotation=NOW - timedelta(hours=2), last_rotated=None, verdict=verdict
        )
        is None
    )


def test_overdue_from_the_last_rotation_without_a_next_date() -> None:
    verdict = schedule.check_rules({"AutomaticallyAfterDays": 7})
    assert schedule.overdue_since(
        now=NOW, next_rotation=None, last_rotated=NOW - timedelta(days=9), verdict=verdict
    )
    assert not schedule.overdue_since(
        now=NOW, next_rotation=None, last_rotated=NOW - timedelta(days=7), verdict=verdict
    )


def test_schedule_check_reports_overdue_with_dates() -> None:
    check = checks.check_schedule(
        secret(
            RotationRules={"AutomaticallyAfterDays": 7},
            NextRotationDate=NOW - timedelta(days=2),
            LastRotatedDate=NOW - timedelta(days=9),
        ),
        NOW,
    )
    assert check.status == "fail"
    assert "overdue" in check.summary


# --- rotation and function ------------------------------------------------------------------


def test_rotation_disabled_fails_and_names_the_module() -> None:
    check = checks.check_rotation(secret(RotationEnabled=False))
    assert (check.status, "rotation_function_arn" in check.remedy) == ("fail", True)


def test_function_missing_or_unexpected() -> None:
    configured = secret(RotationLambdaARN=FUNCTION["FunctionArn"])
    assert checks.check_function(configured, None, None).status == "fail"
    assert checks.check_function(configured, FUNCTION, "other").status == "fail"
    assert checks.check_function(configured, FUNCTION, "rotation").status == "ok"
    failed = checks.check_function(configured, {**FUNCTION, "State": "Failed"}, None)
    assert failed.status == "fail"


# --- unfinished rotation: the logs ----------------------------------------------------------


def rotator_line(token: str, step: str, message: str, **fields: Any) -> str:
    return json.dumps({"message": message, "token": token, "step": step, **fields})


def test_the_rotators_step_failed_line_names_the_step_and_its_remedy() -> None:
    events = [
        findings.LogEvent(1, rotator_line("t1", "createSecret", "step_finished")),
        findings.LogEvent(2, rotator_line("t0", "setSecret", "step_failed", error_type="X")),
        findings.LogEvent(
            3,
            rotator_line(
                "t1", "setSecret", "step_failed", error_type="SecretsManagerAccessDeniedError"
            ),
        ),
    ]
    failure = findings.failed_step("t1", events)
    assert failure is not None
    assert (failure.step, failure.error_type) == ("setSecret", "SecretsManagerAccessDeniedError")
    assert failure.remedy.startswith("Grant the function's role")


def test_a_strategys_error_gets_its_own_remedy() -> None:
    events = [
        findings.LogEvent(
            1,
            rotator_line("t1", "setSecret", "step_failed", error_type="DatabaseSecretInvalidError"),
        )
    ]
    failure = findings.failed_step("t1", events)
    assert failure is not None
    assert '"masterarn"' in failure.remedy


def test_without_a_rotator_line_the_first_unfinished_step_and_the_runtime_error() -> None:
    events = [
        findings.LogEvent(1, "[ERROR] Earlier: not this rotation's"),
        findings.LogEvent(2, rotator_line("t1", "createSecret", "step_finished")),
        findings.LogEvent(3, rotator_line("t1", "setSecret", "step_finished")),
        findings.LogEvent(4, "[ERROR] Runtime.ImportModuleError: Unable to import module"),
    ]
    failure = findings.failed_step("t1", events)
    assert failure is not None
    assert (failure.step, failure.error_type) == ("testSecret", "Runtime.ImportModuleError")


def test_a_timeout_points_at_the_network() -> None:
    events = [
        findings.LogEvent(1, rotator_line("t1", "createSecret", "step_finished")),
        findings.LogEvent(2, "2026-12-06T10:00:00Z abc Task timed out after 30.03 seconds"),
    ]
    failure = findings.failed_step("t1", events)
    assert failure is not None
    assert failure.step == "setSecret"
    assert "interface endpoint" in failure.remedy


def test_a_step_that_failed_then_finished_on_retry_is_not_the_failure() -> None:
    events = [
        findings.LogEvent(1, rotator_line("t1", "createSecret", "step_failed", error_type="X")),
        findings.LogEvent(2, rotator_line("t1", "createSecret", "step_finished")),
        findings.LogEvent(3, "[ERROR] Boom: later"),
    ]
    failure = findings.failed_step("t1", events)
    assert failure is not None
    assert (failure.step, failure.error_type) == ("setSecret", "Boom")


def test_no_pending_version_passes_and_a_young_one_is_in_progress() -> None:
    stages = {"v1": ["AWSCURRENT", "AWSPENDING"], "v0": ["AWSPREVIOUS"]}
    assert checks.pending_version(secret(VersionIdsToStages=stages)) is None
    pending = checks.Pending("v2", NOW - timedelta(minutes=1), None, "/aws/lambda/rotation")
    assert checks.check_unfinished(secret(), pending, NOW, 900).status == "ok"
    old = checks.Pending("v2", NOW - timedelta(hours=1), None, "/aws/lambda/rotation")
    assert checks.check_unfinished(secret(), old, NOW, 900).status == "fail"


# --- invoke permission ------------------------------------------------------------------------


def permission(**condition: Any) -> dict[str, Any]:
    return {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "secretsmanager.amazonaws.com"},
                "Action": "lambda:InvokeFunction",
                "Resource": FUNCTION["FunctionArn"],
                **({"Condition": condition} if condition else {}),
            }
        ]
    }


def test_invoke_permission_by_account_or_by_this_secret() -> None:
    by_account = permission(StringEquals={"AWS:SourceAccount": "123456789012"})
    by_secret = permission(ArnLike={"AWS:SourceArn": ARN})
    other_account = permission(StringEquals={"AWS:SourceAccount": "999999999999"})
    other_secret = permission(ArnLike={"AWS:SourceArn": OTHER_ARN})
    assert checks.check_invoke(secret(), FUNCTION, by_account).status == "ok"
    assert checks.check_invoke(secret(), FUNCTION, by_secret).status == "ok"
    assert checks.check_invoke(secret(), FUNCTION, other_account).status == "fail"
    assert checks.check_invoke(secret(), FUNCTION, other_secret).status == "fail"
    assert checks.check_invoke(secret(), FUNCTION, None).status == "fail"


def test_invoke_permission_for_another_principal_does_not_count() -> None:
    policy = permission()
    policy["Statement"][0]["Principal"] = {"Service": "events.amazonaws.com"}
    assert checks.check_invoke(secret(), FUNCTION, policy).status == "fail"


# --- role -----------------------------------------------------------------------------------


def simulated(decision: str, **fields: Any) -> list[checks.Simulated]:
    return [checks.Simulated(a, decision, **fields) for a in checks.ROTATION_ACTIONS]


def test_role_diagnosis_names_the_input_that_fixes_it() -> None:
    ok = checks.check_role(secret(), ROLE, simulated("allowed"))
    boundary = checks.check_role(
        secret(), ROLE, simulated("implicitDeny", allowed_by_boundary=False)
    )
    tag = checks.check_role(
        secret(),
        ROLE,
        simulated("implicitDeny", missing_context=("aws:ResourceTag/rotation-function",)),
    )
    deny = checks.check_role(secret(), ROLE, simulated("explicitDeny"))
    missing = checks.check_role(secret(), ROLE, simulated("implicitDeny"))
    assert ok.status == "ok"
    assert "role_permissions_boundary" in boundary.remedy
    assert "secret_enrolment_tags" in tag.remedy
    assert "rotation-function" in tag.summary
    assert "Deny" in deny.remedy
    assert "secret_arns" in missing.remedy


def test_simulation_answers_are_read_per_resource_in_both_shapes() -> None:
    current = {
        "EvaluationResults": [
            {
                "EvalActionName": "secretsmanager:PutSecretValue",
                "EvalDecision": "implicitDeny",
                "ResourceSpecificResults": [
                    {"EvalResourceName": ARN, "EvalResourceDecision": "allowed"},
                    {
                        "EvalResourceName": OTHER_ARN,
                        "EvalResourceDecision": "implicitDeny",
                        "MissingContextValues": ["aws:ResourceTag/k"],
                    },
                ],
            }
        ]
    }
    earlier = {
        "EvaluationResults": [
            {
                "EvalActionName": "secretsmanager:PutSecretValue",
                "EvalResourceName": ARN,
                "EvalDecision": "allowed",
            },
            {
                "EvalActionName": "secretsmanager:PutSecretValue",
                "EvalResourceName": OTHER_ARN,
                "EvalDecision": "explicitDeny",
            },
        ]
    }
    by_resource = checks.simulated_by_resource(current)
    assert by_resource[ARN][0].decision == "allowed"
    assert by_resource[OTHER_ARN][0].missing_context == ("aws:ResourceTag/k",)
    assert checks.simulated_by_resource(earlier)[OTHER_ARN][0].decision == "explicitDeny"


# --- KMS and network ------------------------------------------------------------------------


def test_key_policy_by_delegation_to_the_account_or_naming_the_role() -> None:
    def policy(principal: Any) -> dict[str, Any]:
        return {
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*"}]
        }

    assert checks.key_policy_allows(policy("arn:aws:iam::123456789012:root"), "123456789012", ROLE)
    assert checks.key_policy_allows(policy(ROLE), "123456789012", ROLE)
    assert not checks.key_policy_allows(
        policy("arn:aws:iam::123456789012:role/other"), "123456789012", ROLE
    )


def test_kms_check_fails_when_the_role_may_not_decrypt() -> None:
    key = {"Arn": "arn:aws:kms:eu-west-1:123456789012:key/k1"}
    denied = [checks.Simulated("kms:Decrypt", "implicitDeny")]
    assert "kms_key_arns" in checks.check_kms(key, ROLE, denied, None).remedy
    assert checks.check_kms(None, ROLE, None, None).status == "skip"


def network(**fields: Any) -> checks.Network:
    base: dict[str, Any] = {
        "vpc_id": "vpc-1",
        "subnet_ids": ("subnet-a", "subnet-b"),
        "endpoint_ids": (),
        "private_dns": False,
        "subnets_with_nat": (),
        "custom_endpoint": False,
    }
    return checks.Network(**{**base, **fields})


def test_network_needs_an_endpoint_with_dns_or_nat_from_every_subnet() -> None:
    region = "eu-west-1"
    assert checks.check_network(None, region).status == "skip"
    assert checks.check_network(network(), region).status == "fail"
    assert (
        checks.check_network(network(endpoint_ids=("e",), private_dns=True), region).status == "ok"
    )
    no_dns = checks.check_network(network(endpoint_ids=("e",)), region)
    assert "secrets_manager_endpoint" in no_dns.remedy
    assert (
        checks.check_network(network(endpoint_ids=("e",), custom_endpoint=True), region).status
        == "ok"
    )
    half = checks.check_network(network(subnets_with_nat=("subnet-a",)), region)
    assert half.status == "fail"
    assert "subnet-b" in half.summary
    assert (
        checks.check_network(network(subnets_with_nat=("subnet-a", "subnet-b")), region).status
        == "ok"
    )


# --- output and the policy ------------------------------------------------------------------


def test_table_shows_failures_with_their_remedy_and_json_is_complete() -> None:
    good = SecretReport(ARN, "app/key", [Check.ok("rotation", "enabled")])
    bad = SecretReport(
        OTHER_ARN,
        "app/other",
        [Check.fail("invoke", "no permission", "Set create_lambda_permission")],
    )
    text = output.table([good, bad])
    assert "app/other" in text
    assert "what to change: Set create_lambda_permission" in text
    assert "1 of 2 secrets pass every check" in text
    document = json.loads(output.as_json([good, bad]))
    assert document["ok"] is False
    assert [s["ok"] for s in document["secrets"]] == [True, False]


def _calls_in_source() -> set[str]:
    """Every AWS operation rotation_doctor's sources call: ``client("svc").op(`` and
    ``get_paginator("op")``, as IAM action names."""
    session = botocore.session.get_session()
    calls: set[str] = set()
    package = Path(rotation_doctor.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            target = node.func.value
            service = None
            operation = node.func.attr
            if isinstance(target, ast.Call) and getattr(target.func, "attr", "") == "client":
                service = target.args[0].value  # type: ignore[attr-defined]
            if service is None and isinstance(target, ast.Name):
                # ec2 = self.client("ec2") then ec2.describe_...(
                service = {"ec2": "ec2"}.get(target.id)
            if service is None:
                continue
            if operation == "get_paginator":
                operation = node.args[0].value  # type: ignore[attr-defined]
            model = session.get_service_model(service)
            names = {botocore.xform_name(op): op for op in model.operation_names}
            if operation in names:
                prefix = model.signing_name if service != "lambda" else "lambda"
                calls.add(f"{prefix}:{names[operation]}")
    return calls


def test_the_shipped_policy_lists_exactly_the_calls_the_doctor_makes() -> None:
    policy = json.loads(rotation_doctor.POLICY_PATH.read_text())
    (statement,) = policy["Statement"]
    listed = set(statement["Action"])
    (connect,) = json.loads(rotation_doctor.CONNECT_POLICY_PATH.read_text())["Statement"]
    # Everything it calls is in one of the two; only --connect reads a value.
    assert connect["Action"] == ["secretsmanager:GetSecretValue"]
    assert _calls_in_source() == listed | set(connect["Action"])
    assert all(
        a.split(":")[1].startswith(("Describe", "Get", "List", "Filter", "Simulate"))
        for a in listed
    )
    assert "secretsmanager:GetSecretValue" not in listed


def test_the_doctor_imports_only_the_rotator_boto3_and_the_standard_library() -> None:
    import sys  # noqa: PLC0415

    allowed = {"rotator", "rotation_doctor", "boto3", "botocore", "__future__"}
    package = Path(rotation_doctor.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                top = name.split(".", 1)[0]
                assert top in allowed or top in sys.stdlib_module_names, (path.name, name)


# --- database strategies --------------------------------------------------------------------


def database(*rules: dict[str, Any], port: int = 5432) -> checks.Database:
    return checks.Database("orders-db", port, ("sg-db",), tuple(rules))


def test_database_reachable_from_the_functions_group_or_every_subnet() -> None:
    from_group = {
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "UserIdGroupPairs": [{"GroupId": "sg-fn"}],
    }
    from_vpc = {
        "IpProtocol": "tcp",
        "FromPort": 0,
        "ToPort": 65535,
        "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
    }
    wrong_port = {**from_group, "FromPort": 3306, "ToPort": 3306}
    subnets = ("10.0.1.0/24", "10.0.2.0/24")
    assert checks.database_reachable(database(from_group), ["sg-fn"], subnets)
    assert checks.database_reachable(database(from_vpc), ["sg-other"], subnets)
    assert not checks.database_reachable(database(wrong_port), ["sg-fn"], subnets)
    assert not checks.database_reachable(database(from_group), ["sg-other"], subnets)
    half = {**from_vpc, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}
    assert not checks.database_reachable(database(half), ["sg-other"], subnets)
    assert checks.database_reachable(
        database({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-fn"}]}), ["sg-fn"], ()
    )


def test_database_check_names_the_input_for_each_problem() -> None:
    closed = checks.check_database(
        is_database=True,
        database=database(),
        function_groups=("sg-fn",),
        subnet_cidrs=("10.0.1.0/24",),
        connection=None,
    )
    assert closed.status == "fail"
    assert "vpc_config.security_group_ids" in closed.remedy
    master = checks.check_database(
        is_database=True,
        database=None,
        function_groups=(),
        subnet_cidrs=(),
        connection=checks.Connection(None, "arn:master", "", "db:5432"),
    )
    assert "master_secret_arns" in master.remedy
    login = checks.check_database(
        is_database=True,
        database=None,
        function_groups=(),
        subnet_cidrs=(),
        connection=checks.Connection(None, None, "DatabaseAuthenticationError", "db:5432"),
    )
    assert (login.status, "DatabaseAuthenticationError" in login.summary) == ("fail", True)
    unknown = checks.check_database(
        is_database=True, database=None, function_groups=(), subnet_cidrs=(), connection=None
    )
    assert (unknown.status, "--connect" in unknown.summary) == ("skip", True)
    assert (
        checks.check_database(
            is_database=False, database=None, function_groups=(), subnet_cidrs=(), connection=None
        ).status
        == "skip"
    )


def test_connect_reports_the_shape_problem_without_the_value() -> None:
    from rotation_doctor import connect  # noqa: PLC0415

    value = json.dumps({"engine": "postgres", "username": "app", "password": "s3cr3t-value"})
    result = connect.check(value, "postgres-single-user", lambda arn: True)
    assert result.shape_problem is not None
    assert '"host"' in result.shape_problem
    assert "s3cr3t-value" not in repr(result)
    multi = json.dumps(
        {
            "engine": "postgres",
            "host": "db",
            "username": "app",
            "password": "s3cr3t-value",
            "masterarn": MASTER,
        }
    )
    denied = connect.check(multi, "postgres-multi-user", lambda arn: False)
    assert (denied.master_denied, denied.where) == (MASTER, "db:5432")
    assert "s3cr3t-value" not in repr(denied)


def test_connect_reports_a_failed_login_by_its_type_only() -> None:
    from rotation_doctor import connect  # noqa: PLC0415

    # A closed port on loopback: the login fails at once, as the rotation's would.
    value = json.dumps(
        {
            "engine": "postgres",
            "host": "127.0.0.1",
            "port": 1,
            "username": "app",
            "password": "s3cr3t-value",
            "ssl": False,
        }
    )
    result = connect.check(value, "postgres-single-user", lambda arn: True)
    assert result.login_error == "DatabaseUnreachableError"
    assert result.where == "127.0.0.1:1"
    assert "s3cr3t-value" not in repr(result)


def test_progress_bar_counts_on_one_line() -> None:
    import io  # noqa: PLC0415

    stream = io.StringIO()
    bar = output.ProgressBar(stream, width=10)
    bar(5, 10)
    bar(10, 10)
    assert stream.getvalue() == "\rchecking [#####.....] 5/10\rchecking [##########] 10/10\n"


def test_the_command_needs_secrets_chosen_and_says_how() -> None:
    import io  # noqa: PLC0415

    from rotation_doctor.cli import main  # noqa: PLC0415

    err = io.StringIO()
    assert main([], out=io.StringIO(), err=err) == 2
    assert "--prefix or --tag" in err.getvalue()
    with pytest.raises(SystemExit):
        main(["--tag", "no-equals-sign"], out=io.StringIO(), err=io.StringIO())
