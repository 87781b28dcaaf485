"""Secrets Manager rotation as the service documents it, where moto 5.2.5 differs.

Each patch names moto's behaviour and the service's. The protocol itself:
https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html

Time: every date the model keeps (a version's creation, the last and next rotation) comes from
the clock (``rotation_testing.clock``), which tests advance. ``advance_clock`` opens the rotation
windows the span holds, in time order, and runs each rotation before it moves on.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rotation_testing import policy, schedule
from rotation_testing.clock import CLOCK
from rotation_testing.moto_lock import MOTO_LOCK

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
SECRETS_MANAGER = "secretsmanager.amazonaws.com"

# "If the AWSPENDING staging label is present but not attached to the same version as AWSCURRENT,
# then any later invocation of RotateSecret assumes that a previous rotation request is still in
# progress and returns an error" (API_RotateSecret). The service's words for it:
PREVIOUS_ROTATION_INCOMPLETE = (
    "A previous rotation isn't complete. That rotation will be reattempted."
)

# "Secrets Manager removes unlabeled versions when there are more than 100, but it does not
# remove versions created less than 24 hours ago." (Secrets Manager quotas,
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html)
MAX_VERSIONS = 100
MIN_VERSION_AGE_S = 24 * 3600

# The CloudTrail service events Secrets Manager sends to EventBridge's default bus for rotation
# (https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-cloudtrail.html).
EVENT_SOURCE = "aws.secretsmanager"
EVENT_DETAIL_TYPE = "AWS Service Event via CloudTrail"

# A step's outcome: None when it succeeded, else "<errorType>: <errorMessage>" from the function.
StepInvoker = Callable[[Any, str, str, str], str | None]


def _version_with(secret: Any, stage: str) -> str | None:
    return next(
        (vid for vid, version in secret.versions.items() if stage in version["version_stages"]),
        None,
    )


def _has_value(version: dict[str, Any]) -> bool:
    return "secret_string" in version or "secret_binary" in version


def documented_put_check(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's ``_check_with_existing_secrets_and_versions`` with the service's PutSecretValue rule.

    moto lets PutSecretValue overwrite any AWSPENDING version. The service fills a version only
    while it has no value; with a value, the same data succeeds without change and different data
    fails with ResourceExistsException. The rotator's in-process tests install it too.
    https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html#SecretsManager-PutSecretValue-request-ClientRequestToken
    """
    from moto.secretsmanager.exceptions import ResourceExistsException  # noqa: PLC0415

    def check(
        self: Any,
        secret_name: str,
        client_request_token: str | None,
        secret_string: str | None,
        secret_binary: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        secret = self.secrets.get(secret_name)
        version = (
            secret.versions.get(client_request_token)
            if secret is not None and client_request_token
            else None
        )
        if version is not None and PENDING in version["version_stages"] and _has_value(version):
            if (
                version.get("secret_string") == secret_string
                and version.get("secret_binary") == secret_binary
            ):
                return secret
            raise ResourceExistsException(
                f"You can't use ClientRequestToken {client_request_token} because that value is "
                f"already in use for a version of secret {secret.arn}."
            )
        return original(
            self, secret_name, client_request_token, secret_string, secret_binary, *args, **kwargs
        )

    return check


@dataclass
class Rotation:
    """One rotation (or, with ``test_only``, one test of the configuration) and how it ended."""

    secret_arn: str
    secret_name: str
    token: str
    started_at: float
    test_only: bool = False
    outcome: str | None = None  # None while it runs; "succeeded" or "failed"
    step: str | None = None  # the step that failed
    error: str | None = None  # the function's error type and message (never a secret value)
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "secret_arn": self.secret_arn,
            "token": self.token,
            "started_at": self.started_at,
            "outcome": self.outcome or "running",
        }
        if self.step is not None:
            document["step"] = self.step
        if self.error is not None:
            document["error"] = self.error
        if self.test_only:
            document["test_only"] = True
        return document


