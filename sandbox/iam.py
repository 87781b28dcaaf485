"""IAM as AWS enforces it, for the rotation function only.

moto can enforce IAM globally (``INITIAL_NO_AUTH_ACTION_COUNT``), but in server mode that breaks
other callers: the AWS provider's Lambda GETs fail the signature check. The sandbox therefore
authorizes exactly the requests signed with credentials it minted for a Lambda invocation (the
function's execution role, assumed through the sandbox's STS), and leaves Terraform, the tests and
the AWS CLI unauthenticated, as before.

The decision itself is ``rotation_testing.policy`` (documented evaluation order, IAM wildcards,
permission boundaries). What this module adds is the resource AWS evaluates: moto checks every
Secrets Manager request (and every IAM request) against the resource ``*``, so a policy scoped to
one secret's ARN (or, for the access-key actions, one user's ARN) would never match. The service
evaluates the secret's full ARN, whatever form (name, partial or full ARN) the caller used for
``SecretId``.
https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from rotation_testing.policy import Decision, Verdict, evaluate_within_boundary

ACCOUNT_ID = "123456789012"


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
    """The user's ARN (with its path) for IAM actions that name a UserName, e.g. CreateAccessKey.

    Those actions take the user as their resource ("Actions, resources, and condition keys for
    AWS Identity and Access Management": resource type user).
    """
    names = params.get("UserName")
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
