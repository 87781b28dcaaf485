"""What a step and its strategy work with: the event, the config, the store, lazy values.

Values are read on first use and kept for the rest of the invocation, so a strategy asks for what
it needs (current, pending, previous, another secret) and pays one call for each at most.

The memo. Warm Lambda containers run the four steps of a rotation one after the other, so facts
learned in one step can save a call in a later one. The memo keeps, per (secret, token), only
that createSecret or setSecret saw rotation enabled for this token, whether createSecret stored
the pending value, and the *shape* of the current value (plain, or JSON keys): never a value.
testSecret uses it to skip DescribeSecret and the read of AWSCURRENT, a retried createSecret to
skip reading and writing again; in a fresh container there is no memo and they make those calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from rotator.config import Config
from rotator.errors import PendingValueMissingError, SecretNotFoundError
from rotator.events import RotationEvent, Step
from rotator.logs import StepLog
from rotator.passwords import generate_password
from rotator.secret_store import SecretStore, SecretVersion
from rotator.values import Shape, shape_of

_MEMO_LIMIT = 64


@dataclass(frozen=True)
class Memo:
    """Rotation was seen enabled for this (secret, token); the current value had this shape."""

    current_shape: Shape | None
    pending_stored: bool = False


_memo: dict[tuple[str, str], Memo] = {}


def remember(key: tuple[str, str], memo: Memo) -> None:
    _memo.pop(key, None)
    _memo[key] = memo
    while len(_memo) > _MEMO_LIMIT:
        del _memo[next(iter(_memo))]


def recall(key: tuple[str, str]) -> Memo | None:
    return _memo.get(key)


def forget(key: tuple[str, str]) -> None:
    _memo.pop(key, None)


def forget_all() -> None:
    """Drop every memo, as a new container would start (tests use it)."""
    _memo.clear()


class StepContext:
    def __init__(self, event: RotationEvent, config: Config, store: SecretStore, log: StepLog):
        self.secret_id = event.secret_id
        self.token = event.token
        self.step: Step = event.step
        # Passed to PutSecretValue only; never logged (see RotationEvent.rotation_token).
        self.rotation_token = event.rotation_token
        self.config = config
        self.store = store
        self.log = log
        self.secret_arn = event.secret_id
        self._current: SecretVersion | None = None
        self._pending: SecretVersion | None = None
        self._previous: SecretVersion | None = None
        self._previous_read = False

    @property
    def memo_key(self) -> tuple[str, str]:
        """(ARN, token): steps use it only after a call has told them the ARN."""
        return (self.secret_arn, self.token)

    def learn_arn(self, arn: str) -> None:
        self.secret_arn = arn
        self.log.update(secret_arn=arn)

    def new_password(self) -> str:
        return generate_password(self.config.password_policy)

    def current(self) -> SecretVersion:
        """The AWSCURRENT version (GetSecretValue, once)."""
        if self._current is None:
            version = self.store.get_version(self.secret_id, stage="AWSCURRENT")
            if version is None:
                raise SecretNotFoundError("the secret has no AWSCURRENT value to rotate from")
            self._current = version
        return self._current

    def pending(self) -> SecretVersion:
        """The AWSPENDING value stored under this token (GetSecretValue, once)."""
        if self._pending is None:
            version = self.store.get_version(
                self.secret_id, version_id=self.token, stage="AWSPENDING"
            )
            if version is None:
                raise PendingValueMissingError(
                    f"version {self.token} holds no AWSPENDING value: createSecret has not "
                    "stored one"
                )
            self._pending = version
        return self._pending

    def previous(self) -> SecretVersion | None:
        """The AWSPREVIOUS version, or None (a secret's first rotation has none)."""
        if not self._previous_read:
            self._previous = self.store.get_version(self.secret_id, stage="AWSPREVIOUS")
            self._previous_read = True
        return self._previous

    def other_secret(self, secret_id: str) -> SecretVersion:
        """AWSCURRENT of another secret, e.g. the administrator secret named by ``masterarn``."""
        version = self.store.get_version(secret_id, stage="AWSCURRENT")
        if version is None:
            raise SecretNotFoundError(
                f"secret {secret_id} (referenced by this secret) has no AWSCURRENT value",
                remedy="Check the referenced ARN and that the function may read it",
            )
        return version

    def use_pending(self, version: SecretVersion) -> None:
        """Keep a pending version the step already read (testSecret reads it for its check)."""
        self._pending = version

    def current_shape(self) -> Shape:
        """Shape of AWSCURRENT: from the memo when this container ran createSecret, else read."""
        memo = recall(self.memo_key)
        if memo is not None and memo.current_shape is not None:
            return memo.current_shape
        return shape_of(self.current().value)