class Rotations:
    """Started rotations, run one at a time and in order by one background worker.

    RotateSecret "configures and starts the asynchronous process of rotating the secret"
    (API_RotateSecret): it answers once the rotation is staged, and the worker invokes the steps.
    """

    def __init__(self) -> None:
        self._history: list[Rotation] = []
        self.after_fork()

    def after_fork(self) -> None:
        """A new queue, lock and worker: what a forked child must start with.

        A child of ``os.fork`` has the parent's memory but only the thread that forked ("the child
        process is created with a single thread", fork(2)), so the parent's worker is gone while
        ``_worker`` still names it: a rotation submitted there would wait forever. mutmut forks
        every mutant's test run from a process that has already run the tests.
        """
        self._queue: queue.Queue[tuple[Rotation, Callable[[], None]]] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def submit(self, rotation: Rotation, work: Callable[[], None]) -> None:
        with self._lock:
            self._history.append(rotation)
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="rotations", daemon=True)
                self._worker.start()
        self._queue.put((rotation, work))

    def _serve(self) -> None:
        while True:
            rotation, work = self._queue.get()
            try:
                with MOTO_LOCK.held():
                    work()
            except Exception as exc:  # noqa: BLE001  the worker must outlive any one rotation
                rotation.outcome = "failed"
                rotation.error = f"sandbox error: {type(exc).__name__}: {exc}"
            finally:
                if rotation.outcome is None:
                    rotation.outcome = "succeeded"
                rotation.done.set()
                self._queue.task_done()

    def latest(self, secret_id: str) -> Rotation | None:
        """The most recent rotation of the secret with this ARN or name."""
        with self._lock:
            for rotation in reversed(self._history):
                if secret_id in {rotation.secret_arn, rotation.secret_name}:
                    return rotation
        return None

    def wait_idle(self) -> None:
        """Until every rotation started so far has finished."""
        self._queue.join()


ROTATIONS = Rotations()
os.register_at_fork(after_in_child=ROTATIONS.after_fork)


def step_event(secret: Any, step: str, token: str) -> dict[str, str]:
    """The event Secrets Manager invokes the function with for one step of a rotation.

    The service passes the secret's ARN as SecretId (moto passes its name).
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
    """
    return {"Step": step, "SecretId": secret.arn, "ClientRequestToken": token}


def invoke_through_lambda(secret: Any, lambda_arn: str, step: str, token: str) -> str | None:
    """Invoke the function for one step, as Secrets Manager does; the error text if it failed."""
    from moto.awslambda.utils import get_backend  # noqa: PLC0415

    lambda_backend = get_backend(secret.account_id, secret.region)
    response_headers: dict[str, Any] = {}
    body = json.dumps(step_event(secret, step, token))
    payload = lambda_backend.invoke(
        lambda_arn, qualifier=None, body=body, headers={}, response_headers=response_headers
    )
    if "x-amz-function-error" not in response_headers:
        return None
    try:
        error = json.loads(payload or b"{}")
    except ValueError:
        error = {}
    return f"{error.get('errorType', 'Error')}: {error.get('errorMessage', payload)}"


# How the worker runs a step: the sandbox invokes the deployed function; an in-process model
# (tests, moto's mock_aws) may put a direct call to a handler here instead.
step_invoker: StepInvoker = invoke_through_lambda


def emit_event(secret: Any, name: str, error_message: str | None = None) -> None:
    """Put Secrets Manager's CloudTrail service event for the secret on the default bus.

    The shape is the one AWS documents for rotation events (tests/events/rotation_failed_event.json
    is a recorded one): source aws.secretsmanager, detail-type "AWS Service Event via CloudTrail",
    detail.eventName, detail.additionalEventData.SecretId and, for failures, detail.errorMessage.
    """
    from moto.events.models import events_backends  # noqa: PLC0415

    stamp = datetime.fromtimestamp(CLOCK.now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    detail: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {"accountId": secret.account_id, "invokedBy": SECRETS_MANAGER},
        "eventTime": stamp,
        "eventSource": SECRETS_MANAGER,
        "eventName": name,
        "awsRegion": secret.region,
        "sourceIPAddress": SECRETS_MANAGER,
        "userAgent": SECRETS_MANAGER,
        "requestParameters": None,
        "responseElements": None,
        "additionalEventData": {"SecretId": secret.arn},
        "requestID": f"Rotation-{secret.arn}-{uuid.uuid4()}",
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsServiceEvent",
        "managementEvent": True,
        "recipientAccountId": secret.account_id,
        "eventCategory": "Management",
    }
    if error_message is not None:
        detail["errorMessage"] = error_message
    events_backends[secret.account_id][secret.region].put_events(
        [
            {
                "Source": EVENT_SOURCE,
                "DetailType": EVENT_DETAIL_TYPE,
                "Detail": json.dumps(detail),
                "Resources": [],
                "Time": CLOCK.now(),
            }
        ]
    )


