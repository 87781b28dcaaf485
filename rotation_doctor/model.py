"""What a check answers, and a secret's report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "fail", "skip"]

# The checks in the order they are shown (a table column each).
CHECKS: tuple[tuple[str, str], ...] = (
    ("rotation", "rotation enabled, with a function"),
    ("function", "the function exists (and is the one expected)"),
    ("schedule", "schedule and window valid; next rotation; not overdue"),
    ("unfinished", "no rotation left unfinished (a version holding only AWSPENDING)"),
    ("invoke", "the function's resource policy lets Secrets Manager invoke it for the secret"),
    ("role", "the function's role may rotate the secret (IAM policy simulation)"),
    ("kms", "the role may use the secret's KMS key through Secrets Manager; the key policy too"),
    ("network", "from a VPC: a route to Secrets Manager (interface endpoint or NAT)"),
    ("database", "database strategies: the database's port reachable; --connect: shape, login"),
)
CHECK_NAMES = tuple(name for name, _ in CHECKS)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    summary: str
    remedy: str = ""

    @classmethod
    def ok(cls, name: str, summary: str) -> Check:
        return cls(name, "ok", summary)

    @classmethod
    def fail(cls, name: str, summary: str, remedy: str) -> Check:
        return cls(name, "fail", summary, remedy)

    @classmethod
    def skip(cls, name: str, summary: str) -> Check:
        return cls(name, "skip", summary)


@dataclass
class SecretReport:
    arn: str
    name: str
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.status == "fail"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "name": self.name,
            "ok": self.ok,
            "facts": self.facts,
            "checks": [asdict(check) for check in self.checks],
        }
