"""Run the checks on the chosen secrets: gather (rotation_doctor.account), then judge (checks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rotation_doctor import checks, findings
from rotation_doctor.account import SIMULATION_BATCH, Account, DoctorError, error_code, now
from rotation_doctor.model import Check, SecretReport

Progress = Callable[[int, int], None]
POLICY_REMEDY = (
    "Give the identity running rotation-doctor the policy in rotation_doctor/policy.json "
    "(modules/rotation-doctor-policy)"
)


@dataclass(frozen=True)
class Options:
    expected_function: str | None = None
    in_progress_grace_s: float = 900.0
    connect: bool = False


@dataclass(frozen=True)
class Selection:
    secret_ids: tuple[str, ...] = ()
    prefix: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


def select(account: Account, selection: Selection) -> list[dict[str, Any]]:
    """The secrets named (DescribeSecret each) plus those under the prefix / with the tags
    (ListSecrets; its name filter matches a prefix, and the tag filters are checked again)."""
    chosen: dict[str, dict[str, Any]] = {}
    for secret in account.map(account.describe, selection.secret_ids):
        chosen[secret["ARN"]] = secret
    if selection.prefix is not None or selection.tags:
        filters: list[dict[str, Any]] = []
        if selection.prefix is not None:
            filters.append({"Key": "name", "Values": [selection.prefix]})
        for key, value in selection.tags:
            filters.append({"Key": "tag-key", "Values": [key]})
            filters.append({"Key": "tag-value", "Values": [value]})
        for secret in account.list_secrets(filters):
            tags = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}
            if selection.prefix is not None and not str(secret["Name"]).startswith(
                selection.prefix
            ):
                continue
            if any(tags.get(k) != v for k, v in selection.tags):
                continue
            chosen.setdefault(secret["ARN"], secret)
    return sorted(chosen.values(), key=lambda s: str(s["Name"]))


def _tags(secret: Mapping[str, Any]) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in secret.get("Tags") or []}


def tag_context(tags: Mapping[str, str]) -> dict[str, str]:
    """The secret's tags as the simulator's context: the simulator reads no tags itself, and
    Secrets Manager's actions take both keys ("Actions, resources, and condition keys for AWS
    Secrets Manager"). https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
    """
    context: dict[str, str] = {}
    for key, value in tags.items():
        context[f"aws:ResourceTag/{key}"] = value
        context[f"secretsmanager:ResourceTag/{key}"] = value
    return context


def _guard(name: str, work: Callable[[], Check]) -> Check:
    """A check the doctor could not complete fails with what the operator lacks."""
    try:
        return work()
    except ClientError as error:
        code = error_code(error)
        operation = error.operation_name
        remedy = (
            POLICY_REMEDY
            if "AccessDenied" in code or "Unauthorized" in code
            else ("Retry; if it persists, check the service's health and the region")
        )
        return Check.fail(name, f"could not check: {operation} answered {code}", remedy)
    except BotoCoreError as error:
        return Check.fail(name, f"could not check: {type(error).__name__}", "Retry")


class Doctor:
    def __init__(self, account: Account, options: Options | None = None) -> None:
        self.account = account
        self.options = options or Options()

    def run(
        self, secrets: list[dict[str, Any]], progress: Progress | None = None
    ) -> list[SecretReport]:
        account = self.account
        # Functions first, once each, side by side.
        function_arns = sorted(
            {str(s["RotationLambdaARN"]) for s in secrets if s.get("RotationLambdaARN")}
        )
        account.map(
            lambda arn: (account.function(arn), account.function_policy(arn)), function_arns
        )
        simulated = self._simulate_roles(secrets)
        done = 0
        reports: list[SecretReport] = []

        def one(secret: dict[str, Any]) -> SecretReport:
            return self.check_secret(secret, simulated)

        with ThreadPoolExecutor(max_workers=account.concurrency) as pool:
            for report in pool.map(one, secrets):
                reports.append(report)
                done += 1
                if progress is not None:
                    progress(done, len(secrets))
        return reports

    def _role_of(self, secret: Mapping[str, Any]) -> str | None:
        arn = secret.get("RotationLambdaARN")
        if not arn:
            return None
        function = self.account.function(str(arn))
        return str(function["Role"]) if function and function.get("Role") else None

    def _simulate_roles(self, secrets: list[dict[str, Any]]) -> dict[str, Any]:
        """Simulations by secret ARN: one call per role, tag set and 20 secrets."""
        groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}
        for secret in secrets:
            role = self._role_of(secret)
            if role is not None:
                key = (role, tuple(sorted(_tags(secret).items())))
                groups.setdefault(key, []).append(str(secret["ARN"]))
        batches = [
            (role, dict(tags), arns[i : i + SIMULATION_BATCH])
            for (role, tags), arns in groups.items()
            for i in range(0, len(arns), SIMULATION_BATCH)
        ]

        def simulate(batch: tuple[str, dict[str, str], list[str]]) -> dict[str, Any]:
            role, tags, arns = batch
            try:
                return self.account.simulate(role, checks.ROTATION_ACTIONS, arns, tag_context(tags))
            except ClientError as error:
                return dict.fromkeys(arns, error)

        by_arn: dict[str, Any] = {}
        for answer in self.account.map(simulate, batches):
            by_arn.update(answer)
        return by_arn

    def check_secret(self, secret: dict[str, Any], simulated: Mapping[str, Any]) -> SecretReport:
        account, options = self.account, self.options
        arn = str(secret["ARN"])
        report = SecretReport(arn=arn, name=str(secret["Name"]))
        at = now()
        function_arn = secret.get("RotationLambdaARN")
        function = account.function(str(function_arn)) if function_arn else None
        role_arn = str(function["Role"]) if function and function.get("Role") else None
        report.facts = {
            "function": function.get("FunctionName") if function else None,
            "role": role_arn,
            "next_rotation": _iso(secret.get("NextRotationDate")),
            "last_rotated": _iso(secret.get("LastRotatedDate")),
        }
        add = report.checks.append
        add(checks.check_rotation(secret))
        add(checks.check_function(secret, function, options.expected_function))
        add(checks.check_schedule(secret, at))
        add(_guard("unfinished", lambda: self._unfinished(secret, function, at)))
        policy = account.function_policy(str(function_arn)) if function else None
        add(checks.check_invoke(secret, function, policy))
        add(_guard("role", lambda: self._role(secret, role_arn, simulated.get(arn))))
        add(_guard("kms", lambda: self._kms(secret, role_arn)))
        add(
            _guard(
                "network",
                lambda: checks.check_network(
                    account.network(function) if function else None, account.region
                ),
            )
        )
        add(_guard("database", lambda: self._database(secret, function, role_arn)))
        return report

    def _unfinished(
        self, secret: Mapping[str, Any], function: Mapping[str, Any] | None, at: Any
    ) -> Check:
        version = checks.pending_version(secret)
        if version is None:
            return checks.check_unfinished(secret, None, at, self.options.in_progress_grace_s)
        created = self.account.pending_created(str(secret["ARN"]), version)
        group = _log_group(function) if function else "(no function)"
        failure = None
        if function is not None:
            events = self.account.log_events(group, created, version)
            failure = findings.failed_step(version, events)
        pending = checks.Pending(version, created, failure, group)
        return checks.check_unfinished(secret, pending, at, self.options.in_progress_grace_s)

    def _role(self, secret: Mapping[str, Any], role_arn: str | None, simulated: Any) -> Check:
        if isinstance(simulated, ClientError):
            raise simulated
        return checks.check_role(secret, role_arn, simulated)

    def _kms(self, secret: Mapping[str, Any], role_arn: str | None) -> Check:
        key = self.account.customer_key(secret.get("KmsKeyId"))
        if key is None or role_arn is None:
            return checks.check_kms(key, role_arn, None, None)
        arn = str(secret["ARN"])
        context = {
            "kms:ViaService": f"secretsmanager.{self.account.region}.amazonaws.com",
            "kms:EncryptionContext:SecretARN": arn,
        }
        key_arn = str(key["Arn"])
        simulated = self.account.simulate(role_arn, checks.KMS_ACTIONS, [key_arn], context)
        return checks.check_kms(
            key, role_arn, simulated.get(key_arn, []), self.account.key_policy(key_arn)
        )

    def _database(
        self, secret: Mapping[str, Any], function: Mapping[str, Any] | None, role_arn: str | None
    ) -> Check:
        is_database = checks.is_database_strategy(function)
        if not is_database or function is None:
            return checks.check_database(
                is_database=False,
                database=None,
                function_groups=(),
                subnet_cidrs=(),
                connection=None,
            )
        strategy = str(
            ((function.get("Environment") or {}).get("Variables") or {}).get(
                "ROTATION_STRATEGY", ""
            )
        )
        connection = None
        host = None
        if self.options.connect:
            from rotation_doctor import connect  # noqa: PLC0415  the only reader of a value

            def master_readable(master_arn: str) -> bool:
                if role_arn is None:
                    return False
                answers = self.account.simulate(
                    role_arn, ["secretsmanager:GetSecretValue"], [master_arn], {}
                )
                return all(s.decision == "allowed" for s in answers.get(master_arn, []))

            connection = connect.check(
                self.account.current_value(str(secret["ARN"])), strategy, master_readable
            )
            host = connection.where.rsplit(":", 1)[0] if ":" in connection.where else None
        vpc = function.get("VpcConfig") or {}
        subnets = tuple(vpc.get("SubnetIds") or ())
        return checks.check_database(
            is_database=True,
            database=self.account.database(secret, host),
            function_groups=tuple(vpc.get("SecurityGroupIds") or ()) if subnets else (),
            subnet_cidrs=self.account.subnet_cidrs(subnets),
            connection=connection,
        )


def _log_group(function: Mapping[str, Any]) -> str:
    configured = (function.get("LoggingConfig") or {}).get("LogGroup")
    return str(configured or f"/aws/lambda/{function['FunctionName']}")


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None


__all__ = ["Doctor", "DoctorError", "Options", "Selection", "select"]