def remove_outdated_versions(secret: Any) -> list[str]:
    """The service's housekeeping: above 100 versions, drop unlabelled ones at least a day old.

    Oldest first, down to 100 (the quotas page says when versions go, not how many; the sandbox
    removes no more than it must). The service "removes outdated versions" when a new version is
    written, so the sandbox runs this after PutSecretValue, UpdateSecret and each rotation.
    """
    excess = len(secret.versions) - MAX_VERSIONS
    if excess <= 0:
        return []
    cutoff = CLOCK.now() - MIN_VERSION_AGE_S
    # Creation dates are whole seconds; the order the versions were written breaks ties.
    outdated = sorted(
        (version["createdate"], order, version_id)
        for order, (version_id, version) in enumerate(secret.versions.items())
        if not version["version_stages"] and version["createdate"] <= cutoff
    )
    removed = [version_id for _, _, version_id in outdated[:excess]]
    for version_id in removed:
        del secret.versions[version_id]
    return removed


def _all_secrets() -> list[tuple[Any, Any]]:
    """(backend, secret) for every primary secret in every account and region."""
    from moto.secretsmanager.models import FakeSecret, secretsmanager_backends  # noqa: PLC0415

    found = []
    for regions in list(secretsmanager_backends.values()):
        for backend in list(regions.values()):
            for secret in list(backend.secrets.values()):
                if isinstance(secret, FakeSecret):
                    found.append((backend, secret))
    return found


def _schedule_next(secret: Any, after: float) -> None:
    """Set the next window from the stored rules ("schedules the next rotation when the previous
    one is complete", counted from this rotation's start)."""
    rules = getattr(secret, "sandbox_schedule", None)
    if rules is None:
        secret.sandbox_next_window = None
        secret.next_rotation_date = None
        return
    secret.sandbox_next_window = rules.next_window(after)
    secret.next_rotation_date = int(secret.sandbox_next_window)


def _rotate(secret: Any, lambda_arn: str, rotation: Rotation) -> None:
    """The worker's part of a rotation: the four steps, then the service's bookkeeping."""
    failed = None
    emit_event(secret, "RotationStarted")
    for step in STEPS:
        error = step_invoker(secret, lambda_arn, step, rotation.token)
        if error is not None:
            failed = step
            rotation.step, rotation.error = step, error
            break
    if failed is None and _version_with(secret, CURRENT) == rotation.token:
        # "When rotation is successful, the AWSPENDING staging label might be attached to the
        # same version as the AWSCURRENT version, or it might not be attached to any version":
        # the service removes it (AWS's templates leave it on the new AWSCURRENT version).
        secret.remove_version_stages_from_old_versions([PENDING])
        secret.last_rotation_date = int(CLOCK.now())
        rotation.outcome = "succeeded"
        emit_event(secret, "RotationSucceeded")
    else:
        # "When rotation is unsuccessful, the AWSPENDING staging label might be attached to an
        # empty secret version": the service leaves the versions as the failed step left them,
        # and AWSCURRENT where it was.
        rotation.outcome = "failed"
        if failed is None:
            failed = rotation.step = "finishSecret"
            rotation.error = "finishSecret returned without moving AWSCURRENT to the new version"
        emit_event(
            secret,
            "RotationFailed",
            f"Error when executing lambda {lambda_arn} during {failed} step",
        )
    remove_outdated_versions(secret)


