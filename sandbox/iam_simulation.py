"""IAM's policy simulator (SimulatePrincipalPolicy) for roles, on the sandbox's own evaluation.

moto 5.2.5 does not implement SimulatePrincipalPolicy; ``rotation-doctor`` asks it whether a
rotation function's role may rotate a secret. The answer comes from the evaluation the sandbox
already enforces on the function's requests (``sandbox.iam`` with ``rotation_testing.policy``):
the role's inline and attached policies, limited by its permissions boundary, explicit Deny
first, IAM wildcards.

What it follows, from the API reference
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html and
https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html):

- ``PolicySourceArn`` names a role; ``ActionNames``; ``ResourceArns`` (default ``*``);
  ``ContextEntries`` (``ContextKeyName``, ``ContextKeyValues``, ``ContextKeyType``) are the only
  condition values: the simulator reads no resource's tags itself, so a caller that wants tag
  conditions (ABAC) to count passes ``aws:ResourceTag/<key>`` entries.
- ``PolicyInputList`` adds identity-based policies; ``PermissionsBoundaryPolicyInputList``
  replaces the role's boundary.
- One ``EvaluationResult`` per action: "The simulator now returns a single EvaluationResult per
  action, regardless of how many resource ARNs are provided"; its ``EvalDecision``
  (``allowed | explicitDeny | implicitDeny``) is the most restrictive across the resources, and
  ``ResourceSpecificResults`` holds each resource's decision.
- ``MatchedStatements`` (the policy each deciding statement is in), ``MissingContextValues``
  (condition keys of the statements that apply which the request gave no value for), and
  ``PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary`` when the role has a boundary.

Not implemented (answered as if absent): ``ResourcePolicy``, ``ResourceOwner``, ``CallerArn``,
``ResourceHandlingOption``, paging (``IsTruncated`` is always false), users and groups as
``PolicySourceArn`` (``InvalidInput``). Multi-valued context keys use their first value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rotation_testing import policy
from sandbox import iam

_DECISIONS = {
    policy.Decision.ALLOW: "allowed",
    policy.Decision.EXPLICIT_DENY: "explicitDeny",
    policy.Decision.IMPLICIT_DENY: "implicitDeny",
}
# Most restrictive first: the order in which an aggregate decision is chosen.
_RESTRICTIVENESS = ["explicitDeny", "implicitDeny", "allowed"]

NamedDocument = tuple[str, str, dict[str, Any]]  # (policy id, policy type, document)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _document(raw: Any) -> dict[str, Any]:
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def context_from_entries(entries: list[Mapping[str, Any]]) -> dict[str, str]:
    """ContextEntries as the evaluator's context (first value of each key)."""
    context: dict[str, str] = {}
    for entry in entries:
        values = _as_list(entry.get("ContextKeyValues"))
        if entry.get("ContextKeyName") and values:
            context[str(entry["ContextKeyName"])] = str(values[0])
    return context


