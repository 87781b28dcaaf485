"""Break one condition of a working stack at a time: the doctor reports exactly that check.

examples/many-secrets (one function, three enrolled secrets, one account-wide invoke permission),
applied once (conftest.py). Each test breaks one thing with the API, as an operator or a drifted
console change would, checks the report of the secret ``payments`` and restores the condition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.client import BaseClient
from conftest import DoctorStack

import rotation_doctor

pytestmark = pytest.mark.e2e

SECRET = "payments"


def failing(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in report["checks"] if c["status"] == "fail"}


def assert_only_failing(report: dict[str, Any], name: str, *remedy_mentions: str) -> dict[str, Any]:
    failed = failing(report)
    assert set(failed) == {name}, json.dumps(report, indent=1)
    check = failed[name]
    for mention in remedy_mentions:
        assert mention in check["remedy"], check
    return check


def assert_healthy(stack: DoctorStack, monkeypatch: pytest.MonkeyPatch) -> None:
    code, report = stack.report(SECRET, monkeypatch)
    assert (code, failing(report)) == (0, {}), json.dumps(report, indent=1)


@contextmanager
def restored(stack: DoctorStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """After the block, the secret passes every check again (the break was undone)."""
    yield
    assert_healthy(stack, monkeypatch)


def test_a_healthy_stack_passes_every_check(
    doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: set[str] = set()
    make_api_call = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: Any) -> Any:
        calls.add(f"{client.meta.service_model.signing_name}:{operation}")
        return make_api_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    code, text = doctor_stack.doctor(
        "--json", "--prefix", "example/api-keys/", monkeypatch=monkeypatch
    )
    # Read-only, within the shipped policy, and never a secret's value.
    (statement,) = json.loads(rotation_doctor.POLICY_PATH.read_text())["Statement"]
    assert calls <= set(statement["Action"])
    assert "secretsmanager:GetSecretValue" not in calls
    assert "iam:SimulatePrincipalPolicy" in calls
    document = json.loads(text)
    assert code == 0, text
    assert len(document["secrets"]) == 3
    for report in document["secrets"]:
        statuses = {c["name"]: c["status"] for c in report["checks"]}
        # What applies to this stack passes; the rest (no customer key, no VPC, not a database
        # strategy) is marked as not applying.
        assert statuses == {
            "rotation": "ok",
            "function": "ok",
            "schedule": "ok",
            "unfinished": "ok",
            "invoke": "ok",
            "role": "ok",
            "kms": "skip",
            "network": "skip",
            "database": "skip",
        }, report
    # The same three by the enrolment tag; one named by ARN alone.
    code, text = doctor_stack.doctor(
        "--json",
        "--tag",
        f"rotation-function={doctor_stack.function_name}",
        monkeypatch=monkeypatch,
    )
    assert (code, len(json.loads(text)["secrets"])) == (0, 3)
    code, table = doctor_stack.doctor("--prefix", "example/api-keys/", monkeypatch=monkeypatch)
    assert code == 0
    assert "3 of 3 secrets pass every check" in table
    rows = table.split("\n\n", 1)[0]  # the table, before the summary and its legend
    assert len(rows.splitlines()) == 4
    assert "✗" not in rows


def test_rotation_disabled(doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch) -> None:
    client = doctor_stack.client("secretsmanager")
    arn = doctor_stack.secret_arns[SECRET]
    before = client.describe_secret(SecretId=arn)
    client.cancel_rotate_secret(SecretId=arn)
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            assert_only_failing(report, "rotation", "modules/rotating-secret", "rotation_rules")
        finally:
            client.rotate_secret(
                SecretId=arn,
                RotationLambdaARN=before["RotationLambdaARN"],
                RotationRules=before["RotationRules"],
                RotateImmediately=False,
            )
            assert doctor_stack.sandbox.wait_for_rotation(arn)["outcome"] == "succeeded"


def test_invoke_permission_removed(
    doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = doctor_stack.client("lambda")
    name = doctor_stack.function_name
    (statement,) = json.loads(client.get_policy(FunctionName=name)["Policy"])["Statement"]
    client.remove_permission(FunctionName=name, StatementId=statement["Sid"])
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            check = assert_only_failing(report, "invoke", "create_lambda_permission")
            assert name in check["summary"]
        finally:
            account = doctor_stack.secret_arns[SECRET].split(":")[4]
            client.add_permission(
                FunctionName=name,
                StatementId=statement["Sid"],
                Action="lambda:InvokeFunction",
                Principal="secretsmanager.amazonaws.com",
                SourceAccount=account,
            )


def test_action_removed_from_the_role(
    doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = doctor_stack.client("iam")
    role = doctor_stack.role_name
    original = iam.get_role_policy(RoleName=role, PolicyName="rotation-function")["PolicyDocument"]
    document = json.loads(original) if isinstance(original, str) else original
    broken = json.loads(json.dumps(document))
    for statement in broken["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        statement["Action"] = [a for a in actions if a != "secretsmanager:PutSecretValue"]
    iam.put_role_policy(
        RoleName=role, PolicyName="rotation-function", PolicyDocument=json.dumps(broken)
    )
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            check = assert_only_failing(report, "role", "secret_arns", "modules/rotation-function")
            assert "secretsmanager:PutSecretValue" in check["summary"]
            assert "DescribeSecret" not in check["summary"]
        finally:
            iam.put_role_policy(
                RoleName=role, PolicyName="rotation-function", PolicyDocument=json.dumps(document)
            )


def test_permissions_boundary_added(
    doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = doctor_stack.client("iam")
    role = doctor_stack.role_name
    # Logs and reading, but not writing secrets: the role's own policy still allows everything.
    boundary = iam.create_policy(
        PolicyName="doctor-test-boundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "logs:*",
                            "secretsmanager:DescribeSecret",
                            "secretsmanager:GetSecretValue",
                        ],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=boundary)
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            check = assert_only_failing(report, "role", "role_permissions_boundary")
            assert "PutSecretValue" in check["summary"]
            assert "UpdateSecretVersionStage" in check["summary"]
        finally:
            iam.delete_role_permissions_boundary(RoleName=role)
            iam.delete_policy(PolicyArn=boundary)


def test_enrolment_tag_dropped(doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch) -> None:
    client = doctor_stack.client("secretsmanager")
    arn = doctor_stack.secret_arns[SECRET]
    tags = client.describe_secret(SecretId=arn)["Tags"]
    (enrolment,) = [t for t in tags if t["Value"] == doctor_stack.function_name]
    client.untag_resource(SecretId=arn, TagKeys=[enrolment["Key"]])
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            check = assert_only_failing(report, "role", "secret_enrolment_tags")
            assert enrolment["Key"] in check["summary"]
            # The other secrets keep their tag and still pass.
            code, other = doctor_stack.report("search", monkeypatch)
            assert (code, failing(other)) == (0, {})
        finally:
            client.tag_resource(SecretId=arn, Tags=[enrolment])


def test_pending_left_by_an_injected_failure(
    doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = doctor_stack.client("secretsmanager")
    arn = doctor_stack.secret_arns[SECRET]
    sandbox = doctor_stack.sandbox
    sandbox.inject_fault(doctor_stack.function_name, "testSecret", "injected: testSecret failed")
    client.rotate_secret(SecretId=arn)
    rotation = sandbox.wait_for_rotation(arn)
    assert (rotation["outcome"], rotation["step"]) == ("failed", "testSecret"), rotation
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            check = assert_only_failing(
                report, "unfinished", "update-secret-version-stage", rotation["token"]
            )
            # The step the logs name (createSecret and setSecret finished for this version, then
            # the runtime's error line), and the error's type.
            assert f"version {rotation['token']} holds only AWSPENDING" in check["summary"]
            assert "testSecret failed with SandboxInjectedFault" in check["summary"]
        finally:
            sandbox.clear_faults()
            client.update_secret_version_stage(
                SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=rotation["token"]
            )


def test_pending_left_by_a_rotator_error_names_its_remedy(
    doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value without the key the function rotates: createSecret raises MissingRotateKeyError,
    and the rotator's own step_failed line gives the step and the error type."""
    client = doctor_stack.client("secretsmanager")
    arn = doctor_stack.secret_arns[SECRET]
    current = client.get_secret_value(SecretId=arn)["SecretString"]
    client.put_secret_value(SecretId=arn, SecretString=json.dumps({"client_id": "payments"}))
    client.rotate_secret(SecretId=arn)
    rotation = doctor_stack.sandbox.wait_for_rotation(arn)
    assert (rotation["outcome"], rotation["step"]) == ("failed", "createSecret"), rotation
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            check = assert_only_failing(report, "unfinished", "Add the key to the secret's JSON")
            assert "createSecret failed with MissingRotateKeyError" in check["summary"]
            assert current not in json.dumps(report)
        finally:
            client.update_secret_version_stage(
                SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=rotation["token"]
            )
            client.put_secret_value(SecretId=arn, SecretString=current)