def _test_rotation(secret: Any, lambda_arn: str, rotation: Rotation) -> None:
    """The worker's part of RotateImmediately=false: testSecret on a temporary AWSPENDING version.

    "Secrets Manager tests the rotation configuration by running the testSecret step of the
    Lambda rotation function. The test creates an AWSPENDING version of the secret and then
    removes it." (API_RotateSecret, RotateImmediately)
    """
    try:
        error = step_invoker(secret, lambda_arn, "testSecret", rotation.token)
    finally:
        version = secret.versions.get(rotation.token)
        if version is not None and CURRENT not in version["version_stages"]:
            del secret.versions[rotation.token]
    if error is None:
        rotation.outcome = "succeeded"
        return
    rotation.outcome, rotation.step, rotation.error = "failed", "testSecret", error
    emit_event(
        secret, "RotationFailed", f"Error when executing lambda {lambda_arn} during testSecret step"
    )


def start_rotation(
    secret: Any, lambda_arn: str, token: str | None = None, *, test_only: bool = False
) -> Rotation:
    """Stage the rotation's version and hand the steps to the worker (RotateSecret's own path).

    ``token`` None: a new version with a fresh id. An existing AWSPENDING version's id: the
    service's reattempt of an unfinished rotation, which reuses that version.
    """
    now = CLOCK.now()
    current = _version_with(secret, CURRENT)
    pending = _version_with(secret, PENDING)
    if token is None or token not in secret.versions:
        token = token or str(uuid.uuid4())
        if pending is not None:
            # Only reached when AWSPENDING shares the AWSCURRENT version (a finished rotation
            # that AWS's templates leave so); the new rotation moves the label.
            secret.versions[pending]["version_stages"].remove(PENDING)
        version: dict[str, Any] = {"createdate": int(now), "version_id": token}
        version["version_stages"] = [PENDING]
        if test_only and current is not None:
            # The test's AWSPENDING version holds a copy of the current value. testSecret needs a
            # value to test (the rotator fails a value-less version: "createSecret has not stored
            # one"), and the current value is the one that works on the database or service now:
            # testSecret then proves the function can reach it and log in, without changing
            # anything. A new random value would fail every testSecret that logs in.
            for key in ("secret_string", "secret_binary"):
                if key in secret.versions[current]:
                    version[key] = secret.versions[current][key]
        secret.versions[token] = version
    rotation = Rotation(
        secret_arn=secret.arn,
        secret_name=secret.name,
        token=token,
        started_at=now,
        test_only=test_only,
    )
    if not test_only:
        _schedule_next(secret, now)
    run = _test_rotation if test_only else _rotate
    ROTATIONS.submit(rotation, lambda: run(secret, lambda_arn, rotation))
    return rotation


def advance_clock(seconds: float) -> list[dict[str, Any]]:
    """Move the sandbox clock ``seconds`` ahead, running every rotation window on the way.

    Window by window in time order: set the clock to the window's start, start the rotation as
    RotateSecret would, wait for it, go on. A secret whose previous rotation did not finish gets
    that rotation reattempted with the same version ("That rotation will be reattempted").
    Rotations already running finish first. Returns one dict per rotation run.
    """
    ROTATIONS.wait_idle()
    target = CLOCK.now() + max(0.0, float(seconds))
    ran: list[dict[str, Any]] = []
    while True:
        with MOTO_LOCK.held():
            due = [
                (secret.sandbox_next_window, index, secret)
                for index, (_, secret) in enumerate(_all_secrets())
                if secret.rotation_enabled
                and not secret.is_deleted()
                and secret.rotation_lambda_arn
                and getattr(secret, "sandbox_next_window", None) is not None
                and secret.sandbox_next_window <= target
            ]
            if not due:
                break
            window, _, secret = min(due, key=lambda item: (item[0], item[1]))
            CLOCK.advance_to(window)
            current, pending = _version_with(secret, CURRENT), _version_with(secret, PENDING)
            retry = pending if pending is not None and pending != current else None
            rotation = start_rotation(secret, secret.rotation_lambda_arn, retry)
        rotation.done.wait()
        ran.append(rotation.as_dict())
    CLOCK.advance_to(target)
    return ran


