"""The four rotation steps. Each checks the secret's state first and is safe to run again.

Secrets Manager calls of a generic rotation in a warm container (7; AWS's template makes 10):

=============  ==========================================================================
createSecret   DescribeSecret, GetSecretValue(AWSCURRENT), PutSecretValue
setSecret      DescribeSecret (+ whatever the strategy reads; generic: nothing)
testSecret     GetSecretValue(VersionId=token)
finishSecret   DescribeSecret, UpdateSecretVersionStage
=============  ==========================================================================

In a container that did not run createSecret or setSecret for this token, testSecret also calls
DescribeSecret and reads AWSCURRENT for the shape comparison (9 calls for that rotation).
The memo of those steps is keyed by the secret's ARN (which has a random suffix per secret) and
the token, so a secret deleted and created again under the same name never inherits it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from rotator.context import Memo, StepContext, forget, recall, remember
from rotator.errors import (
    PendingValueMissingError,
    RotationError,
    RotationNotEnabledError,
    SecretsManagerCallError,
    TokenNotPendingError,
    TokenNotStagedError,
)
from rotator.events import Step
from rotator.strategies.base import Strategy
from rotator.values import Shape, shape_of

Outcome = Literal["ok", "noop", "already_created"]


def token_is_current(
    ctx: StepContext, *, rotation_enabled: bool, stages: tuple[str, ...] | None
) -> bool:
    """The checks of AWS's templates, in their order. True: the step has nothing to do."""
    if not rotation_enabled:
        raise RotationNotEnabledError("rotation is not enabled on the secret")
    if stages is None:
        raise TokenNotStagedError(f"version {ctx.token} is not a version of the secret")
    if "AWSCURRENT" in stages:
        ctx.log.debug("token already holds AWSCURRENT: nothing to do")
        return True
    if "AWSPENDING" not in stages:
        labels = ", ".join(stages) or "no staging label"
        raise TokenNotPendingError(f"version {ctx.token} has {labels}, not AWSPENDING")
    return False


def _described_state_is_current(ctx: StepContext) -> tuple[bool, str | None]:
    """DescribeSecret, then the checks. Returns (token is current, version holding AWSCURRENT)."""
    metadata = ctx.store.describe(ctx.secret_id)
    ctx.learn_arn(metadata.arn)
    current = token_is_current(
        ctx, rotation_enabled=metadata.rotation_enabled, stages=metadata.stages_of(ctx.token)
    )
    return current, metadata.version_with("AWSCURRENT")


def create_secret(ctx: StepContext, strategy: Strategy) -> Outcome:
    is_current, _ = _described_state_is_current(ctx)
    if is_current:
        return "noop"
    memo = recall(ctx.memo_key)
    if memo is not None and memo.pending_stored:
        ctx.log.info("this container already stored the value for this token; keeping it")
        return "already_created"
    current = ctx.current()
    value = strategy.create_pending_value(ctx, current)
    # No read of the pending version first (AWS's template probes it): PutSecretValue itself
    # says whether an earlier attempt already stored a value under this token.
    outcome = ctx.store.put_pending(
        ctx.secret_id, ctx.token, value, rotation_token=ctx.rotation_token
    )
    remember(ctx.memo_key, Memo(current_shape=_shape_or_none(current.value), pending_stored=True))
    if outcome == "already_created":
        ctx.log.info("a value for this token was stored by an earlier attempt; keeping it")
        return "already_created"
    return "ok"


def set_secret(ctx: StepContext, strategy: Strategy) -> Outcome:
    is_current, _ = _described_state_is_current(ctx)
    if is_current:
        return "noop"
    memo = recall(ctx.memo_key)
    remember(ctx.memo_key, memo or Memo(current_shape=None))
    strategy.set_secret(ctx)
    return "ok"


def test_secret(ctx: StepContext, strategy: Strategy) -> Outcome:
    version = ctx.store.get_version(ctx.secret_id, version_id=ctx.token)
    if version is None:
        # The service answers the same for "no such version" and "no value yet"; this error
        # path asks DescribeSecret which one it is.
        is_current, _ = _described_state_is_current(ctx)
        if is_current:
            return "noop"
        raise PendingValueMissingError(
            f"version {ctx.token} holds no value: createSecret has not stored one"
        )
    ctx.learn_arn(version.arn)
    if recall(ctx.memo_key) is None:
        # A container that ran no earlier step of this rotation: the full check.
        is_current, _ = _described_state_is_current(ctx)
    else:
        # This container saw rotation enabled for this token in createSecret or setSecret
        # moments ago; the version's own labels, returned with its value, give the rest of the
        # state. This saves the DescribeSecret that would make a rotation 8 calls. testSecret
        # writes nothing, and finishSecret, which does, checks DescribeSecret again.
        is_current = token_is_current(ctx, rotation_enabled=True, stages=version.stages)
    if is_current:
        return "noop"
    ctx.use_pending(version)
    strategy.test_secret(ctx)
    return "ok"


def finish_secret(ctx: StepContext, strategy: Strategy) -> Outcome:
    del strategy  # the same signature as the other steps; finishing is strategy-independent
    is_current, current_version = _described_state_is_current(ctx)
    forget(ctx.memo_key)
    if is_current:
        return "noop"
    if current_version is None:
        raise SecretsManagerCallError("no version of the secret holds AWSCURRENT")
    ctx.store.move_current(ctx.secret_id, ctx.token, current_version)
    ctx.log.debug("moved AWSCURRENT", from_version=current_version)
    return "ok"


STEP_FUNCTIONS: dict[Step, Callable[[StepContext, Strategy], Outcome]] = {
    "createSecret": create_secret,
    "setSecret": set_secret,
    "testSecret": test_secret,
    "finishSecret": finish_secret,
}


def _shape_or_none(value: str) -> Shape | None:
    try:
        return shape_of(value)
    except RotationError:
        return None
