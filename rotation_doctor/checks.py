"""The checks, as functions of what the account answered: no AWS calls here.

Each returns a Check: ✓ with what was found, ✗ with what to change (naming the module input of
this project that sets it), or skipped when it does not apply. rotation_doctor.account gathers
the answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rotation_doctor import findings, schedule
from rotation_doctor.model import Check

ROTATION_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
)
KMS_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
SERVICE = "secretsmanager.amazonaws.com"
DATABASE_STRATEGY = re.compile(r"^(postgres|mysql|mariadb)")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def function_name_of(arn: str) -> str:
    return arn.split(":function:", 1)[-1].split(":", 1)[0]


# --- rotation, function, schedule -----------------------------------------------------------


def check_rotation(secret: Mapping[str, Any]) -> Check:
    if not secret.get("RotationEnabled"):
        return Check.fail(
            "rotation",
            "rotation is not enabled on the secret",
            "Enable it with modules/rotating-secret (rotation_function_arn, rotation_rules); a "
            "`terraform apply` of the stack puts it back if it was turned off by hand "
            "(CancelRotateSecret)",
        )
    if not secret.get("RotationLambdaARN"):
        return Check.fail(
            "rotation",
            "rotation is enabled without a rotation function",
            "Set rotation_function_arn on modules/rotating-secret to modules/rotation-function's "
            "rotation_function_arn output",
        )
    return Check.ok(
        "rotation", f"enabled, function {function_name_of(secret['RotationLambdaARN'])}"
    )


def check_function(
    secret: Mapping[str, Any], function: Mapping[str, Any] | None, expected: str | None
) -> Check:
    arn = secret.get("RotationLambdaARN")
    if not arn:
        return Check.skip("function", "no rotation function configured")
    name = function_name_of(str(arn))
    if function is None:
        return Check.fail(
            "function",
            f"function {name} does not exist",
            "Point rotation_function_arn on modules/rotating-secret at a function that exists "
            "(modules/rotation-function's rotation_function_arn), or apply the stack that "
            "creates it",
        )
    if expected and expected not in (name, function.get("FunctionArn"), arn):
        return Check.fail(
            "function",
            f"rotated by {name}, expected {expected}",
            "Set rotation_function_arn on modules/rotating-secret to the expected function",
        )
    state = function.get("State")
    if state not in (None, "Active"):
        reason = function.get("StateReason") or ""
        return Check.fail(
            "function",
            f"function {name} is {state} {reason}".strip(),
            "Fix what StateReason says (often the role or the VPC subnets); re-apply "
            "modules/rotation-function",
        )
    return Check.ok("function", f"{name} ({function.get('Runtime', '?')})")


def check_schedule(secret: Mapping[str, Any], now: datetime) -> Check:
    if not secret.get("RotationEnabled"):
        return Check.skip("schedule", "rotation is not enabled")
    rules = secret.get("RotationRules") or {}
    verdict = schedule.check_rules(rules)
    if verdict.problems:
        return Check.fail(
            "schedule",
            "; ".join(verdict.problems),
            "Fix rotation_rules on modules/rotating-secret (the module validates them at plan)",
        )
    next_rotation = secret.get("NextRotationDate")
    last = secret.get("LastRotatedDate")
    late = schedule.overdue_since(
        now=now, next_rotation=next_rotation, last_rotated=last, verdict=verdict
    )
    if late is not None:
        return Check.fail(
            "schedule",
            f"overdue: the window that opened at {_when(next_rotation)} closed at {_when(late)} "
            f"without a rotation (last rotated {_when(last)})",
            "See the unfinished check and the function's log group; a rotation that keeps "
            "failing is retried only at the next window",
        )
    described = (
        rules.get("ScheduleExpression") or f"every {rules.get('AutomaticallyAfterDays')} days"
    )
    return Check.ok("schedule", f"{described}; next {_when(next_rotation)}")


# --- unfinished rotation --------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    version_id: str
    created: datetime | None
    failure: findings.StepFailure | None
    log_group: str


def pending_version(secret: Mapping[str, Any]) -> str | None:
    """The version holding AWSPENDING but not AWSCURRENT: a rotation that has not finished."""
    stages = secret.get("VersionIdsToStages") or secret.get("SecretVersionsToStages") or {}
    for version_id, labels in stages.items():
        if "AWSPENDING" in labels and "AWSCURRENT" not in labels:
            return str(version_id)
    return None


def check_unfinished(
    secret: Mapping[str, Any], pending: Pending | None, now: datetime, grace_s: float
) -> Check:
    if pending is None:
        return Check.ok("unfinished", "no version holds AWSPENDING alone")
    since = _when(pending.created)
    if pending.failure is None:
        age = (now - pending.created).total_seconds() if pending.created else None
        if age is not None and age < grace_s:
            return Check.ok(
                "unfinished", f"rotation in progress: version {pending.version_id} since {since}"
            )
        return Check.fail(
            "unfinished",
            f"version {pending.version_id} holds only AWSPENDING since {since}; no failure found "
            f"in {pending.log_group}",
            _clear_pending(secret, pending),
        )
    failure = pending.failure
    step = failure.step or "a step the logs do not name"
    return Check.fail(
        "unfinished",
        f"version {pending.version_id} holds only AWSPENDING since {since}: {step} failed with "
        f"{failure.error_type}",
        f"{failure.remedy}. Then the service reattempts it at the next window; "
        + _clear_pending(secret, pending),
    )


def _clear_pending(secret: Mapping[str, Any], pending: Pending) -> str:
    return (
        f"to start afresh instead: aws secretsmanager update-secret-version-stage --secret-id "
        f"{secret.get('ARN')} --version-stage AWSPENDING --remove-from-version-id "
        f"{pending.version_id}"
    )


# --- the function's resource policy ----------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcards: ``*`` any run, ``?`` one character, everything else literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in str(pattern))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, value, flags) is not None


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    base = operator.removesuffix("IfExists")
    actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    negated = "Not" in base
    if actual is None:
        return operator.endswith("IfExists") or negated
    values = [str(v) for v in _as_list(expected)]
    if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        hit = actual in values
    elif base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        hit = any(glob_match(v, actual) for v in values)
    elif base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        hit = actual.lower() in (v.lower() for v in values)
    else:
        return False  # an operator not understood here: do not count the statement
    return not hit if negated else hit


def statement_allows_service(
    statement: Mapping[str, Any], action: str, context: Mapping[str, str]
) -> bool | None:
    """Whether a resource-policy statement applies to the service calling ``action`` (None: no)."""
    principal = statement.get("Principal")
    names: list[str] = []
    if principal == "*":
        names = ["*"]
    elif isinstance(principal, Mapping):
        names = [str(p) for p in _as_list(principal.get("Service"))]
        names += ["*" for p in _as_list(principal.get("AWS")) if p == "*"]
    if SERVICE not in names and "*" not in names:
        return None
    if not any(glob_match(a, action, ignore_case=True) for a in _as_list(statement.get("Action"))):
        return None
    conditions = statement.get("Condition") or {}
    if not all(
        _condition_holds(op, key, value, context)
        for op, block in conditions.items()
        for key, value in block.items()
    ):
        return None
    return statement.get("Effect") == "Allow"


def check_invoke(
    secret: Mapping[str, Any], function: Mapping[str, Any] | None, policy: Mapping[str, Any] | None
) -> Check:
    """Lambda evaluates the function's resource policy with the service as principal and
    ``AWS:SourceAccount`` / ``AWS:SourceArn`` as the secret's account and ARN, which Secrets
    Manager sets when it invokes a rotation function.
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
    """
    if function is None:
        return Check.skip("invoke", "no function to check")
    arn = str(secret["ARN"])
    name = str(function.get("FunctionName"))
    context = {"AWS:SourceAccount": arn.split(":")[4], "AWS:SourceArn": arn}
    decisions = [
        statement_allows_service(statement, "lambda:InvokeFunction", context)
        for statement in _as_list((policy or {}).get("Statement"))
    ]
    if False in decisions:
        return Check.fail(
            "invoke",
            f"{name}'s resource policy denies Secrets Manager for this secret",
            "Remove the Deny statement from the function's resource policy",
        )
    if True not in decisions:
        return Check.fail(
            "invoke",
            f"{name}'s resource policy does not let {SERVICE} invoke it for this secret",
            "Set create_lambda_permission = true on modules/rotating-secret (a permission with "
            "source_arn for this secret), or add an aws_lambda_permission with principal "
            "secretsmanager.amazonaws.com and source_account for a function shared by many "
            "secrets (examples/many-secrets)",
        )
    return Check.ok("invoke", f"{SERVICE} may invoke {name} for this secret")


# --- the role (policy simulation) ------------------------------------------------------------


@dataclass(frozen=True)
class Simulated:
    """One action's simulated decision on one resource."""

    action: str
    decision: str  # allowed | explicitDeny | implicitDeny
    allowed_by_boundary: bool | None = None
    missing_context: tuple[str, ...] = ()