def reattempt(secret_id: str) -> Rotation:
    """The service's reattempt of a rotation that did not finish, now instead of at the next window.

    As ``advance_clock`` does when a window opens: the steps run again from createSecret with the
    version (token) the unfinished rotation staged, AWSCURRENT where it was. The clock does not
    move. ValueError when the secret has no unfinished rotation (AWSPENDING absent, or on the
    AWSCURRENT version).
    """
    with MOTO_LOCK.held():
        found = [
            secret
            for _, secret in _all_secrets()
            if secret_id in {secret.arn, secret.name} and not secret.is_deleted()
        ]
        if not found:
            raise ValueError(f"no secret {secret_id}")
        secret = found[0]
        current, pending = _version_with(secret, CURRENT), _version_with(secret, PENDING)
        if pending is None or pending == current or not secret.rotation_lambda_arn:
            raise ValueError(
                f"secret {secret_id} has no unfinished rotation to reattempt (AWSPENDING is "
                "absent or on the AWSCURRENT version)"
            )
        return start_rotation(secret, secret.rotation_lambda_arn, pending)


def wait_for_rotation(secret_id: str, timeout: float = 60.0) -> dict[str, Any] | None:
    """The most recent rotation of the secret once it has finished (None: there is none)."""
    rotation = ROTATIONS.latest(secret_id)
    if rotation is None:
        return None
    rotation.done.wait(timeout)
    return rotation.as_dict()


class _SandboxTime:
    """Stands in for the ``time`` module inside moto's Secrets Manager model."""

    @staticmethod
    def time() -> float:
        return CLOCK.now()


# (object, attribute, original value) for every patch install() made, so uninstall() can undo it.
_ORIGINALS: list[tuple[Any, str, Any]] = []


def _between_store_and_answer(name: str) -> None:
    """Runs after moto has stored a new secret and before CreateSecret answers.

    Nothing happens here; a test replaces it to hold a request at that moment, where a resent
    request once found the secret without its token (test_sandbox_create_idempotency.py).
    """
    del name


def _patch(target: Any, name: str, value: Any) -> None:
    _ORIGINALS.append((target, name, getattr(target, name)))
    setattr(target, name, value)


def uninstall() -> None:
    """Put moto back as it was (for in-process use, where other tests expect plain moto)."""
    ROTATIONS.wait_idle()
    while _ORIGINALS:
        target, name, original = _ORIGINALS.pop()
        setattr(target, name, original)


@contextmanager
def installed(invoker: StepInvoker | None = None) -> Iterator[None]:
    """The service's rules on moto inside this process (moto's ``mock_aws``), then plain moto.

    ``invoker`` runs a step instead of invoking a deployed function (moto runs Lambda code only in
    Docker): ``invoker(secret, lambda_arn, step, token)`` returns None or the error text. Rotations
    still run on the worker thread, after RotateSecret answers; ``wait_for_rotation`` waits.
    """
    global step_invoker  # noqa: PLW0603  the one switch between the sandbox and in-process use
    previous = step_invoker
    install()
    if invoker is not None:
        step_invoker = invoker
    try:
        yield
    finally:
        uninstall()
        step_invoker = previous


def _access_denied(message: str) -> Exception:
    from moto.secretsmanager.exceptions import SecretsManagerClientError  # noqa: PLC0415

    return SecretsManagerClientError("AccessDeniedException", message)


def check_invoke_permission(secret: Any, function: Any) -> None:
    """Secrets Manager may invoke the function only if its resource policy allows it.

    moto never checks. The service answers AccessDeniedException ("Secrets Manager cannot
    invoke the specified Lambda function"); the policy must allow lambda:InvokeFunction to
    the principal secretsmanager.amazonaws.com, under its SourceAccount/SourceArn conditions.
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
    """
    statements = list(function.policy.statements)
    context = {"aws:SourceAccount": secret.account_id, "aws:SourceArn": secret.arn}
    relevant = [s for s in statements if policy.principal_matches(s, SECRETS_MANAGER)]
    decision = policy.evaluate(
        [{"Statement": relevant}], "lambda:InvokeFunction", function.function_arn, context
    )
    if decision is not policy.Decision.ALLOW:
        raise _access_denied(
            "Secrets Manager cannot invoke the specified Lambda function. Ensure that the "
            "function policy grants access to the principal secretsmanager.amazonaws.com."
        )