def test_function_in_a_vpc_without_a_route(
    doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ec2 = doctor_stack.client("ec2")
    functions = doctor_stack.client("lambda")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="doctor-test", Description="t", VpcId=vpc)[
        "GroupId"
    ]
    name = doctor_stack.function_name
    functions.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]}
    )
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            check = assert_only_failing(report, "network", "interface VPC endpoint", "vpc_config")
            assert vpc in check["summary"]
            # With an interface endpoint for Secrets Manager (private DNS on), the route is there.
            endpoint = ec2.create_vpc_endpoint(
                VpcId=vpc,
                ServiceName="com.amazonaws.eu-west-1.secretsmanager",
                VpcEndpointType="Interface",
                SubnetIds=[subnet],
                SecurityGroupIds=[group],
                PrivateDnsEnabled=True,
            )["VpcEndpoint"]["VpcEndpointId"]
            code, report = doctor_stack.report(SECRET, monkeypatch)
            statuses = {c["name"]: c["status"] for c in report["checks"]}
            assert (code, statuses["network"]) == (0, "ok"), report
            ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
        finally:
            functions.update_function_configuration(
                FunctionName=name, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
            )


def test_customer_key_the_role_may_not_use(
    doctor_stack: DoctorStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer managed key on the secret, which the function's role is not granted."""
    client = doctor_stack.client("secretsmanager")
    arn = doctor_stack.secret_arns[SECRET]
    key = doctor_stack.client("kms").create_key(Description="doctor test")["KeyMetadata"]["Arn"]
    client.update_secret(SecretId=arn, KmsKeyId=key)
    with restored(doctor_stack, monkeypatch):
        try:
            code, report = doctor_stack.report(SECRET, monkeypatch)
            assert code == 1
            check = assert_only_failing(report, "kms", "kms_key_arns")
            assert key in check["summary"]
            assert "kms:Decrypt" in check["summary"]
        finally:
            client.update_secret(SecretId=arn, KmsKeyId="alias/aws/secretsmanager")