def simulated_by_resource(response: Mapping[str, Any]) -> dict[str, list[Simulated]]:
    """SimulatePrincipalPolicy's answer, per resource ARN.

    One EvaluationResult per action with ResourceSpecificResults (the current API), or one per
    action and resource with EvalResourceName (earlier answers): both are read.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
    """
    out: dict[str, list[Simulated]] = {}
    for result in response.get("EvaluationResults", []):
        action = str(result["EvalActionName"])
        specific = result.get("ResourceSpecificResults") or []
        if not specific:
            specific = [
                {
                    "EvalResourceName": result.get("EvalResourceName", "*"),
                    "EvalResourceDecision": result["EvalDecision"],
                    "MissingContextValues": result.get("MissingContextValues", []),
                    "PermissionsBoundaryDecisionDetail": result.get(
                        "PermissionsBoundaryDecisionDetail"
                    ),
                }
            ]
        for item in specific:
            boundary = item.get("PermissionsBoundaryDecisionDetail") or result.get(
                "PermissionsBoundaryDecisionDetail"
            )
            out.setdefault(str(item["EvalResourceName"]), []).append(
                Simulated(
                    action=action,
                    decision=str(item["EvalResourceDecision"]),
                    allowed_by_boundary=(
                        None if boundary is None else bool(boundary["AllowedByPermissionsBoundary"])
                    ),
                    missing_context=tuple(
                        item.get("MissingContextValues") or result.get("MissingContextValues") or ()
                    ),
                )
            )
    return out


