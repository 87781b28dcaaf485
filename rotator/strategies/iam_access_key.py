"""The ``iam-access-key`` strategy: a secret holding an IAM user's access key pair.

The secret is a JSON object with ``UserName``, ``AccessKeyId`` and ``SecretAccessKey``; every other
key is kept as it is. ``AccessKeyId`` may be empty before the first rotation, so a secret can start
as ``{"UserName": "ci-deployer", "AccessKeyId": "", "SecretAccessKey": ""}`` and no key pair ever
passes through Terraform.

Binding. Whoever can write the secret (PutSecretValue, or creating and tagging a secret under
modules/rotation-function's enrolment prefix) controls its "UserName", so the name alone must not
choose whose keys are replaced. The user's own tag binds it: the IAM user carries the tag
``IAM_USER_SECRET_TAG_KEY`` (``rotation-secret-arn`` unless the module says otherwise) whose value
is this secret's full ARN, read with iam:ListUserTags. Tagging a user takes iam:TagUser, which the
secret's writer is not expected to hold (the function's role never has it). The function's
configuration binds too: ``IAM_USER_BINDINGS`` (modules/rotation-function's ``iam_user_bindings``,
which modules/secret-rotation sets for its one secret) maps a secret's ARN to its user; a secret
listed there needs no tag, a tag on its user naming another secret is refused, and a user it
lists is refused to any other secret. Changing it takes lambda:UpdateFunctionConfiguration,
which the secret's writer is not expected to hold either. Before anything is
created or deleted, createSecret refuses a user whose tag is absent or names another secret (so
two secrets can never share a user: the tag names one), and a "UserName" that differs from the
one in AWSPREVIOUS; setSecret and testSecret refuse an AWSPENDING whose "UserName" differs from
AWSCURRENT's.

createSecret creates the new key. "You can have a maximum of two access keys (active or inactive)
per user" (IAM user guide, "Manage access keys for IAM users"), so when the user already has two it
first deletes one that is not the AWSCURRENT key: the key AWSPREVIOUS holds (replaced a full
interval ago), else one no label points to (left by a rotation that stopped before storing it, or
made by hand), but only if that key was created before AWSCURRENT was stored and has not been used
since (iam:GetAccessKeyLastUsed): a key someone made or used after the last rotation may be in use
by a person, so the rotation fails naming it instead. The AWSCURRENT key is never deleted, so
clients that cache the secret for less than one rotation interval never hold a dead key.
setSecret checks the new key still exists (IAM already knows it). testSecret signs
sts:GetCallerIdentity with the new key and checks the caller is that user; a new key can take a
few seconds to work ("eventually consistent", IAM user guide, "Changes that I make are not always
immediately visible"), so it retries with backoff, inside the function's default 30-second
timeout. finishSecret is the rotator's.

The function's role needs iam:ListUserTags, iam:ListAccessKeys, iam:GetAccessKeyLastUsed,
iam:CreateAccessKey and iam:DeleteAccessKey on the users' ARNs (modules/rotation-function's
``iam_user_arns``); GetCallerIdentity needs no permission.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rotator.errors import (
    PendingValueInvalidError,
    RotationError,
    UnsupportedSecretShapeError,
)
from rotator.secret_store import MAX_ATTEMPTS, aws_client
from rotator.strategies.base import Strategy

if TYPE_CHECKING:
    from rotator.context import StepContext
    from rotator.secret_store import SecretVersion

USER_KEY = "UserName"
KEY_ID_KEY = "AccessKeyId"
SECRET_KEY = "SecretAccessKey"  # noqa: S105  the name of a JSON key, not a secret
# "You can have a maximum of two access keys (active or inactive) per user."
MAX_KEYS_PER_USER = 2
# Error codes STS answers while a new key is not yet known everywhere.
_NOT_YET_VALID = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied"})


class IamAccessKeyShapeError(UnsupportedSecretShapeError):
    remedy = (
        'Store a JSON object with "UserName" (the IAM user whose key this is), "AccessKeyId" and '
        '"SecretAccessKey" (both may be "" before the first rotation)'
    )


class IamCallError(RotationError):
    """IAM or STS refused or failed a call; the message names the API and the error code."""

    remedy = "See the error code; the step is safe to retry with the same token"


class IamAccessDeniedError(IamCallError):
    remedy = (
        "Grant the function's role iam:ListUserTags, iam:ListAccessKeys, "
        "iam:GetAccessKeyLastUsed, iam:CreateAccessKey and iam:DeleteAccessKey on the user's ARN "
        "(modules/rotation-function's iam_user_arns)"
    )


class IamThrottledError(IamCallError):
    remedy = (
        "IAM throttled the call after the client's retries; the service retries the rotation "
        "later with the same token. Spread rotation windows if many keys rotate at once"
    )


class UserNotBoundError(RotationError):
    """The secret names an IAM user that is not bound to it (by the user's tag, or AWSPREVIOUS)."""

    remedy = (
        "Tag the IAM user with the function's IAM_USER_SECRET_TAG_KEY (modules/rotation-function: "
        "iam_user_secret_tag_key) set to this secret's ARN, once per user and secret, or put "
        'back the "UserName" this secret was created for. Nothing was created or deleted'
    )


_CONFIGURED_REMEDY = (
    'Put back the "UserName" the function\'s configuration binds this secret to, or change '
    "iam_user_bindings (modules/rotation-function; modules/secret-rotation: iam_user_arns). "
    "Nothing was created or deleted"
)


class KeyInUseError(RotationError):
    """The user has two keys and the one the rotation would delete may still be in use."""

    remedy = (
        "Delete that key yourself if nobody needs it (or label it: store it in the secret), "
        "then retry the rotation; nothing was created or deleted"
    )


class NewKeyNotWorkingError(RotationError):
    remedy = (
        "The new key did not authenticate as the user within the wait; check the user is not "
        "denied sts:GetCallerIdentity by an SCP or permissions boundary, then retry the rotation"
    )


class IamAccessKeyStrategy(Strategy):
    name: ClassVar[str] = "iam-access-key"

    # Seconds to wait before each retry of testSecret's call: 15.5 s in all, well inside the
    # function's default 30-second timeout. Tests replace ``sleep`` (tests/rotator/conftest.py).
    wait_schedule_s: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self) -> None:
        self.session: Any = None  # a boto3 Session; None: boto3's default, made on first use
        self._iam: Any = None

    # ---- the three steps -----------------------------------------------------------------------

    def create_pending_value(self, ctx: StepContext, current: SecretVersion) -> str:
        obj = _key_pair(current.value, "AWSCURRENT")
        user = obj[USER_KEY]
        self._check_bound(ctx, user)
        # A retried createSecret (new container, the memo lost) must not make a second key: the
        # value an earlier attempt stored under this token is returned, and PutSecretValue with
        # the same data changes nothing.
        stored = ctx.store.get_version(ctx.secret_id, version_id=ctx.token, stage="AWSPENDING")
        if stored is not None:
            ctx.log.info("the pending key was created by an earlier attempt; keeping it")
            return stored.value
        keys = self._list_keys(user)
        current_id = obj[KEY_ID_KEY]
        if len(keys) >= MAX_KEYS_PER_USER:
            victim = self._key_to_delete(ctx, user, keys, current_id, current)
            self._call("DeleteAccessKey", "delete_access_key", UserName=user, AccessKeyId=victim)
            ctx.log.info("deleted an access key to make room", access_key_id=victim)
        created = self._call("CreateAccessKey", "create_access_key", UserName=user)["AccessKey"]
        ctx.log.info("created an access key", access_key_id=created["AccessKeyId"])
        return json.dumps(
            {**obj, KEY_ID_KEY: created["AccessKeyId"], SECRET_KEY: created["SecretAccessKey"]}
        )

    def set_secret(self, ctx: StepContext) -> None:
        obj = _same_user_as_current(ctx)
        if obj[KEY_ID_KEY] not in self._list_keys(obj[USER_KEY]):
            raise PendingValueInvalidError(
                f"access key {obj[KEY_ID_KEY]} of AWSPENDING no longer exists on user "
                f"{obj[USER_KEY]} (deleted by hand?)",
                remedy="Remove AWSPENDING from that version and start a new rotation",
            )

    def test_secret(self, ctx: StepContext) -> None:
        obj = _same_user_as_current(ctx)
        user = obj[USER_KEY]
        arn = self._caller_arn_once_valid(ctx, obj[KEY_ID_KEY], obj[SECRET_KEY])
        # arn:aws:iam::123456789012:user/path/name: the name is the last segment.
        if ":user/" not in arn or arn.rsplit("/", 1)[-1] != user:
            raise PendingValueInvalidError(
                f"the AWSPENDING key authenticates as {arn}, not as user {user}",
                remedy=f"Set UserName to the key's user, or store a key of {user}",
            )

    # ---- binding ---------------------------------------------------------------------------------

    def _check_bound(self, ctx: StepContext, user: str) -> None:
        """Refuse unless ``user`` is the user AWSPREVIOUS names and is bound to this secret: by
        the function's configuration (IAM_USER_BINDINGS, a tag may not contradict it) or, for a
        secret the configuration does not list, by the user's tag."""
        previous = ctx.previous()
        if previous is not None:
            try:
                before = _key_pair(previous.value, "AWSPREVIOUS")[USER_KEY]
            except IamAccessKeyShapeError:
                before = None  # the secret held something else before: the tag alone decides
            if before is not None and before != user:
                raise UserNotBoundError(
                    f"AWSCURRENT names IAM user {user!r} but AWSPREVIOUS names {before!r}: a "
                    "secret's user never changes between rotations"
                )
        bindings = ctx.config.iam_user_bindings
        configured = bindings.get(ctx.secret_arn)
        if configured is not None and configured != user:
            raise UserNotBoundError(
                f"AWSCURRENT names IAM user {user!r} but the function's configuration "
                f"(IAM_USER_BINDINGS) binds this secret to {configured!r}",
                remedy=_CONFIGURED_REMEDY,
            )
        if configured is None:
            claimed = [arn for arn, bound_user in bindings.items() if bound_user == user]
            if claimed:
                raise UserNotBoundError(
                    f"IAM user {user!r} is bound to secret {claimed[0]} by the function's "
                    "configuration (IAM_USER_BINDINGS), not to this one (each user is bound to "
                    "one secret)",
                    remedy=_CONFIGURED_REMEDY,
                )
        tag_key = ctx.config.iam_user_secret_tag_key
        response = self._call("ListUserTags", "list_user_tags", UserName=user)
        tags = {t["Key"]: t.get("Value", "") for t in response.get("Tags", [])}
        bound = tags.get(tag_key)
        if configured is not None:
            # The configuration binds the user; a tag may be absent but must not disagree.
            if bound is not None and bound != ctx.secret_arn:
                raise UserNotBoundError(
                    f"IAM user {user!r} is bound to secret {bound} by its tag {tag_key!r}, but "
                    "the function's configuration (IAM_USER_BINDINGS) binds it to this one",
                    remedy=(
                        f"Remove the tag {tag_key!r} from the IAM user, or set it to this "
                        "secret's ARN, or bind the user to the secret its tag names in "
                        "iam_user_bindings (modules/rotation-function). Nothing was created or "
                        "deleted"
                    ),
                )
            return
        if bound is None:
            raise UserNotBoundError(
                f"IAM user {user!r} has no tag {tag_key!r} naming this secret, so nothing an "
                "administrator set binds the user to it"
            )
        if bound != ctx.secret_arn:
            raise UserNotBoundError(
                f"IAM user {user!r} is bound to secret {bound} by its tag {tag_key!r}, not to "
                "this one (each user is bound to one secret)"
            )

    # ---- IAM and STS ----------------------------------------------------------------------------

    def _key_to_delete(
        self,
        ctx: StepContext,
        user: str,
        keys: Mapping[str, Any],
        current_id: str,
        current: SecretVersion,
    ) -> str:
        """The AWSPREVIOUS key if the user has it, else the oldest key no label points to if it
        predates AWSCURRENT and was not used since; else KeyInUseError."""
        others = {k: created for k, created in keys.items() if k != current_id}
        previous = ctx.previous()
        previous_id = ""
        if previous is not None:
            # AWSPREVIOUS only guides the choice: a value of another shape (the secret held
            # something else before this strategy) must not block the rotation.
            try:
                previous_id = _key_pair(previous.value, "AWSPREVIOUS")[KEY_ID_KEY]
            except IamAccessKeyShapeError:
                ctx.log.info("AWSPREVIOUS holds no key pair; choosing the oldest other key")
        if previous_id in others:
            return previous_id
        oldest = min(others, key=lambda k: others[k])
        since = current.created
        if since is None:
            raise KeyInUseError(
                f"access key {oldest} of user {user!r} is in no version of the secret, and "
                "Secrets Manager did not say when AWSCURRENT was stored, so it is not known "
                "whether the key was made or used since"
            )
        # CreatedDate comes in whole seconds (moto's too): compare at that precision, so a key
        # made in the second the version was stored counts as before it.
        since = since.replace(microsecond=0)
        if others[oldest].replace(microsecond=0) > since:
            raise KeyInUseError(
                f"access key {oldest} of user {user!r} is in no version of the secret and was "
                f"created after AWSCURRENT was stored ({since.isoformat()}): someone may be "
                "using it"
            )
        used = self._call("GetAccessKeyLastUsed", "get_access_key_last_used", AccessKeyId=oldest)
        last_used = used.get("AccessKeyLastUsed", {}).get("LastUsedDate")
        if last_used is not None and last_used.replace(microsecond=0) > since:
            raise KeyInUseError(
                f"access key {oldest} of user {user!r} is in no version of the secret and was "
                f"used at {last_used.isoformat()}, after AWSCURRENT was stored "
                f"({since.isoformat()}): someone may be using it"
            )
        return oldest

    def _caller_arn_once_valid(
        self, ctx: StepContext, access_key_id: str, secret_access_key: str
    ) -> str:
        """The key's caller ARN: a call, and one more after each wait while the key is not valid.

        As many attempts as waits plus one, then the last attempt's error is the step's: no
        condition decides when to stop, so the wait cannot outlast the schedule.
        """
        for delay in self.wait_schedule_s:
            try:
                return self._caller_arn(access_key_id, secret_access_key)
            except NewKeyNotWorkingError:
                ctx.log.info("the new key does not work yet; waiting", wait_s=delay)
                self.sleep(delay)
        return self._caller_arn(access_key_id, secret_access_key)

    def _list_keys(self, user: str) -> dict[str, Any]:
        """The user's access key ids with their creation dates."""
        response = self._call("ListAccessKeys", "list_access_keys", UserName=user)
        return {k["AccessKeyId"]: k["CreateDate"] for k in response["AccessKeyMetadata"]}

    def _caller_arn(self, access_key_id: str, secret_access_key: str) -> str:
        from botocore.exceptions import (  # noqa: PLC0415  deferred with boto3
            BotoCoreError,
            ClientError,
        )

        # With both keys given, boto3 signs with them alone: no session token from the
        # function's environment comes along.
        sts = aws_client(
            "sts",
            self._boto_session(),
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
        )
        try:
            arn: str = sts.get_caller_identity()["Arn"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            if code in _NOT_YET_VALID:
                raise NewKeyNotWorkingError(
                    f"sts:GetCallerIdentity with the new key {access_key_id} failed: {code}"
                ) from None
            raise IamCallError(f"sts:GetCallerIdentity failed: {code}") from None
        except BotoCoreError as exc:  # STS unreachable after the client's retries, as in _call
            raise IamCallError(f"sts:GetCallerIdentity failed: {type(exc).__name__}") from None
        return arn

    def _call(self, api: str, method: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        if self._iam is None:
            self._iam = aws_client("iam", self._boto_session())
        try:
            response: dict[str, Any] = getattr(self._iam, method)(**kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, detail = error.get("Code", "Unknown"), error.get("Message", "")
            where = f"user {kwargs.get('UserName')}"
            if code in {"Throttling", "ThrottlingException", "RequestLimitExceeded"}:
                raise IamThrottledError(
                    f"iam:{api} on {where} was throttled ({MAX_ATTEMPTS} attempts)"
                ) from None
            if code in {"AccessDenied", "AccessDeniedException"}:
                raise IamAccessDeniedError(f"iam:{api} on {where} was denied: {detail}") from None
            if code == "NoSuchEntity":
                raise IamCallError(
                    f"iam:{api}: {where} does not exist",
                    remedy="Set UserName in the secret to an existing IAM user's name",
                ) from None
            raise IamCallError(f"iam:{api} on {where} failed: {code}: {detail}") from None
        except BotoCoreError as exc:
            raise IamCallError(f"iam:{api} failed: {type(exc).__name__}") from None
        return response

    def _boto_session(self) -> Any:
        if self.session is None:
            import boto3  # noqa: PLC0415  deferred: importing boto3 takes a few hundred ms

            self.session = boto3.Session()
        return self.session


def _same_user_as_current(ctx: StepContext) -> dict[str, Any]:
    """AWSPENDING's key pair, refused when it names another user than AWSCURRENT."""
    obj = _key_pair(ctx.pending().value, "AWSPENDING")
    user = _key_pair(ctx.current().value, "AWSCURRENT")[USER_KEY]
    if obj[USER_KEY] != user:
        raise UserNotBoundError(
            f"AWSPENDING names IAM user {obj[USER_KEY]!r} but AWSCURRENT names {user!r}"
        )
    return obj


def _key_pair(value: str, stage: str) -> dict[str, Any]:
    """The secret's JSON object, checked for the key pair's fields. Errors name keys only."""
    try:
        obj = json.loads(value)
    except json.JSONDecodeError as exc:
        raise IamAccessKeyShapeError(f"{stage} is not JSON (error at position {exc.pos})") from None
    if not isinstance(obj, dict):
        raise IamAccessKeyShapeError(f"{stage} is JSON but not an object")
    if not isinstance(obj.get(USER_KEY), str) or not obj[USER_KEY]:
        raise IamAccessKeyShapeError(f'{stage} has no non-empty string under "{USER_KEY}"')
    for key in (KEY_ID_KEY, SECRET_KEY):
        if not isinstance(obj.get(key, ""), str):
            raise IamAccessKeyShapeError(f'{stage} has a non-string under "{key}"')
    obj.setdefault(KEY_ID_KEY, "")
    obj.setdefault(SECRET_KEY, "")
    return obj
