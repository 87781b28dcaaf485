"""Test a rotation strategy in your own test suite, on the Secrets Manager the rotator meets.

``StrategyTestbed`` (rotation_testing.testbed) runs the four rotation steps of a strategy through
the rotator's handler, on moto with this project's description of the service where moto differs
(rotation_testing.secretsmanager, with the IAM evaluation, rotation schedules and clock it needs).
The local sandbox (``make demo``, ``make sandbox``) runs on the same rules.

Shipped with the ``rotator`` package (install the ``testing`` extra for moto); never packed into
the function's zip. Imports ``rotator`` and nothing else of this repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rotation_testing.testbed import StrategyTestbed

__all__ = ["StrategyTestbed"]


def __getattr__(name: str) -> Any:
    # Lazily: the service rules (imported by the sandbox) must not pull in the testbed.
    if name == "StrategyTestbed":
        from rotation_testing.testbed import StrategyTestbed  # noqa: PLC0415

        return StrategyTestbed
    raise AttributeError(name)