def _short(actions: Iterable[str]) -> str:
    return ", ".join(sorted(actions))


def check_role(
    secret: Mapping[str, Any], role_arn: str | None, simulated: list[Simulated] | None
) -> Check:
    if role_arn is None or simulated is None:
        return Check.skip("role", "no function, so no role to check")
    role = role_arn.rsplit("/", 1)[-1]
    denied = [s for s in simulated if s.decision != "allowed"]
    if not denied:
        return Check.ok("role", f"{role} may {_short(s.action.split(':')[1] for s in simulated)}")
    names = _short(s.action for s in denied)
    if any(s.decision == "explicitDeny" and s.allowed_by_boundary is not False for s in denied):
        return Check.fail(
            "role",
            f"an explicit Deny stops {role} from {names} on this secret",
            "Remove or narrow the Deny statement (the role's policies, policy_statements or "
            "policy_arns on modules/rotation-function)",
        )
    if any(s.allowed_by_boundary is False for s in denied):
        return Check.fail(
            "role",
            f"{role}'s permissions boundary does not allow {names} on this secret",
            "Allow these actions on the secret in the boundary policy given as "
            "role_permissions_boundary on modules/rotation-function (or drop the boundary)",
        )
    tag_keys = sorted(
        {
            key.split("/", 1)[1]
            for s in denied
            for key in s.missing_context
            if key.lower().startswith(("aws:resourcetag/", "secretsmanager:resourcetag/"))
        }
    )
    if tag_keys:
        return Check.fail(
            "role",
            f"{role} may rotate this secret only while it carries the tag "
            f"{', '.join(tag_keys)}, which it lacks",
            "Tag the secret with modules/rotation-function's secret_enrolment_tags output "
            "(the tags input of modules/rotating-secret), as enrolled_secrets expects",
        )
    return Check.fail(
        "role",
        f"{role} may not {names} on this secret",
        "Grant them: add the secret's ARN to secret_arns on modules/rotation-function, or pass "
        "the function's rotation_role_name to modules/rotating-secret (create_role_policy), or "
        "enrol the secret (enrolled_secrets: its name under name_prefix, tagged)",
    )