def _parsed_rules(rotation_rules: dict[str, Any] | None) -> schedule.Schedule | None:
    """RotationRules checked as RotateSecret checks them (InvalidParameterException)."""
    from moto.secretsmanager.exceptions import InvalidParameterException  # noqa: PLC0415

    if not rotation_rules:
        return None
    days = rotation_rules.get("AutomaticallyAfterDays")
    if days is not None and not 1 <= int(days) <= 1000:
        raise InvalidParameterException(
            "RotationRules.AutomaticallyAfterDays must be within 1-1000."
        )
    try:
        return schedule.parse(rotation_rules)
    except schedule.ScheduleError as exc:
        raise InvalidParameterException(str(exc)) from exc


def _clock_dates() -> None:
    """Every date the model writes (CreatedDate, LastChangedDate, ...) comes from the clock."""
    from moto.secretsmanager import models  # noqa: PLC0415

    _patch(models, "time", _SandboxTime)  # replaces the module moto imported


def _rotate_secret_as_the_service_does() -> None:
    """RotateSecret: the service's checks in order, then the steps run after it answers."""
    from moto.awslambda.utils import get_backend  # noqa: PLC0415
    from moto.secretsmanager import models  # noqa: PLC0415
    from moto.secretsmanager.exceptions import (  # noqa: PLC0415
        InvalidParameterException,
        InvalidRequestException,
        OperationNotPermittedOnReplica,
        ResourceNotFoundException,
        SecretNotFoundException,
    )

    def rotate_secret(  # noqa: PLR0917  moto's signature
        self: Any,
        secret_id: str,
        client_request_token: str | None = None,
        rotation_lambda_arn: str | None = None,
        rotation_rules: dict[str, Any] | None = None,
        rotate_immediately: bool = True,
    ) -> str:
        if not self._is_valid_identifier(secret_id):
            raise SecretNotFoundException()
        secret = self.secrets[secret_id]
        if isinstance(secret, models.ReplicaSecret):
            raise OperationNotPermittedOnReplica
        if secret.is_deleted():
            raise InvalidRequestException(
                "You can't perform this operation on the secret because it was marked for deletion."
            )
        if rotation_lambda_arn and len(rotation_lambda_arn) > 2048:
            raise InvalidParameterException("RotationLambdaARN must <= 2048 characters long.")
        lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn
        if not lambda_arn:
            # moto promotes a copy of the value without any function; the service refuses.
            raise InvalidRequestException(
                "No Lambda rotation function ARN is associated with this secret."
            )
        rules = _parsed_rules(rotation_rules)
        try:
            function = get_backend(secret.account_id, secret.region).get_function(lambda_arn)
        except Exception as exc:
            raise ResourceNotFoundException(f"Resource not found for ARN '{lambda_arn}'.") from exc
        check_invoke_permission(secret, function)
        if client_request_token:
            self._client_request_token_validator(client_request_token)
            if client_request_token in secret.versions:
                # A retry of a RotateSecret that already started this version (the SDK, or the
                # AWS provider, resends a request whose answer it did not get): the token "helps
                # ensure idempotency. Secrets Manager uses this value to prevent the accidental
                # creation of duplicate versions if there are failures and retries" (RotateSecret,
                # ClientRequestToken). Answer as the first call did; start nothing new.
                # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
                return str(secret.to_short_dict(version_id=client_request_token))
        current = _version_with(secret, CURRENT)
        pending = _version_with(secret, PENDING)
        if pending is not None and pending != current:
            # A rotation that did not finish (or is running now). moto resumed nothing either;
            # the service refuses, configuration changes included, until it is reattempted
            # (at the next window, see advance_clock) or an operator removes AWSPENDING.
            raise InvalidRequestException(PREVIOUS_ROTATION_INCOMPLETE)

        # The rotation configuration sticks whether or not this rotation succeeds. moto keeps only
        # AutomaticallyAfterDays and drops ScheduleExpression and Duration, so every later plan
        # shows drift; the service stores and returns all three.
        secret.rotation_requested = True
        secret.rotation_enabled = True
        secret.rotation_lambda_arn = lambda_arn
        if rotation_rules:
            secret.auto_rotate_after_days = int(rotation_rules.get("AutomaticallyAfterDays") or 0)
            secret.sandbox_schedule_expression = rotation_rules.get("ScheduleExpression")
            secret.sandbox_duration = rotation_rules.get("Duration")
            secret.sandbox_schedule = rules
        if not rotate_immediately:
            # moto stages a new AWSPENDING version holding a stale copy of the value and leaves
            # it there. The service runs only testSecret, on a version it removes afterwards.
            _schedule_next(secret, CLOCK.now())
            start_rotation(secret, lambda_arn, client_request_token, test_only=True)
            return str(secret.to_short_dict())
        rotation = start_rotation(secret, lambda_arn, client_request_token)
        return str(secret.to_short_dict(version_id=rotation.token))

    _patch(models.SecretsManagerBackend, "rotate_secret", rotate_secret)