def _statement_decision(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> policy.Decision:
    return policy.evaluate([{"Statement": [statement]}], action, resource, context)


def _statement_applies_ignoring_conditions(
    statement: Mapping[str, Any], action: str, resource: str
) -> bool:
    bare = {k: v for k, v in statement.items() if k != "Condition"}
    return _statement_decision(bare, action, resource, {}) is not policy.Decision.IMPLICIT_DENY


def missing_context_values(
    documents: list[NamedDocument], action: str, resource: str, context: Mapping[str, str]
) -> list[str]:
    """Condition keys of statements that match the action and resource but have no value."""
    given = {key.lower() for key in context}
    missing: list[str] = []
    for _, _, document in documents:
        for statement in _as_list(document.get("Statement")):
            if not _statement_applies_ignoring_conditions(statement, action, resource):
                continue
            for block in (statement.get("Condition") or {}).values():
                for key in block:
                    if key.lower() not in given and key not in missing:
                        missing.append(key)
    return missing


def matched_statements(
    documents: list[NamedDocument], action: str, resource: str, context: Mapping[str, str]
) -> list[dict[str, str]]:
    matched = []
    for policy_id, policy_type, document in documents:
        for statement in _as_list(document.get("Statement")):
            if _statement_decision(statement, action, resource, context) is not (
                policy.Decision.IMPLICIT_DENY
            ):
                matched.append({"SourcePolicyId": policy_id, "SourcePolicyType": policy_type})
    return matched


def simulate(
    identity: list[NamedDocument],
    boundary: NamedDocument | None,
    actions: list[str],
    resources: list[str],
    context: Mapping[str, str],
) -> list[dict[str, Any]]:
    """EvaluationResults for the actions on the resources, as SimulatePrincipalPolicy answers."""
    results = []
    for action in actions:
        per_resource = []
        for resource in resources:
            verdict = policy.evaluate_within_boundary(
                [document for _, _, document in identity],
                boundary[2] if boundary is not None else None,
                action,
                resource,
                context,
            )
            everything = identity + ([boundary] if boundary is not None else [])
            detail: dict[str, Any] = {
                "EvalResourceName": resource,
                "EvalResourceDecision": _DECISIONS[verdict.decision],
                "MatchedStatements": matched_statements(everything, action, resource, context),
                "MissingContextValues": missing_context_values(
                    everything, action, resource, context
                ),
            }
            if boundary is not None:
                allowed = (
                    policy.evaluate([boundary[2]], action, resource, context)
                    is policy.Decision.ALLOW
                )
                detail["PermissionsBoundaryDecisionDetail"] = {
                    "AllowedByPermissionsBoundary": allowed
                }
            per_resource.append(detail)
        decision = min(
            (r["EvalResourceDecision"] for r in per_resource), key=_RESTRICTIVENESS.index
        )
        result: dict[str, Any] = {
            "EvalActionName": action,
            "EvalDecision": decision,
            "MatchedStatements": [s for r in per_resource for s in r["MatchedStatements"]],
            "MissingContextValues": sorted(
                {key for r in per_resource for key in r["MissingContextValues"]}
            ),
            "ResourceSpecificResults": per_resource,
        }
        if len(resources) == 1:
            result["EvalResourceName"] = resources[0]
        if boundary is not None:
            result["PermissionsBoundaryDecisionDetail"] = {
                "AllowedByPermissionsBoundary": all(
                    r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"]
                    for r in per_resource
                )
            }
        results.append(result)
    return results


# --- inside the sandbox process (moto) ------------------------------------------------------


def role_documents(backend: Any, role_name: str) -> list[NamedDocument]:
    """The role's inline policies ("role") and attached managed policies, with their names."""
    documents: list[NamedDocument] = []
    for name in backend.list_role_policies(role_name):
        _, document = backend.get_role_policy(role_name, name)
        documents.append((name, "role", _document(document)))
    attached, _ = backend.list_attached_role_policies(role_name)
    for managed in attached:
        version = next(v for v in managed.versions if v.is_default)
        kind = "aws-managed" if ":aws:policy/" in managed.arn else "user-managed"
        documents.append((managed.name, kind, _document(version.document)))
    return documents


def role_boundary(backend: Any, role_name: str) -> NamedDocument | None:
    arn = backend.get_role(role_name).permissions_boundary_arn
    if not arn:
        return None
    document = iam.role_permissions_boundary(backend.account_id, role_name) or {"Statement": []}
    return (arn.rsplit("/", 1)[-1], "permissions-boundary", document)


def install() -> None:
    """Add SimulatePrincipalPolicy to moto's IAM responses."""
    from moto.core.responses import ActionResult  # noqa: PLC0415  moto only inside the server
    from moto.iam.exceptions import InvalidInput, NoSuchEntity  # noqa: PLC0415
    from moto.iam.responses import IamResponse  # noqa: PLC0415

    def simulate_principal_policy(self: Any) -> Any:
        source = str(self._get_param("PolicySourceArn") or "")
        if ":role/" not in source:
            raise InvalidInput(
                f"PolicySourceArn {source} is not a role; the sandbox simulates roles only",
            )
        role_name = source.rsplit("/", 1)[-1]
        backend = self.backend
        try:
            backend.get_role(role_name)
        except Exception as error:  # moto's NotFoundException, answered as IAM words it
            raise NoSuchEntity(f"The role with name {role_name} cannot be found.") from error
        identity = role_documents(backend, role_name)
        for index, raw in enumerate(self._get_param("PolicyInputList") or [], start=1):
            identity.append((f"PolicyInputList.{index}", "none", _document(raw)))
        boundary = role_boundary(backend, role_name)
        boundary_inputs = self._get_param("PermissionsBoundaryPolicyInputList") or []
        if boundary_inputs:
            boundary = (
                "PermissionsBoundaryPolicyInputList.1",
                "none",
                _document(boundary_inputs[0]),
            )
        results = simulate(
            identity,
            boundary,
            [str(a) for a in self._get_param("ActionNames") or []],
            [str(r) for r in self._get_param("ResourceArns") or ["*"]],
            context_from_entries(self._get_param("ContextEntries") or []),
        )
        return ActionResult({"EvaluationResults": results, "IsTruncated": False})

    IamResponse.simulate_principal_policy = simulate_principal_policy  # type: ignore[attr-defined]