# --- KMS ------------------------------------------------------------------------------------


def key_policy_allows(policy: Mapping[str, Any], account_id: str, role_arn: str) -> bool:
    """A key policy lets the role use the key: directly, or by delegating to the account's IAM
    (principal the account root), the key policy AWS creates by default.
    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    principals = {f"arn:aws:iam::{account_id}:root", account_id, role_arn, "*"}
    for statement in _as_list(policy.get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        named = (
            ["*"]
            if principal == "*"
            else _as_list(principal.get("AWS"))
            if isinstance(principal, Mapping)
            else []
        )
        if not principals.intersection(str(p) for p in named):
            continue
        if all(
            any(glob_match(a, action, ignore_case=True) for a in _as_list(statement.get("Action")))
            for action in KMS_ACTIONS
        ):
            return True
    return False


def check_kms(
    key: Mapping[str, Any] | None,
    role_arn: str | None,
    simulated: list[Simulated] | None,
    key_policy: Mapping[str, Any] | None,
) -> Check:
    if key is None:
        return Check.skip("kms", "the secret uses the AWS managed key aws/secretsmanager")
    if role_arn is None or simulated is None:
        return Check.skip("kms", "no role to check")
    key_arn = str(key.get("Arn"))
    denied = [s.action for s in simulated if s.decision != "allowed"]
    if denied:
        return Check.fail(
            "kms",
            f"the role may not {_short(denied)} on key {key_arn} through Secrets Manager",
            "Pass the key's ARN in kms_key_arns on modules/rotation-function (or kms_key_id on "
            "modules/rotating-secret with rotation_role_name)",
        )
    if key_policy is not None and not key_policy_allows(
        key_policy, key_arn.split(":")[4], role_arn
    ):
        return Check.fail(
            "kms",
            f"the key policy of {key_arn} neither names the role nor delegates to the account",
            "Add a key policy statement allowing kms:Decrypt and kms:GenerateDataKey to the "
            "role (or to the account root, so IAM policies count)",
        )
    return Check.ok("kms", f"key {key_arn.rsplit('/', 1)[-1]} usable through Secrets Manager")


# --- network --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    vpc_id: str
    subnet_ids: tuple[str, ...]
    endpoint_ids: tuple[str, ...]  # interface endpoints for Secrets Manager in the VPC
    private_dns: bool  # any of them has private DNS on
    subnets_with_nat: tuple[str, ...]
    custom_endpoint: bool  # SECRETS_MANAGER_ENDPOINT set on the function


def check_network(network: Network | None, region: str) -> Check:
    if network is None:
        return Check.skip("network", "the function is not in a VPC")
    service = f"com.amazonaws.{region}.secretsmanager"
    if network.endpoint_ids:
        if network.private_dns or network.custom_endpoint:
            return Check.ok(
                "network", f"{network.vpc_id}: interface endpoint {network.endpoint_ids[0]}"
            )
        return Check.fail(
            "network",
            f"endpoint {network.endpoint_ids[0]} in {network.vpc_id} has private DNS off and "
            "the function calls the regional name",
            "Turn private DNS on for the endpoint, or set secrets_manager_endpoint on "
            "modules/rotation-function to the endpoint's DNS name",
        )
    without = [s for s in network.subnet_ids if s not in network.subnets_with_nat]
    if not without:
        return Check.ok("network", f"{network.vpc_id}: NAT route from every subnet")
    return Check.fail(
        "network",
        f"no route to Secrets Manager from {network.vpc_id} (no {service} endpoint; no NAT "
        f"route from {', '.join(without)})",
        f"Create an interface VPC endpoint for {service} in {network.vpc_id} (private DNS on), "
        "or a 0.0.0.0/0 route to a NAT gateway in those subnets' route tables; the subnets are "
        "vpc_config.subnet_ids on modules/rotation-function",
    )


def is_database_strategy(function: Mapping[str, Any] | None) -> bool:
    variables = ((function or {}).get("Environment") or {}).get("Variables") or {}
    return bool(DATABASE_STRATEGY.match(str(variables.get("ROTATION_STRATEGY", ""))))


# --- database strategies --------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """The RDS instance or cluster a secret's credentials are for, as RDS describes it."""

    identifier: str
    port: int
    security_group_ids: tuple[str, ...]
    # IpPermissions of those security groups (DescribeSecurityGroups).
    ingress: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Connection:
    """What ``--connect`` found: the shape of AWSCURRENT and a login with it (no value kept)."""

    shape_problem: str | None  # the rotator's own message for a bad shape, or None
    master_denied: str | None  # masterarn the role may not read, or None
    login_error: str | None  # the driver's error type, "" when not tried, None when it worked
    where: str  # host:port