def _create_secret_resend_returns_the_secret() -> None:
    """CreateSecret resent with its ClientRequestToken answers as the first call did."""
    from moto.secretsmanager import models  # noqa: PLC0415

    original_create_secret = models.SecretsManagerBackend.create_secret

    def create_secret(  # noqa: PLR0917  moto's signature
        self: Any,
        name: str,
        secret_string: str | None,
        secret_binary: str | None,
        description: str | None,
        tags: Any,
        kms_key_id: str | None,
        client_request_token: str | None,
        *args: Any,
        **kwargs: Any,
    ) -> str:
        # A retry of a CreateSecret whose answer the caller did not get (the AWS provider resends
        # with the same token under load). The token "helps ensure idempotency" (CreateSecret,
        # ClientRequestToken); moto honours it only through a version, and a secret created
        # without a value (as the modules create theirs) has none, so moto answers "already
        # exists". Answer as the first call did.
        # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
        # Under moto's lock (the server already holds it for the request; in process it is taken
        # here): a resent request must never see the first one's secret before the first one has
        # recorded its token.
        with MOTO_LOCK.held():
            existing = self.secrets.get(name) if client_request_token else None
            if (
                existing is not None
                and not existing.is_deleted()
                and getattr(existing, "sandbox_create_token", None) == client_request_token
            ):
                return str(existing.to_short_dict())
            try:
                result: str = original_create_secret(
                    self,
                    name,
                    secret_string,
                    secret_binary,
                    description,
                    tags,
                    kms_key_id,
                    client_request_token,
                    *args,
                    **kwargs,
                )
                _between_store_and_answer(name)
            finally:
                # Recorded even when moto fails after storing the secret: the caller then retries
                # with the same token, and gets the secret rather than "already exists".
                created = self.secrets.get(name)
                if created is not None and created is not existing:
                    created.sandbox_create_token = client_request_token
        return result

    _patch(models.SecretsManagerBackend, "create_secret", create_secret)


def _put_secret_value_same_token_rule() -> None:
    """PutSecretValue fills a version once: same data is a no-op, other data ResourceExists."""
    from moto.secretsmanager import models  # noqa: PLC0415

    backend_cls = models.SecretsManagerBackend
    check = backend_cls._check_with_existing_secrets_and_versions
    _patch(backend_cls, "_check_with_existing_secrets_and_versions", documented_put_check(check))


def _outdated_versions_removed() -> None:
    """Past 100 versions, unlabelled ones older than 24 hours are removed after each write."""
    from moto.secretsmanager import models  # noqa: PLC0415

    backend_cls = models.SecretsManagerBackend
    secret_cls = models.FakeSecret

    def with_housekeeping(original: Callable[..., str]) -> Callable[..., str]:
        def write(self: Any, secret_id: str, *args: Any, **kwargs: Any) -> str:
            result = original(self, secret_id, *args, **kwargs)
            if self._is_valid_identifier(secret_id):
                secret = self.secrets[secret_id]
                if isinstance(secret, secret_cls):
                    remove_outdated_versions(secret)
            return result

        return write

    _patch(backend_cls, "put_secret_value", with_housekeeping(backend_cls.put_secret_value))
    _patch(backend_cls, "update_secret", with_housekeeping(backend_cls.update_secret))


