"""The ``generic`` strategy: a secret with no downstream system to update.

createSecret regenerates the keys in ROTATE_KEYS (or the whole value of a plain-string secret);
setSecret has nothing to do; testSecret checks the pending value reads back with the same shape
as the current one: a plain string for a plain string, else a JSON object with the same keys and
strings under the rotated keys; a pending password that is empty or only whitespace is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rotator.errors import PendingValueInvalidError, UnsupportedSecretShapeError
from rotator.strategies.base import Strategy
from rotator.values import ObjectShape, PlainShape, parse, regenerate

if TYPE_CHECKING:
    from rotator.context import StepContext
    from rotator.secret_store import SecretVersion


class GenericStrategy(Strategy):
    name: ClassVar[str] = "generic"

    def create_pending_value(self, ctx: StepContext, current: SecretVersion) -> str:
        return regenerate(current.value, ctx.config.rotate_keys, ctx.new_password)

    def set_secret(self, ctx: StepContext) -> None:
        ctx.log.debug("generic strategy: nothing to set downstream")

    def test_secret(self, ctx: StepContext) -> None:
        pending = ctx.pending()
        expected = ctx.current_shape()
        try:
            parsed = parse(pending.value)
        except UnsupportedSecretShapeError as exc:
            raise PendingValueInvalidError(f"the AWSPENDING value: {exc.problem}") from None
        if isinstance(expected, PlainShape):
            if not isinstance(parsed.shape, PlainShape):
                raise PendingValueInvalidError(
                    f"AWSCURRENT is a plain string but AWSPENDING is {parsed.shape.describe()}"
                )
            # The service refuses an empty SecretString, so only a blank one can get here.
            if not pending.value.strip():
                raise PendingValueInvalidError("the AWSPENDING value is empty or only whitespace")
            return
        if parsed.obj is None:
            raise PendingValueInvalidError(
                f"AWSCURRENT is {expected.describe()} but AWSPENDING is a plain string"
            )
        _check_same_keys(expected, ObjectShape(frozenset(parsed.obj)))
        bad = [
            k
            for k in ctx.config.rotate_keys
            if not isinstance(parsed.obj.get(k), str) or not parsed.obj[k].strip()
        ]
        if bad:
            raise PendingValueInvalidError(
                f"AWSPENDING has no non-empty string under rotated key(s) {', '.join(bad)}"
            )


def _check_same_keys(expected: ObjectShape, actual: ObjectShape) -> None:
    missing = sorted(expected.keys - actual.keys)
    extra = sorted(actual.keys - expected.keys)
    if missing or extra:
        raise PendingValueInvalidError(
            "AWSPENDING does not have the same JSON keys as AWSCURRENT "
            f"(missing: {missing or 'none'}; extra: {extra or 'none'})"
        )
