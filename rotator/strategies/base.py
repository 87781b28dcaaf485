"""The interface every rotation strategy implements.

The handler does the protocol (event, state checks, PutSecretValue, moving AWSCURRENT); a
strategy only says how the new value is built and how it is set and tested downstream. Values come
from the ``StepContext``: ``ctx.current()``, ``ctx.pending()``, ``ctx.previous()`` (None on a
first rotation), ``ctx.other_secret(arn)``, each read once and only if asked for, and
``ctx.new_password()`` for a password under the configured policy. Log with ``ctx.log``, never a
value.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from rotator.context import StepContext
    from rotator.secret_store import SecretVersion


class Strategy(ABC):
    name: ClassVar[str]

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