def _new_current_moves_only_its_labels() -> None:
    """A new AWSCURRENT moves AWSCURRENT and AWSPREVIOUS; other labels stay where they are."""
    from moto.secretsmanager import models  # noqa: PLC0415

    def reset_default_version(self: Any, secret_version: dict[str, Any], version_id: str) -> None:
        """A new AWSCURRENT version from PutSecretValue or UpdateSecret: move labels, keep others.

        moto replaces every label of the old AWSCURRENT version with AWSPREVIOUS, so a custom
        label there is lost (and the version becomes unlabelled one write later). The service
        moves only what it says it moves: "If you specify a staging label that's already
        associated with a different version of the same secret, then Secrets Manager removes the
        label from the other version and attaches it to this version", and AWSPREVIOUS goes "to
        the version that AWSCURRENT was removed from" (API_PutSecretValue,
        API_UpdateSecretVersionStage).
        """
        moved = [stage for stage in secret_version["version_stages"] if stage != CURRENT]
        self.remove_version_stages_from_old_versions([*moved, "AWSPREVIOUS"])
        previous = self.default_version_id
        if previous and previous in self.versions and previous != version_id:
            stages = self.versions[previous]["version_stages"]
            if CURRENT in stages:
                stages.remove(CURRENT)
            stages.append("AWSPREVIOUS")
        self.versions[version_id] = secret_version
        self.default_version_id = version_id

    _patch(models.FakeSecret, "reset_default_version", reset_default_version)


def _current_label_is_the_default_version() -> None:
    """Moving AWSCURRENT changes what GetSecretValue returns without a stage."""
    from moto.secretsmanager import models  # noqa: PLC0415

    original_update_stage = models.SecretsManagerBackend.update_secret_version_stage

    def update_secret_version_stage(
        self: Any,
        secret_id: str,
        version_stage: str,
        remove_from_version_id: str,
        move_to_version_id: str,
    ) -> tuple[str, str]:
        # moto moves the AWSCURRENT label but not its "default version" (what GetSecretValue
        # returns without a stage); in the service the two are the same thing.
        result = original_update_stage(
            self, secret_id, version_stage, remove_from_version_id, move_to_version_id
        )
        if version_stage == CURRENT:
            secret = self.secrets[secret_id]
            secret.set_default_version_id(_version_with(secret, CURRENT))
        return result

    _patch(models.SecretsManagerBackend, "update_secret_version_stage", update_secret_version_stage)


def _rotation_rules_kept_whole() -> None:
    """DescribeSecret returns ScheduleExpression and Duration as RotateSecret stored them."""
    from moto.secretsmanager import models  # noqa: PLC0415

    original_to_dict = models.FakeSecret.to_dict

    def to_dict(self: Any) -> dict[str, Any]:
        document: dict[str, Any] = original_to_dict(self)
        if "RotationRules" in document:
            rules: dict[str, Any] = {}
            if self.auto_rotate_after_days:
                rules["AutomaticallyAfterDays"] = self.auto_rotate_after_days
            expression = getattr(self, "sandbox_schedule_expression", None)
            duration = getattr(self, "sandbox_duration", None)
            if expression:
                rules["ScheduleExpression"] = expression
            if duration:
                rules["Duration"] = duration
            document["RotationRules"] = rules
        return document

    _patch(models.FakeSecret, "to_dict", to_dict)


# Where moto differs from the service, one repair each (the docstrings name the behaviour).
SERVICE_RULES: tuple[Callable[[], None], ...] = (
    _clock_dates,
    _rotate_secret_as_the_service_does,
    _create_secret_resend_returns_the_secret,
    _put_secret_value_same_token_rule,
    _outdated_versions_removed,
    _new_current_moves_only_its_labels,
    _current_label_is_the_default_version,
    _rotation_rules_kept_whole,
)


def install() -> None:
    """The service's rules on moto's Secrets Manager model, once per process."""
    if _ORIGINALS:
        return  # already installed
    for rule in SERVICE_RULES:
        rule()