def _port_in(rule: Mapping[str, Any], port: int) -> bool:
    if str(rule.get("IpProtocol")) == "-1":
        return True
    if str(rule.get("IpProtocol")).lower() not in ("tcp", "6"):
        return False
    return int(rule.get("FromPort", 0)) <= port <= int(rule.get("ToPort", 65535))


def _cidr_covers(cidr: str, subnet: str) -> bool:
    import ipaddress  # noqa: PLC0415

    try:
        return ipaddress.ip_network(subnet).subnet_of(ipaddress.ip_network(cidr))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False


def database_reachable(
    database: Database, function_groups: Iterable[str], subnet_cidrs: Iterable[str]
) -> bool:
    """A rule of the database's security groups lets the function's groups (or every one of its
    subnets' CIDRs) reach the port. Security groups are stateful and allow all egress unless told
    otherwise; the function's own egress is not checked.
    https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    """
    groups, cidrs = set(function_groups), list(subnet_cidrs)
    for rule in database.ingress:
        if not _port_in(rule, database.port):
            continue
        if any(pair.get("GroupId") in groups for pair in rule.get("UserIdGroupPairs", [])):
            return True
        ranges = [str(r.get("CidrIp")) for r in rule.get("IpRanges", [])]
        if cidrs and all(any(_cidr_covers(r, c) for r in ranges) for c in cidrs):
            return True
    return False


def check_database(
    *,
    is_database: bool,
    database: Database | None,
    function_groups: tuple[str, ...],
    subnet_cidrs: tuple[str, ...],
    connection: Connection | None,
) -> Check:
    if not is_database:
        return Check.skip("database", "not a database strategy")
    problem = _connection_problem(connection)
    if problem is not None:
        return problem
    found = []
    if database is not None and function_groups:
        if not database_reachable(database, function_groups, subnet_cidrs):
            return Check.fail(
                "database",
                f"{database.identifier}'s security groups "
                f"({', '.join(database.security_group_ids)}) do not let the function's "
                f"({', '.join(function_groups)}) reach port {database.port}",
                f"Allow TCP {database.port} from the function's security group "
                "(vpc_config.security_group_ids on modules/rotation-function) in the "
                "database's security group",
            )
        found.append(f"{database.identifier}:{database.port} reachable from the function")
    if connection is not None and connection.login_error:
        return Check.fail(
            "database",
            f"login with AWSCURRENT at {connection.where} failed: {connection.login_error}",
            "AWSCURRENT no longer logs in (changed outside rotation?): put the working "
            "credentials in the secret, or reset the user's password to AWSCURRENT",
        )
    if connection is not None and connection.login_error is None:
        found.append(f"AWSCURRENT logs in at {connection.where}")
    if not found:
        return Check.skip("database", "host and port are in the secret's value: run with --connect")
    return Check.ok("database", "; ".join(found))


def _connection_problem(connection: Connection | None) -> Check | None:
    if connection is not None and connection.shape_problem:
        return Check.fail(
            "database",
            f"AWSCURRENT: {connection.shape_problem}",
            "Fix the secret's JSON (the keys the strategy needs); see rotator/strategies/",
        )
    if connection is not None and connection.master_denied:
        return Check.fail(
            "database",
            f"the role may not read the master secret {connection.master_denied}",
            "Add it to master_secret_arns on modules/rotation-function (and its key to "
            "master_kms_key_arns)",
        )
    return None
