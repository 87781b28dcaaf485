"""The interface every rotation strategy implements.

The handler does the protocol (event, state checks, PutSecretValue, moving AWSCURRENT); a
strategy only says how the new value is built and how it is set and tested downstream. Values come
from the ``StepContext``: ``ctx.current()``, ``ctx.pending()``, ``ctx.previous()`` (None on a
first rotation), ``ctx.other_secret(arn)``, each read once and only if asked for, and
``ctx.new_password()`` for a password under the configured policy. Log with ``ctx.log``, never a
value.

This is also the interface of custom strategies (``ROTATION_STRATEGY=custom``), documented as a
public, versioned interface in rotator/STRATEGIES.md. A custom strategy declares the version it
was written for as ``protocol_version``; the loader refuses a version it does not support.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar, Final

# The version of the strategy interface this rotator implements (rotator/STRATEGIES.md). A change
# that breaks a strategy written for an earlier version (a method's arguments, what the context
# offers, what the rotator does around a step) gets a new number; additions do not.
PROTOCOL_VERSION: Final = 1
# The versions a custom strategy may declare.
SUPPORTED_PROTOCOL_VERSIONS: Final = frozenset({1})
# The methods a strategy implements; finishSecret is the rotator's.
STEP_METHODS: Final = ("create_pending_value", "set_secret", "test_secret")

if TYPE_CHECKING:
    from rotator.context import StepContext
    from rotator.secret_store import SecretVersion


class Strategy(ABC):
    name: ClassVar[str]
    # Custom strategies must set it themselves (no default here: a strategy written for version 1
    # must not claim a later version by inheriting it).
    protocol_version: ClassVar[int]

    @abstractmethod
    def create_pending_value(self, ctx: StepContext, current: SecretVersion) -> str:
        """createSecret: the new SecretString, built from AWSCURRENT.

        Validate the secret's shape here and raise a RotationError before anything is written.
        A strategy may change more than passwords (e.g. alternate the username).
        """

    @abstractmethod
    def set_secret(self, ctx: StepContext) -> None:
        """setSecret: make the pending value work downstream (idempotent: it may run again)."""

    @abstractmethod
    def test_secret(self, ctx: StepContext) -> None:
        """testSecret: prove the pending value works; raise a RotationError if it does not."""
