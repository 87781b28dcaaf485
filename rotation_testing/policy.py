"""IAM policy evaluation as AWS documents it: the decision the sandbox and the service double make.

Pure functions over policy documents (no moto, no network): the local sandbox authorizes the
rotation function's requests with them (sandbox/iam.py), and the Secrets Manager service double
checks a function's resource policy with them before it invokes a rotation step.

moto's own policy matcher has two defects that matter here, so the decision is made by the small
evaluator below instead of ``moto.iam.access_control.IAMPolicyStatement``:

- moto turns ``*`` into ``.*`` and leaves every other character as regex syntax: a resource such as
  ``arn:...:secret:name-??????`` raises ``re.error`` and ``.`` matches any character. IAM wildcards
  are ``*`` (any run of characters) and ``?`` (exactly one), everything else literal.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html

Evaluation follows the documented order: an explicit Deny wins, then any Allow, else the request is
implicitly denied. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
A role with a permissions boundary gets only what both its identity-based policies and the
boundary allow: "An entity's permissions boundary allows it to perform only the actions that are
allowed by both its identity-based policies and its permissions boundaries."
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"


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
