"""IAM as AWS enforces it, for the rotation function only.

moto can enforce IAM globally (``INITIAL_NO_AUTH_ACTION_COUNT``), but in server mode that breaks
other callers: the AWS provider's Lambda GETs fail the signature check. The sandbox therefore
authorizes exactly the requests signed with credentials it minted for a Lambda invocation (the
function's execution role, assumed through the sandbox's STS), and leaves Terraform, the tests and
the AWS CLI unauthenticated, as before.

moto's own policy matcher has two defects that matter here, so the decision is made by the small
evaluator below instead of ``moto.iam.access_control.IAMPolicyStatement``:

- moto turns ``*`` into ``.*`` and leaves every other character as regex syntax: a resource such as
  ``arn:...:secret:name-??????`` raises ``re.error`` and ``.`` matches any character. IAM wildcards
  are ``*`` (any run of characters) and ``?`` (exactly one), everything else literal.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- moto checks every Secrets Manager request (and every IAM request) against the resource ``*``: a
  policy scoped to one secret's ARN (or, for the access-key actions, one user's ARN) is never
  matched. The service evaluates the secret's full ARN, whatever form
  (name, partial or full ARN) the caller used for ``SecretId``.
  https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html

Evaluation follows the documented order: an explicit Deny wins, then any Allow, else the request is
implicitly denied. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
A role with a permissions boundary gets only what both its identity-based policies and the
boundary allow: "An entity's permissions boundary allows it to perform only the actions that are
allowed by both its identity-based policies and its permissions boundaries."
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import parse_qs, urlparse

ACCOUNT_ID = "123456789012"


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"


@dataclass(frozen=True)
class RunnerSession:
    """Temporary credentials of a function's execution role, minted for one invocation."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    role_arn: str
    session_arn: str
    account_id: str


_sessions: dict[str, RunnerSession] = {}
_sessions_lock = threading.Lock()


def _glob_regex(pattern: str) -> str:
    return "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` any run of characters, ``?`` one character, the rest literal."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(_glob_regex(pattern), value, flags) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    """One condition operator, one key. Unknown operators never hold (fail closed for Allow)."""
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    negated = "Not" in base
    if actual is None:
        # A missing key satisfies only IfExists and negated operators.
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
        return if_exists or negated
    values = [str(v) for v in _as_list(expected)]
    if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        matched = actual in values
    elif base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        matched = actual.lower() in (v.lower() for v in values)
    elif base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        matched = any(glob_match(v, actual) for v in values)
    elif base == "Bool":
        matched = actual.lower() in (v.lower() for v in values)
    else:
        return False
    return not matched if negated else matched


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, block in conditions.items()
        for key, expected in block.items()
    )


def _statement_applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if "Action" in statement:
        action_hit = any(
            glob_match(p, action, ignore_case=True) for p in _as_list(statement["Action"])
        )
    else:
        action_hit = not any(
            glob_match(p, action, ignore_case=True) for p in _as_list(statement.get("NotAction"))
        )
    if not action_hit:
        return False
    if "Resource" in statement:
        resource_hit = any(glob_match(p, resource) for p in _as_list(statement["Resource"]))
    elif "NotResource" in statement:
        resource_hit = not any(glob_match(p, resource) for p in _as_list(statement["NotResource"]))
    else:
        resource_hit = True  # resource policies name their resource implicitly
    return resource_hit and _conditions_hold(statement.get("Condition", {}), context)


