"""examples/api-key on the sandbox, driven by `make demo`'s own code (sandbox.demo.main).

The demo starts its sandbox, applies, waits for the first rotation, rotates again, prints the
versions and plans; at its "applied" checkpoint these tests take the stack (failures, IAM), and
the last test lets the demo destroy and stop, then checks what it printed and that nothing is
left running. The tests run in file order.
"""

from __future__ import annotations

import copy
import io
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from e2e_support import AppliedStack, fingerprint

from sandbox import demo
from sandbox.server import Sandbox
from terraform_offline.stack import Stack

pytestmark = pytest.mark.e2e

INITIAL_VALUE = {"client_id": "orders-service", "api_key": "replaced-by-the-first-rotation"}
LOGS_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup"}
DEMO_TIMEOUT_S = 600


@dataclass
class DemoRun:
    out: io.StringIO = field(default_factory=io.StringIO)
    applied: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    exit_codes: list[int] = field(default_factory=list)
    stack: AppliedStack | None = None
    sandbox_pid: int = 0
    runner_pids: list[int] = field(default_factory=list)
    left_after_destroy: dict[str, list[str]] = field(default_factory=dict)
    thread: threading.Thread | None = None


def child_pids(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def leftovers(stack: AppliedStack) -> dict[str, list[str]]:
    """What of the stack is still in the sandbox."""
    outputs = stack.outputs
    secrets = stack.client("secretsmanager").list_secrets()["SecretList"]
    functions = stack.client("lambda").list_functions()["Functions"]
    roles = stack.client("iam").list_roles()["Roles"]
    groups = stack.client("logs").describe_log_groups(
        logGroupNamePrefix=outputs["rotation_log_group_name"]
    )["logGroups"]
    return {
        "secrets": [s["ARN"] for s in secrets if s["ARN"] == outputs["secret_arn"]],
        "functions": [
            f["FunctionName"]
            for f in functions
            if f["FunctionName"] == outputs["rotation_function_name"]
        ],
        "roles": [r["Arn"] for r in roles if r["Arn"] == outputs["rotation_role_arn"]],
        "log groups": [g["logGroupName"] for g in groups],
    }


@pytest.fixture(scope="module")
def demo_run() -> Iterator[DemoRun]:
    """`make demo` running in a thread, held at its "applied" checkpoint for these tests."""
    run = DemoRun()

    def checkpoint(name: str, sandbox: Sandbox, stack: Stack) -> None:
        if name == "applied":
            run.stack = AppliedStack(stack, sandbox)
            run.sandbox_pid = sandbox.pid
            run.applied.set()
            run.release.wait(DEMO_TIMEOUT_S)
        elif name == "destroyed" and run.stack is not None:
            run.left_after_destroy = leftovers(run.stack)
            run.runner_pids = child_pids(sandbox.pid)

    run.thread = threading.Thread(
        target=lambda: run.exit_codes.append(demo.main(out=run.out, checkpoint=checkpoint)),
        name="demo",
        daemon=True,
    )
    run.thread.start()
    while not run.applied.wait(1) and run.thread.is_alive():
        pass
    yield run
    run.release.set()
    run.thread.join(DEMO_TIMEOUT_S)


@pytest.fixture(scope="module")
def api_key(demo_run: DemoRun) -> AppliedStack:
    if demo_run.stack is None:
        pytest.fail(f"the demo did not reach its applied stack:\n{demo_run.out.getvalue()}")
    return demo_run.stack


def table(output: str, title: str) -> list[dict[str, str]]:
    """The rows of a versions table the demo printed: version id, labels, created, sha256[:8]."""
    lines = output.split(title, 1)[1].splitlines()[2:]
    rows = []
    for line in lines:
        match = re.match(
            r"^    (\S+)  (.+?)  +(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)  ([0-9a-f]{8})$", line
        )
        if match is None:
            break
        version, labels, created, digest = match.groups()
        rows.append(
            {"version": version, "labels": labels.strip(), "created": created, "sha": digest}
        )
    return rows


def test_demo_prints_the_versions_moving_and_a_plan_without_changes(
    api_key: AppliedStack, demo_run: DemoRun
) -> None:
    output = demo_run.out.getvalue()
    after_apply = table(output, "Versions after apply:")
    after_rotation = table(output, "Versions after one more rotation:")
    labels = {row["version"]: row["labels"] for row in after_apply}
    # The initial version keeps its own label, so version housekeeping never deletes it.
    assert sorted(labels.values()) == ["AWSCURRENT", "AWSPREVIOUS, terraform-initial"]
    first_current = next(v for v, label in labels.items() if label == "AWSCURRENT")
    initial = next(v for v, label in labels.items() if "terraform-initial" in label)
    moved = {row["version"]: row["labels"] for row in after_rotation}
    # The version that was AWSCURRENT is AWSPREVIOUS now; a new version holds AWSCURRENT.
    assert moved[first_current] == "AWSPREVIOUS"
    assert moved[initial] == "terraform-initial"
    (new_current,) = [v for v, label in moved.items() if label == "AWSCURRENT"]
    assert new_current not in labels
    digests = {row["version"]: row["sha"] for row in after_rotation}
    assert digests[new_current] != digests[first_current]
    assert new_current == api_key.version_with(api_key.outputs["secret_arn"], "AWSCURRENT")
    assert re.search(r"terraform plan -detailed-exitcode +ok", output)
    assert "(no changes: Terraform does not revert the rotated value" in output
    # The demo ends with rotation-doctor on the secret: every check that applies passes.
    assert re.search(r"rotation-doctor on the secret +ok", output)
    assert "1 of 1 secrets pass every check; 0 fail." in output


def test_initial_value_was_replaced_by_the_first_rotation(
    api_key: AppliedStack, demo_run: DemoRun
) -> None:
    arn = api_key.outputs["secret_arn"]
    after_apply = table(demo_run.out.getvalue(), "Versions after apply:")
    (initial,) = [row["version"] for row in after_apply if "terraform-initial" in row["labels"]]
    response = api_key.client("secretsmanager").get_secret_value(SecretId=arn, VersionId=initial)
    assert json.loads(response["SecretString"]) == INITIAL_VALUE
    current = json.loads(api_key.value(arn))
    assert sorted(current) == ["api_key", "client_id"]
    assert current["client_id"] == "orders-service"
    # The example's password policy: 40 characters, letters and digits only.
    assert len(current["api_key"]) == 40
    assert current["api_key"].isalnum()


@pytest.mark.parametrize("step", ["createSecret", "setSecret", "testSecret", "finishSecret"])
def test_failed_step_keeps_current_and_the_next_window_completes_it(
    api_key: AppliedStack, step: str
) -> None:
    arn = api_key.outputs["secret_arn"]
    function = api_key.outputs["rotation_function_name"]
    current = api_key.version_with(arn, "AWSCURRENT")
    value = fingerprint(api_key.value(arn))
    api_key.sandbox.inject_fault(function, step, f"injected: {step} failed")
    failed = api_key.rotate(arn)  # RotateSecret answers; the failure shows in the rotation
    assert (failed["outcome"], failed["step"]) == ("failed", step)
    assert f"injected: {step} failed" in failed["error"]
    assert api_key.version_with(arn, "AWSCURRENT") == current
    assert api_key.version_with(arn, "AWSPENDING") == failed["token"]
    assert fingerprint(api_key.value(arn)) == value

    # Secrets Manager reattempts the unfinished rotation, same version, at the next window.
    (retried,) = api_key.until_next_window(arn)
    assert (retried["outcome"], retried["token"]) == ("succeeded", failed["token"])
    assert api_key.version_with(arn, "AWSCURRENT") == failed["token"]
    assert api_key.version_with(arn, "AWSPENDING") is None
    assert fingerprint(api_key.value(arn, "AWSPREVIOUS")) == value


# --- IAM mutation: every permission in the shipped policy is needed, and it is sufficient -------


def role_name(api_key: AppliedStack) -> str:
    return str(api_key.outputs["rotation_role_arn"]).rsplit("/", 1)[-1]


def shipped_policies(api_key: AppliedStack) -> dict[str, dict[str, Any]]:
    iam = api_key.client("iam")
    role = role_name(api_key)
    policies = {}
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        policies[name] = json.loads(document) if isinstance(document, str) else document
    assert not iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    return policies


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def actions_of(statement: dict[str, Any]) -> list[str]:
    found = statement["Action"]
    return found if isinstance(found, list) else [found]


def without_action(document: dict[str, Any], index: int, action: str) -> dict[str, Any]:
    mutated = copy.deepcopy(document)
    statement = statements(mutated)[index]
    statement["Action"] = [a for a in actions_of(statement) if a != action]
    if not statement["Action"]:
        mutated["Statement"] = [s for i, s in enumerate(statements(mutated)) if i != index]
    return mutated


def mutations(api_key: AppliedStack) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(policy name, removed action, mutated document) for every action of every statement."""
    for name, document in shipped_policies(api_key).items():
        for index, statement in enumerate(statements(document)):
            for action in actions_of(statement):
                yield name, action, without_action(document, index, action)


def test_shipped_policy_grants_exactly_these_actions(api_key: AppliedStack) -> None:
    actions = {action for _, action, _ in mutations(api_key)}
    assert actions == {
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }


def test_every_action_in_the_shipped_policy_is_needed(api_key: AppliedStack) -> None:
    arn = api_key.outputs["secret_arn"]
    group = api_key.outputs["rotation_log_group_name"]
    iam = api_key.client("iam")
    role = role_name(api_key)
    shipped = shipped_policies(api_key)
    outcomes: dict[str, str] = {}
    for name, action, mutated in mutations(api_key):
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(mutated))
        events_before = api_key.log_event_count(group)
        try:
            rotation = api_key.rotate(arn)
        finally:
            iam.put_role_policy(
                RoleName=role, PolicyName=name, PolicyDocument=json.dumps(shipped[name])
            )
        if rotation["outcome"] == "failed":
            error = rotation.get("error", "")
            denied = "AccessDenied" in error and action in error
            outcomes[action] = "denied" if denied else f"failed otherwise: {error}"
            api_key.clear_pending(arn)
        else:
            # Lambda writes logs with the role's permissions: without them the rotation
            # succeeds and its output is lost, which is what the logs actions are needed for.
            lost = api_key.log_event_count(group) == events_before
            outcomes[action] = "logs lost" if lost else "succeeded"
    expected = {action: "logs lost" if action in LOGS_ACTIONS else "denied" for action in outcomes}
    assert outcomes == expected


def test_shipped_policy_is_sufficient(api_key: AppliedStack) -> None:
    arn = api_key.outputs["secret_arn"]
    group = api_key.outputs["rotation_log_group_name"]
    events_before = api_key.log_event_count(group)
    current = api_key.version_with(arn, "AWSCURRENT")
    assert api_key.rotate(arn)["outcome"] == "succeeded"
    assert api_key.rotate(arn)["outcome"] == "succeeded"
    assert api_key.version_with(arn, "AWSCURRENT") != current
    assert api_key.version_with(arn, "AWSPENDING") is None
    assert api_key.log_event_count(group) > events_before


def test_policy_scoped_to_another_secret_is_denied(api_key: AppliedStack) -> None:
    arn = api_key.outputs["secret_arn"]
    other = api_key.client("secretsmanager").create_secret(
        Name="example/orders/other-key", SecretString="{}"
    )["ARN"]
    iam = api_key.client("iam")
    role = role_name(api_key)
    shipped = shipped_policies(api_key)
    current = api_key.version_with(arn, "AWSCURRENT")
    try:
        for name, document in shipped.items():
            mutated = copy.deepcopy(document)
            for statement in statements(mutated):
                resources = statement["Resource"]
                resources = resources if isinstance(resources, list) else [resources]
                statement["Resource"] = [other if r == arn else r for r in resources]
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(mutated))
        denied = api_key.rotate(arn)
        assert denied["outcome"] == "failed"
        assert "AccessDenied" in denied["error"]
        assert api_key.version_with(arn, "AWSCURRENT") == current
    finally:
        for name, document in shipped.items():
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document))
        api_key.client("secretsmanager").delete_secret(
            SecretId=other, ForceDeleteWithoutRecovery=True
        )
    # The shipped policy back: the rotation left pending completes at the next window.
    (retried,) = api_key.until_next_window(arn)
    assert (retried["outcome"], retried["token"]) == ("succeeded", denied["token"])
    assert api_key.version_with(arn, "AWSPENDING") is None


# --- last: the demo destroys and stops ----------------------------------------------------------


def test_demo_destroys_the_stack_and_leaves_nothing_running(demo_run: DemoRun) -> None:
    demo_run.release.set()
    assert demo_run.thread is not None
    demo_run.thread.join(DEMO_TIMEOUT_S)
    output = demo_run.out.getvalue()
    assert demo_run.exit_codes == [0], output
    assert re.search(r"terraform destroy +ok", output)
    assert re.search(r"stop the sandbox +ok", output)
    assert demo_run.left_after_destroy == {
        "secrets": [],
        "functions": [],
        "roles": [],
        "log groups": [],
    }
    # The sandbox ran warm function environments until it stopped; none of them, and not the
    # sandbox, outlives the demo.
    assert demo_run.runner_pids
    assert [pid for pid in [demo_run.sandbox_pid, *demo_run.runner_pids] if running(pid)] == []
    assert f"(sandbox pid {demo_run.sandbox_pid})" in output