def evaluate(
    documents: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> Decision:
    """Decide ``action`` on ``resource`` under identity policy documents (explicit Deny wins)."""
    allowed = False
    for document in documents:
        for statement in _as_list(document.get("Statement")):
            if not _statement_applies(statement, action, resource, context or {}):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            if statement.get("Effect") == "Allow":
                allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


@dataclass(frozen=True)
class Verdict:
    """A decision, and when it denies, the reason in the words of AWS's AccessDenied messages.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    """

    decision: Decision
    reason: str = ""


def evaluate_within_boundary(
    identity: Iterable[Mapping[str, Any]],
    boundary: Mapping[str, Any] | None,
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> Verdict:
    """Identity-based policies, limited by a permissions boundary when there is one.

    An explicit Deny in either wins; otherwise both must allow.
    """
    kinds: list[tuple[str, str, list[Mapping[str, Any]]]] = [
        ("an", "identity-based policy", list(identity))
    ]
    if boundary is not None:
        kinds.append(("a", "permissions boundary", [boundary]))
    decisions = [
        (article, kind, evaluate(documents, action, resource, context))
        for article, kind, documents in kinds
    ]
    for article, kind, decision in decisions:
        if decision is Decision.EXPLICIT_DENY:
            return Verdict(decision, f"with an explicit deny in {article} {kind}")
    for _, kind, decision in decisions:
        if decision is Decision.IMPLICIT_DENY:
            return Verdict(decision, f"because no {kind} allows the {action} action")
    return Verdict(Decision.ALLOW)


def principal_matches(statement: Mapping[str, Any], service: str) -> bool:
    """Whether a resource-policy statement names ``service`` (or everyone) as its principal."""
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return service in _as_list(principal.get("Service")) or "*" in _as_list(
            principal.get("AWS")
        )
    return False


# --- what runs inside the sandbox process (imports moto) ------------------------------------


def _iam_backend(account_id: str) -> Any:
    from moto.iam.models import iam_backends  # noqa: PLC0415  moto only inside the server

    return iam_backends[account_id]["aws"]


def get_role(account_id: str, role_arn: str) -> Any:
    return _iam_backend(account_id).get_role_by_arn(role_arn)


def role_policy_documents(account_id: str, role_name: str) -> list[dict[str, Any]]:
    """The role's inline policies and the default version of each attached managed policy."""
    backend = _iam_backend(account_id)
    documents: list[dict[str, Any]] = []
    for name in backend.list_role_policies(role_name):
        _, document = backend.get_role_policy(role_name, name)
        documents.append(json.loads(document) if isinstance(document, str) else document)
    attached, _ = backend.list_attached_role_policies(role_name)
    for policy in attached:
        version = next(v for v in policy.versions if v.is_default)
        document = version.document
        documents.append(json.loads(document) if isinstance(document, str) else document)
    return documents


def role_permissions_boundary(account_id: str, role_name: str) -> dict[str, Any] | None:
    """The default version of the role's permissions boundary policy; None when it has none.

    A boundary whose policy cannot be read allows nothing (fail closed): IAM refuses to set a
    boundary that does not exist, so this only happens when it was deleted in between.
    """
    backend = _iam_backend(account_id)
    arn = backend.get_role(role_name).permissions_boundary_arn
    if not arn:
        return None
    try:
        policy = backend.get_policy(arn)
    except Exception:  # noqa: BLE001  missing policy: see the docstring
        return {"Statement": []}
    version = next(v for v in policy.versions if v.is_default)
    document = version.document
    return json.loads(document) if isinstance(document, str) else dict(document)


def mint_runner_credentials(
    account_id: str, region: str, role_arn: str, session_name: str
) -> RunnerSession:
    """AssumeRole in the sandbox's STS, as Lambda does for each execution environment.

    Only keys minted here are authorized against IAM; see the module docstring.
    """
    from moto.sts.models import sts_backends  # noqa: PLC0415  moto only inside the server

    assumed = sts_backends[account_id]["aws"].assume_role(
        region_name=region,
        role_session_name=session_name[:64],
        role_arn=role_arn,
        policy="",
        duration=43200,
        external_id="",
    )
    session = RunnerSession(
        access_key_id=assumed.access_key_id,
        secret_access_key=assumed.secret_access_key,
        session_token=assumed.session_token,
        role_arn=role_arn,
        session_arn=assumed.arn,
        account_id=account_id,
    )
    with _sessions_lock:
        _sessions[session.access_key_id] = session
    return session


def runner_session(access_key_id: str) -> RunnerSession | None:
    with _sessions_lock:
        return _sessions.get(access_key_id)


def role_verdict(
    session: RunnerSession, action: str, resource: str, context: Mapping[str, str] | None = None
) -> Verdict:
    """The role's policies, within its permissions boundary, read at each request like AWS."""
    role_name = session.role_arn.rsplit("/", 1)[-1]
    full_context = {
        "aws:PrincipalArn": session.role_arn,
        "aws:PrincipalAccount": session.account_id,
        "aws:userid": session.session_arn,
        **(context or {}),
    }
    try:
        documents = role_policy_documents(session.account_id, role_name)
        boundary = role_permissions_boundary(session.account_id, role_name)
    except Exception:  # noqa: BLE001  a deleted role authorizes nothing, like AWS
        return Verdict(Decision.IMPLICIT_DENY, "because the role no longer exists")
    return evaluate_within_boundary(documents, boundary, action, resource, full_context)


def role_allows(
    session: RunnerSession, action: str, resource: str, context: Mapping[str, str] | None = None
) -> Decision:
    return role_verdict(session, action, resource, context).decision


def _secretsmanager_resource(
    account_id: str, region: str, body: Mapping[str, Any]
) -> tuple[str, dict[str, str]]:
    """The secret's full ARN for any form of SecretId (name, partial or full ARN), and its tags.

    The tags become the request's ``aws:ResourceTag/<key>`` and ``secretsmanager:ResourceTag/<key>``
    context: the service authorization reference for Secrets Manager lists both keys for the
    actions on a secret (DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage
    among them), so a policy may grant a secret only while it carries a tag (ABAC).
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
    """
    secret_id = body.get("SecretId")
    if not isinstance(secret_id, str):
        return "*", {}
    from moto.secretsmanager.models import (  # noqa: PLC0415  moto only inside the server
        secretsmanager_backends,
    )

    secret = secretsmanager_backends[account_id][region].secrets.get(secret_id)
    if secret is not None:
        tags = {str(tag["Key"]): str(tag["Value"]) for tag in (secret.tags or [])}
        return str(secret.arn), resource_tag_context(tags)
    if secret_id.startswith("arn:"):
        return secret_id, {}
    # A secret that does not exist: AWS evaluates the name the caller gave.
    return f"arn:aws:secretsmanager:{region}:{account_id}:secret:{secret_id}", {}


def resource_tag_context(tags: Mapping[str, str]) -> dict[str, str]:
    """A secret's tags as condition keys: the global key and Secrets Manager's own."""
    context: dict[str, str] = {}
    for key, value in tags.items():
        context[f"aws:ResourceTag/{key}"] = value
        context[f"secretsmanager:ResourceTag/{key}"] = value
    return context


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw or "")


def _iam_user_resource(account_id: str, params: Mapping[str, Any], default: str) -> str:
    """The user's ARN (with its path) for IAM actions that name a UserName, e.g. CreateAccessKey,
    or an AccessKeyId only (GetAccessKeyLastUsed: the key's user).

    Those actions take the user as their resource ("Actions, resources, and condition keys for
    AWS Identity and Access Management": resource type user).
    """
    names = params.get("UserName")
    key_ids = params.get("AccessKeyId")
    if not names and key_ids:
        # GetAccessKeyLastUsed names only the key; its resource is still the key's user.
        try:
            owner = _iam_backend(account_id).get_access_key_last_used(key_ids[0])["user_name"]
        except Exception:  # noqa: BLE001  no such key: moto answers the call itself
            return default
        names = [owner]
    if not names:
        return default
    try:
        return str(_iam_backend(account_id).get_user(names[0]).arn)
    except Exception:  # noqa: BLE001  no such user: AWS evaluates the name without a path
        return f"arn:aws:iam::{account_id}:user/{names[0]}"


def _credential_scope(headers: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(access key id, region, service) from a SigV4 Authorization header."""
    authorization = headers.get("Authorization") or ""
    match = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request", authorization)
    if match is None:
        return None
    return match.group(1), match.group(2), match.group(3)


def _access_denied(
    response: Any, principal_arn: str, action: str, resource: str, reason: str
) -> Exception:
    from moto.core.exceptions import (  # noqa: PLC0415  moto only inside the server
        AccessDeniedError,
        JsonRESTError,
    )

    content_type = str(response.headers.get("Content-Type", ""))
    if "json" in content_type or response.headers.get("X-Amz-Target"):
        # JSON protocols (Secrets Manager, CloudWatch Logs, KMS) answer 400 AccessDeniedException
        # with the message AWS writes, so an operator can act on it.
        error = JsonRESTError(
            "AccessDeniedException",
            f"User: {principal_arn} is not authorized to perform: {action} "
            f"on resource: {resource} {reason}",
        )
        error.code = 400
        return error
    return AccessDeniedError(user_arn=principal_arn, action=f"{action} on resource: {resource}")


def install() -> None:
    """Authorize requests signed with runner credentials; leave every other caller alone."""
    from moto.core.authorization import (  # noqa: PLC0415  moto only inside the server
        ActionAuthenticatorMixin,
    )
    from moto.iam.access_control import IAMRequest  # noqa: PLC0415

    def authenticate_and_authorize(self: Any, resource: str = "*") -> None:
        scope = _credential_scope(self.headers)
        if scope is None:
            return
        session = runner_session(scope[0])
        if session is None:
            return  # Terraform, tests, the CLI: unauthenticated, as with plain moto
        _, region, service = scope
        action = self._get_action()
        query = urlparse(self.uri).query
        request = IAMRequest(
            account_id=session.account_id,
            method=self.method,
            path=self.raw_path + (f"?{query}" if query else ""),
            data=self.data,
            body=self.raw_body,
            headers=self.headers,
            action=action,
        )
        request.check_signature()
        context = {"aws:RequestedRegion": region}
        if service == "secretsmanager":
            try:
                body = json.loads(self.raw_body or b"{}")
            except ValueError:
                body = {}
            resource, tag_context = _secretsmanager_resource(session.account_id, region, body)
            context.update(tag_context)
            if isinstance(body.get("SecretId"), str):
                context["secretsmanager:SecretId"] = body["SecretId"]
        elif service == "iam":
            params = getattr(self, "querystring", None) or parse_qs(_text(self.raw_body))
            resource = _iam_user_resource(session.account_id, params, resource)
        qualified = f"{service}:{action}"
        verdict = role_verdict(session, qualified, resource, context)
        if verdict.decision is Decision.ALLOW:
            return
        raise _access_denied(self, session.session_arn, qualified, resource, verdict.reason)

    ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = (  # type: ignore[method-assign]
        authenticate_and_authorize
    )
