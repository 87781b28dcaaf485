"""The iam-access-key strategy against moto's IAM and STS, driven by RotateSecret as in AWS.

IAM allows two access keys per user; the strategy deletes the AWSPREVIOUS key (or one no label
points to) to make room, never the AWSCURRENT key, and proves the new key by signing
sts:GetCallerIdentity with it, waiting while a new key is not yet valid.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from rotator_harness import Service

from rotator import context, strategies
from rotator.config import DEFAULT_IAM_USER_SECRET_TAG_KEY
from rotator.errors import PendingValueInvalidError
from rotator.strategies.iam_access_key import (
    IamAccessDeniedError,
    IamAccessKeyShapeError,
    IamAccessKeyStrategy,
    IamCallError,
    IamThrottledError,
    KeyInUseError,
    NewKeyNotWorkingError,
    UserNotBoundError,
)

USER = "ci-deployer"
KEY_ID, SECRET = "AccessKeyId", "SecretAccessKey"


@pytest.fixture
def strategy(
    monkeypatch: pytest.MonkeyPatch, aws: None, slept: list[float]
) -> IamAccessKeyStrategy:
    """The registered strategy with the tests' session (faults go there); ``slept``: its waits."""
    monkeypatch.setenv("ROTATION_STRATEGY", "iam-access-key")
    loaded = strategies.load("iam-access-key")
    assert isinstance(loaded, IamAccessKeyStrategy)
    faults = _FAULTS
    faults.plan.clear()
    monkeypatch.setattr(loaded, "session", _SESSION)
    monkeypatch.setattr(loaded, "_iam", None)
    loaded.slept = slept  # type: ignore[attr-defined]
    loaded.faults = faults  # type: ignore[attr-defined]
    return loaded


@pytest.fixture
def iam(test_clients: dict[str, Any], aws: None) -> Any:
    client = test_clients["iam"]
    client.create_user(UserName=USER)
    client.create_user(UserName="someone-else")
    return client


def keys_of(iam: Any, user: str = USER) -> set[str]:
    return {k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}


def bind(arn: str, user: str = USER) -> str:
    """Tag ``user`` as an administrator would: the user's keys belong to secret ``arn``."""
    _SESSION.client("iam").tag_user(
        UserName=user, Tags=[{"Key": DEFAULT_IAM_USER_SECRET_TAG_KEY, "Value": arn}]
    )
    return arn


def secret(service: Service, key_id: str = "", secret_key: str = "") -> str:
    value = {"UserName": USER, "AccessKeyId": key_id, "SecretAccessKey": secret_key}
    return bind(service.create("ci/deployer", json.dumps({**value, "Note": "kept as is"})))


def current(service: Service, arn: str, stage: str = "AWSCURRENT") -> dict[str, str]:
    value: dict[str, str] = json.loads(service.value(arn, stage))
    return value


def caller(value: dict[str, str]) -> str:
    sts = _SESSION.client(
        "sts",
        aws_access_key_id=value["AccessKeyId"],
        aws_secret_access_key=value["SecretAccessKey"],
        aws_session_token=None,
    )
    arn: str = sts.get_caller_identity()["Arn"]
    return arn


def log_lines(capfd: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capfd.readouterr().out.splitlines() if line.strip()]


def two_keys_older_with_the_larger_id(iam: Any) -> tuple[str, str]:
    """(older, newer) keys of USER made by hand, the older one with the larger id.

    Key ids are random: an order by id would then pick the newer key, an order by creation date
    the older one. Each try has an even chance; the older key is replaced until it holds.
    """
    older = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    for _ in range(40):
        newer = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
        if older > newer:
            return older, newer
        iam.delete_access_key(UserName=USER, AccessKeyId=older)
        older = newer
    raise AssertionError("no two keys with the older one's id the larger in 40 tries")


class Faults:
    """Calls of the strategy's own clients made to fail: {"iam.CreateAccessKey": (code, times)}.

    ``code`` "": an error response without a code or a message.

    Registered on the strategy's session before it creates a client (clients copy the session's
    handlers when they are made); ``times`` None fails every call.
    """

    def __init__(self) -> None:
        self.plan: dict[str, tuple[str, int | None]] = {}

    def fail(self, call: str, code: str, times: int | None = None) -> None:
        self.plan[call] = (code, times)

    def __call__(self, event_name: str, model: Any, **_: Any) -> None:
        call = event_name.removeprefix("before-call.")
        if call not in self.plan:
            return
        code, times = self.plan[call]
        if times is not None:
            if times == 0:
                return
            self.plan[call] = (code, times - 1)
        error = {"Code": code, "Message": "injected"} if code else {}
        raise ClientError({"Error": error}, model.name)


# One session for the module: it caches the service models a new session would load again.
_FAULTS = Faults()
_SESSION = boto3.Session(region_name="us-east-1")
_SESSION.events.register("before-call", _FAULTS)


def test_first_rotation_creates_the_users_first_key_and_keeps_other_fields(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = secret(service)

    service.rotate(arn)

    value = current(service, arn)
    assert keys_of(iam) == {value["AccessKeyId"]}
    assert value["Note"] == "kept as is"
    assert caller(value) == f"arn:aws:iam::123456789012:user/{USER}"
    assert strategy.slept == []  # type: ignore[attr-defined]


def test_previous_key_stays_active_until_the_next_rotation_deletes_it(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = secret(service)
    service.rotate(arn)
    first = current(service, arn)["AccessKeyId"]
    service.rotate(arn)
    second = current(service, arn)["AccessKeyId"]

    assert keys_of(iam) == {first, second}  # clients holding the first key keep working
    assert current(service, arn, "AWSPREVIOUS")["AccessKeyId"] == first

    service.rotate(arn)

    third = current(service, arn)["AccessKeyId"]
    assert keys_of(iam) == {second, third}


def test_two_keys_already_present_deletes_the_unlabelled_one_never_the_current(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    made = iam.create_access_key(UserName=USER)["AccessKey"]
    by_hand = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    arn = secret(service, made["AccessKeyId"], made["SecretAccessKey"])

    service.rotate(arn)

    new = current(service, arn)["AccessKeyId"]
    assert keys_of(iam) == {made["AccessKeyId"], new}
    assert by_hand not in keys_of(iam)


def test_two_keys_with_previous_present_deletes_previous_not_an_older_current(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    """The current key is the oldest: "oldest" alone would pick it; the label decides."""
    arn = secret(service)
    service.rotate(arn)
    service.rotate(arn)
    older, newer = current(service, arn, "AWSPREVIOUS"), current(service, arn)
    # Make the older key current again (a rollback by hand): AWSPREVIOUS now holds the newer one.
    versions = service.stages(arn)
    older_version = next(v for v, s in versions.items() if "AWSPREVIOUS" in s)
    newer_version = next(v for v, s in versions.items() if "AWSCURRENT" in s)
    service.sm.update_secret_version_stage(
        SecretId=arn,
        VersionStage="AWSCURRENT",
        MoveToVersionId=older_version,
        RemoveFromVersionId=newer_version,
    )
    assert current(service, arn, "AWSPREVIOUS")["AccessKeyId"] == newer["AccessKeyId"]

    service.rotate(arn)

    assert older["AccessKeyId"] in keys_of(iam)
    assert newer["AccessKeyId"] not in keys_of(iam)


def test_previous_value_of_another_shape_does_not_block_making_room(
    service: Service,
    strategy: IamAccessKeyStrategy,
    iam: Any,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A secret that held something else before: AWSPREVIOUS is no key pair."""
    made = iam.create_access_key(UserName=USER)["AccessKey"]
    by_hand = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    arn = bind(service.create("ci/converted", "an-old-plain-password"))
    value = {"UserName": USER, **{k: made[k] for k in ("AccessKeyId", "SecretAccessKey")}}
    service.sm.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
    assert service.value(arn, "AWSPREVIOUS") == "an-old-plain-password"

    capfd.readouterr()

    service.rotate(arn)

    assert keys_of(iam) == {made["AccessKeyId"], current(service, arn)["AccessKeyId"]}
    assert by_hand not in keys_of(iam)
    messages = [line["message"] for line in log_lines(capfd)]
    assert "AWSPREVIOUS holds no key pair; choosing the oldest other key" in messages


def test_current_key_deleted_by_hand_is_replaced(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = secret(service)
    service.rotate(arn)
    iam.delete_access_key(UserName=USER, AccessKeyId=current(service, arn)["AccessKeyId"])

    service.rotate(arn)

    value = current(service, arn)
    assert keys_of(iam) == {value["AccessKeyId"]}
    assert caller(value).endswith(f":user/{USER}")


def test_previous_key_deleted_by_hand_needs_no_deletion(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = secret(service)
    service.rotate(arn)
    service.rotate(arn)
    previous = current(service, arn, "AWSPREVIOUS")["AccessKeyId"]
    kept = current(service, arn)["AccessKeyId"]
    iam.delete_access_key(UserName=USER, AccessKeyId=previous)

    service.rotate(arn)

    assert keys_of(iam) == {kept, current(service, arn)["AccessKeyId"]}


def test_iam_throttling_fails_the_step_without_writing_and_a_later_retry_succeeds(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = secret(service)
    service.rotate(arn)
    before = current(service, arn)
    strategy.faults.fail("iam.CreateAccessKey", "Throttling", times=1)  # type: ignore[attr-defined]
    token = service.stage(arn)

    with pytest.raises(IamThrottledError) as raised:
        service.run("createSecret", arn, token)

    assert "iam:CreateAccessKey on user ci-deployer was throttled" in str(raised.value)
    assert "retries the rotation later with the same token" in str(raised.value)
    assert current(service, arn) == before
    with pytest.raises(ClientError):  # the staged version holds no value
        service.sm.get_secret_value(SecretId=arn, VersionId=token)
    assert keys_of(iam) == {before["AccessKeyId"]}

    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        service.run(step, arn, token)

    assert keys_of(iam) == {before["AccessKeyId"], current(service, arn)["AccessKeyId"]}


def test_test_secret_waits_for_a_new_key_to_work(
    service: Service,
    strategy: IamAccessKeyStrategy,
    iam: Any,
    capfd: pytest.CaptureFixture[str],
) -> None:
    strategy.faults.fail("sts.GetCallerIdentity", "InvalidClientTokenId", 2)  # type: ignore[attr-defined]
    arn = secret(service)

    service.rotate(arn)

    assert strategy.slept == [0.5, 1.0]  # type: ignore[attr-defined]
    assert keys_of(iam) == {current(service, arn)["AccessKeyId"]}
    waits = [
        (line["step"], line.get("wait_s"))
        for line in log_lines(capfd)
        if line["message"] == "the new key does not work yet; waiting"
    ]
    assert waits == [("testSecret", 0.5), ("testSecret", 1.0)]


def test_a_key_that_never_works_fails_test_secret_after_the_whole_wait(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    strategy.faults.fail("sts.GetCallerIdentity", "InvalidClientTokenId")  # type: ignore[attr-defined]
    arn = secret(service)

    with pytest.raises(NewKeyNotWorkingError) as raised:
        service.rotate(arn)

    pending = json.loads(service.value(arn, "AWSPENDING"))["AccessKeyId"]
    assert f"with the new key {pending} failed: InvalidClientTokenId" in str(raised.value)
    assert strategy.slept == [0.5, 1.0, 2.0, 4.0, 8.0]  # type: ignore[attr-defined]
    assert sum(strategy.slept) < 20  # type: ignore[attr-defined]  # inside a 30 s timeout
    assert current(service, arn)["AccessKeyId"] == ""


def test_retried_create_secret_in_a_new_container_creates_no_second_key(
    service: Service,
    strategy: IamAccessKeyStrategy,
    iam: Any,
    capfd: pytest.CaptureFixture[str],
) -> None:
    arn = secret(service)
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    context.forget_all()  # a new execution environment: no memo
    capfd.readouterr()

    service.run("createSecret", arn, token)

    pending = json.loads(service.sm.get_secret_value(SecretId=arn, VersionId=token)["SecretString"])
    assert keys_of(iam) == {pending["AccessKeyId"]}
    messages = [line["message"] for line in log_lines(capfd)]
    assert "the pending key was created by an earlier attempt; keeping it" in messages
    assert "created an access key" not in messages


def test_pending_key_of_another_user_fails_test_secret(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = secret(service)
    token = service.stage(arn)
    other = iam.create_access_key(UserName="someone-else")["AccessKey"]
    service.sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(
            {
                "UserName": USER,
                "AccessKeyId": other["AccessKeyId"],
                "SecretAccessKey": other["SecretAccessKey"],
            }
        ),
        VersionStages=["AWSPENDING"],
    )

    with pytest.raises(PendingValueInvalidError) as raised:
        service.run("testSecret", arn, token)

    assert "user/someone-else, not as user ci-deployer" in str(raised.value)
    assert "Set UserName to the key's user, or store a key of ci-deployer" in str(raised.value)


def test_pending_key_deleted_by_hand_fails_set_secret(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = secret(service)
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    pending = json.loads(service.sm.get_secret_value(SecretId=arn, VersionId=token)["SecretString"])
    iam.delete_access_key(UserName=USER, AccessKeyId=pending["AccessKeyId"])

    with pytest.raises(PendingValueInvalidError) as raised:
        service.run("setSecret", arn, token)

    assert "no longer exists on user ci-deployer" in str(raised.value)
    assert str(raised.value).endswith(
        ". Remove AWSPENDING from that version and start a new rotation"
    )


@pytest.mark.parametrize(
    ("value", "mentions"),
    [
        ({"AccessKeyId": "", "SecretAccessKey": ""}, 'no non-empty string under "UserName"'),
        ({"UserName": USER, "AccessKeyId": 7}, 'non-string under "AccessKeyId"'),
        (["not", "an", "object"], "JSON but not an object"),
    ],
)
def test_secret_without_a_user_name_is_refused_before_any_key_is_made(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, value: Any, mentions: str
) -> None:
    arn = service.create("ci/bad", json.dumps(value))

    with pytest.raises(IamAccessKeyShapeError) as raised:
        service.rotate(arn)

    assert mentions in str(raised.value)
    assert 'Store a JSON object with "UserName"' in str(raised.value)
    assert keys_of(iam) == set()


def test_a_current_value_that_is_not_json_is_refused_naming_awscurrent(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = service.create("ci/plain", "not-a-key-pair")

    with pytest.raises(IamAccessKeyShapeError) as raised:
        service.rotate(arn)

    assert "AWSCURRENT is not JSON (error at position 0)" in str(raised.value)
    assert keys_of(iam) == set()


def test_a_secret_with_only_the_user_name_gets_both_key_fields_and_no_other(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = bind(service.create("ci/bare", json.dumps({"UserName": USER})))

    service.rotate(arn)

    value = current(service, arn)
    assert set(value) == {"UserName", "AccessKeyId", "SecretAccessKey"}
    assert keys_of(iam) == {value["AccessKeyId"]}


def test_no_secret_access_key_in_any_output_at_debug(
    service: Service,
    strategy: IamAccessKeyStrategy,
    iam: Any,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    arn = secret(service)

    service.rotate(arn)
    service.rotate(arn)

    out = capfd.readouterr()
    secrets = [current(service, arn)["SecretAccessKey"], current(service, arn, "AWSPREVIOUS")]
    secrets[1] = json.loads(service.value(arn, "AWSPREVIOUS"))["SecretAccessKey"]
    assert '"created an access key"' in out.out
    assert not [s for s in secrets if s in out.out + out.err]


def test_with_the_current_key_gone_the_previous_key_is_deleted_not_the_oldest(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    """AWSCURRENT's key is not on the user: both keys are candidates, and the label decides."""
    unlabelled = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    labelled = iam.create_access_key(UserName=USER)["AccessKey"]
    arn = secret(service, labelled["AccessKeyId"], labelled["SecretAccessKey"])
    empty = {"UserName": USER, "AccessKeyId": "", "SecretAccessKey": ""}
    service.sm.put_secret_value(SecretId=arn, SecretString=json.dumps(empty))
    assert current(service, arn, "AWSPREVIOUS")["AccessKeyId"] == labelled["AccessKeyId"]

    service.rotate(arn)

    assert keys_of(iam) == {unlabelled, current(service, arn)["AccessKeyId"]}


def test_with_no_labelled_key_on_the_user_the_oldest_one_is_deleted(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    older, newer = two_keys_older_with_the_larger_id(iam)
    arn = secret(service)  # no key yet in the secret, no AWSPREVIOUS

    service.rotate(arn)

    assert keys_of(iam) == {newer, current(service, arn)["AccessKeyId"]}
    assert older not in keys_of(iam)


def test_a_user_with_a_path_rotates(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    """The caller ARN is arn:aws:iam::<account>:user/<path>/<name>: the name is what is checked."""
    iam.create_user(UserName="deployer", Path="/team/ci/")
    arn = service.create(
        "ci/pathed", json.dumps({"UserName": "deployer", "AccessKeyId": "", "SecretAccessKey": ""})
    )
    bind(arn, "deployer")

    service.rotate(arn)

    value = current(service, arn)
    assert caller(value) == "arn:aws:iam::123456789012:user/team/ci/deployer"
    assert keys_of(iam, "deployer") == {value["AccessKeyId"]}


@pytest.mark.parametrize("step", ["setSecret", "testSecret"])
def test_a_pending_value_that_is_not_a_key_pair_is_refused_naming_awspending(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, step: str
) -> None:
    arn = secret(service)
    token = service.stage(arn)
    service.sm.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString="{", VersionStages=["AWSPENDING"]
    )

    with pytest.raises(IamAccessKeyShapeError) as raised:
        service.run(step, arn, token)

    assert "AWSPENDING is not JSON" in str(raised.value)
    assert keys_of(iam) == set()


def test_sts_unreachable_fails_test_secret_after_three_attempts_with_what_failed(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    attempts: list[str] = []

    def unreachable(request: Any, **_: Any) -> None:
        attempts.append(request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    _SESSION.events.register_first("before-send.sts.GetCallerIdentity", unreachable)
    arn = secret(service)
    try:
        with pytest.raises(IamCallError) as raised:
            service.rotate(arn)
    finally:
        _SESSION.events.unregister("before-send.sts.GetCallerIdentity", unreachable)

    assert len(attempts) == 3, "the first attempt and two retries, no more"
    assert "sts:GetCallerIdentity failed: EndpointConnectionError" in str(raised.value)
    assert current(service, arn)["AccessKeyId"] == ""


def test_an_sts_error_without_a_code_is_reported_as_unknown(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    strategy.faults.fail("sts.GetCallerIdentity", "")  # type: ignore[attr-defined]
    arn = secret(service)

    with pytest.raises(IamCallError) as raised:
        service.rotate(arn)

    assert "sts:GetCallerIdentity failed: Unknown" in str(raised.value)
    assert strategy.slept == []  # type: ignore[attr-defined]  # not a key still propagating


def test_create_secret_logs_the_key_it_deleted_and_the_key_it_created(
    service: Service,
    strategy: IamAccessKeyStrategy,
    iam: Any,
    capfd: pytest.CaptureFixture[str],
) -> None:
    made = iam.create_access_key(UserName=USER)["AccessKey"]
    by_hand = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    arn = secret(service, made["AccessKeyId"], made["SecretAccessKey"])
    capfd.readouterr()

    service.rotate(arn)

    lines = log_lines(capfd)
    said = {line["message"]: line.get("access_key_id") for line in lines if "access_key_id" in line}
    assert said == {
        "deleted an access key to make room": by_hand,
        "created an access key": current(service, arn)["AccessKeyId"],
    }


def test_the_key_to_delete_is_named_with_its_user(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    """DeleteAccessKey without UserName acts on the user "based on the access key ID signing the
    request" (IAM API reference): the function's role, not the secret's user."""
    made = iam.create_access_key(UserName=USER)["AccessKey"]
    by_hand = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    arn = secret(service, made["AccessKeyId"], made["SecretAccessKey"])
    deletes: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        deletes.append(dict(params))

    _SESSION.events.register("before-parameter-build.iam.DeleteAccessKey", record)
    try:
        service.rotate(arn)
    finally:
        _SESSION.events.unregister("before-parameter-build.iam.DeleteAccessKey", record)

    assert deletes == [{"UserName": USER, "AccessKeyId": by_hand}]


def test_the_strategy_as_the_function_loads_it_makes_its_clients_itself(
    service: Service, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No session injected: the clients come from boto3's default session, as in Lambda."""
    monkeypatch.setenv("ROTATION_STRATEGY", "iam-access-key")
    arn = secret(service)

    service.rotate(arn)

    assert keys_of(iam) == {current(service, arn)["AccessKeyId"]}


@pytest.mark.parametrize(
    "case",
    [
        (
            "ListAccessKeys",
            "AccessDenied",
            IamAccessDeniedError,
            "iam:ListAccessKeys on user ci-deployer was denied: injected",
        ),
        ("CreateAccessKey", "AccessDeniedException", IamAccessDeniedError, "iam:CreateAccessKey"),
        ("CreateAccessKey", "ThrottlingException", IamThrottledError, "was throttled"),
        ("CreateAccessKey", "RequestLimitExceeded", IamThrottledError, "was throttled"),
        (
            "ListAccessKeys",
            "NoSuchEntity",
            IamCallError,
            "iam:ListAccessKeys: user ci-deployer does not exist. Set UserName in the secret to "
            "an existing IAM user's name",
        ),
        (
            "CreateAccessKey",
            "LimitExceeded",
            IamCallError,
            "iam:CreateAccessKey on user ci-deployer failed: LimitExceeded: injected",
        ),
        ("CreateAccessKey", "", IamCallError, "ci-deployer failed: Unknown: . See the error code"),
    ],
)
def test_an_iam_error_fails_create_secret_with_the_call_and_what_to_do(
    service: Service,
    strategy: IamAccessKeyStrategy,
    iam: Any,
    case: tuple[str, str, type[Exception], str],
) -> None:
    """(IAM call, error code, the step's error, what it says): "" is an error without a code."""
    call, code, error, says = case
    strategy.faults.fail(f"iam.{call}", code)  # type: ignore[attr-defined]
    arn = secret(service)

    with pytest.raises(IamCallError) as raised:
        service.rotate(arn)

    assert type(raised.value) is error
    assert says in str(raised.value)
    assert keys_of(iam) == set()
    assert current(service, arn)["AccessKeyId"] == ""


def test_a_denied_deletion_names_delete_access_key(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    made = iam.create_access_key(UserName=USER)["AccessKey"]
    iam.create_access_key(UserName=USER)
    arn = secret(service, made["AccessKeyId"], made["SecretAccessKey"])
    strategy.faults.fail("iam.DeleteAccessKey", "AccessDenied")  # type: ignore[attr-defined]

    with pytest.raises(IamAccessDeniedError) as raised:
        service.rotate(arn)

    assert "iam:DeleteAccessKey on user ci-deployer was denied" in str(raised.value)
    assert "iam:GetAccessKeyLastUsed, iam:CreateAccessKey and iam:DeleteAccessKey" in str(
        raised.value
    )
    assert len(keys_of(iam)) == 2


# ---- binding of secret to user (issue 19, item 1) ------------------------------------------------


def _moto_key(access_key_id: str) -> Any:
    from moto.iam.models import iam_backends  # noqa: PLC0415  only these tests reach into moto

    return iam_backends["123456789012"]["aws"].access_keys[access_key_id]


def test_a_user_name_the_secret_writer_chose_is_refused_and_nothing_changes(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    """The attack: write {"UserName": <victim>} into one's own secret and rotate."""
    victim_keys = {
        iam.create_access_key(UserName="someone-else")["AccessKey"]["AccessKeyId"] for _ in range(2)
    }
    arn = secret(service)  # bound to ci-deployer by its tag
    service.sm.put_secret_value(
        SecretId=arn,
        SecretString=json.dumps(
            {"UserName": "someone-else", "AccessKeyId": "", "SecretAccessKey": ""}
        ),
    )

    with pytest.raises(UserNotBoundError) as raised:
        service.rotate(arn)

    assert "AWSCURRENT names IAM user 'someone-else' but AWSPREVIOUS names 'ci-deployer'" in str(
        raised.value
    )
    assert "Nothing was created or deleted" in str(raised.value)
    assert keys_of(iam, "someone-else") == victim_keys


def test_a_user_without_the_tag_naming_the_secret_is_refused_before_any_key_call(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    made = iam.create_access_key(UserName="someone-else")["AccessKey"]["AccessKeyId"]
    arn = service.create(
        "ci/stolen",
        json.dumps({"UserName": "someone-else", "AccessKeyId": "", "SecretAccessKey": ""}),
    )

    with pytest.raises(UserNotBoundError) as raised:
        service.rotate(arn)

    assert "IAM user 'someone-else' has no tag 'rotation-secret-arn'" in str(raised.value)
    assert keys_of(iam, "someone-else") == {made}


def test_two_secrets_naming_one_user_only_the_tagged_one_rotates(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    first = secret(service)
    second = service.create(
        "ci/second", json.dumps({"UserName": USER, "AccessKeyId": "", "SecretAccessKey": ""})
    )
    service.rotate(first)
    before = keys_of(iam)

    with pytest.raises(UserNotBoundError) as raised:
        service.rotate(second)

    assert f"IAM user 'ci-deployer' is bound to secret {first}" in str(raised.value)
    assert keys_of(iam) == before


def test_the_tag_key_comes_from_the_function_configuration(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IAM_USER_SECRET_TAG_KEY", "team:secret")
    arn = secret(service)  # tagged with the default key only
    token = service.stage(arn)

    with pytest.raises(UserNotBoundError, match="has no tag 'team:secret'"):
        service.run("createSecret", arn, token)
    iam.tag_user(UserName=USER, Tags=[{"Key": "team:secret", "Value": arn}])
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        service.run(step, arn, token)

    assert keys_of(iam) == {current(service, arn)["AccessKeyId"]}


@pytest.mark.parametrize("step", ["setSecret", "testSecret"])
def test_a_pending_value_for_another_user_is_refused(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, step: str
) -> None:
    arn = secret(service)
    token = service.stage(arn)
    other = iam.create_access_key(UserName="someone-else")["AccessKey"]
    pending = {"UserName": "someone-else", **{k: other[k] for k in (KEY_ID, SECRET)}}
    service.sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(pending),
        VersionStages=["AWSPENDING"],
    )

    with pytest.raises(UserNotBoundError, match="AWSPENDING names IAM user 'someone-else'"):
        service.run(step, arn, token)


def test_an_unlabelled_key_made_after_the_last_rotation_blocks_it_naming_the_key(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    arn = secret(service)
    service.rotate(arn)  # AWSPREVIOUS now holds no key (the secret started without one)
    by_hand = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    # Made a minute after AWSCURRENT was stored (moto's clock would put both in one second).
    key = _moto_key(by_hand)
    key.create_date = key.create_date + datetime.timedelta(minutes=1)
    before = keys_of(iam)
    with pytest.raises(KeyInUseError) as raised:
        service.rotate(arn)

    assert f"access key {by_hand} of user 'ci-deployer'" in str(raised.value)
    assert "created after AWSCURRENT was stored" in str(raised.value)
    assert keys_of(iam) == before


def test_an_unlabelled_key_used_since_the_last_rotation_blocks_it(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    from moto.iam.models import AccessKeyLastUsed  # noqa: PLC0415

    by_hand = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    made = iam.create_access_key(UserName=USER)["AccessKey"]
    arn = secret(service, made["AccessKeyId"], made["SecretAccessKey"])
    used_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)
    _moto_key(by_hand).last_used = AccessKeyLastUsed(
        timestamp=used_at, service="s3", region="us-east-1"
    )

    with pytest.raises(KeyInUseError) as raised:
        service.rotate(arn)

    assert f"access key {by_hand} of user 'ci-deployer'" in str(raised.value)
    assert "was used at" in str(raised.value)
    assert keys_of(iam) == {by_hand, made["AccessKeyId"]}


def test_an_unlabelled_key_unused_since_before_the_last_rotation_is_deleted(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any
) -> None:
    from moto.iam.models import AccessKeyLastUsed  # noqa: PLC0415

    by_hand = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    made = iam.create_access_key(UserName=USER)["AccessKey"]
    used_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    _moto_key(by_hand).last_used = AccessKeyLastUsed(
        timestamp=used_at, service="s3", region="us-east-1"
    )
    arn = secret(service, made["AccessKeyId"], made["SecretAccessKey"])

    service.rotate(arn)

    assert by_hand not in keys_of(iam)


# ---- the binding from the function's configuration (IAM_USER_BINDINGS) ----------------------


def configured_secret(service: Service, monkeypatch: pytest.MonkeyPatch, user: str = USER) -> str:
    """A secret naming USER, bound to ``user`` by the function's configuration, no tag set."""
    arn = service.create(
        "ci/configured",
        json.dumps({"UserName": USER, "AccessKeyId": "", "SecretAccessKey": ""}),
    )
    monkeypatch.setenv("IAM_USER_BINDINGS", json.dumps({arn: user}))
    return arn


def test_a_secret_bound_by_the_configuration_rotates_without_a_tag(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = configured_secret(service, monkeypatch)
    assert iam.list_user_tags(UserName=USER)["Tags"] == []

    service.rotate(arn)

    value = current(service, arn)
    assert keys_of(iam) == {value["AccessKeyId"]}
    assert caller(value) == f"arn:aws:iam::123456789012:user/{USER}"


def test_the_configuration_wins_where_the_tag_rule_refuses_and_agrees_with_a_same_tag(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same untagged secret: refused by the tag rule alone, rotated once configured; a
    later tag naming the same secret is no contradiction."""
    arn = configured_secret(service, monkeypatch)
    token = service.stage(arn)
    monkeypatch.delenv("IAM_USER_BINDINGS")
    with pytest.raises(UserNotBoundError, match="has no tag 'rotation-secret-arn'"):
        service.run("createSecret", arn, token)
    assert keys_of(iam) == set()

    monkeypatch.setenv("IAM_USER_BINDINGS", json.dumps({arn: USER}))
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        service.run(step, arn, token)
    first = current(service, arn)["AccessKeyId"]
    bind(arn)
    service.rotate(arn)

    assert keys_of(iam) == {first, current(service, arn)["AccessKeyId"]}


def test_a_tag_naming_another_secret_contradicts_the_configuration_and_is_refused(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = configured_secret(service, monkeypatch)
    other = bind("arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/other-AbCdEf")

    with pytest.raises(UserNotBoundError) as raised:
        service.rotate(arn)

    assert f"IAM user 'ci-deployer' is bound to secret {other} by its tag" in str(raised.value)
    assert "IAM_USER_BINDINGS" in str(raised.value)
    assert "Nothing was created or deleted" in str(raised.value)
    assert keys_of(iam) == set()


def test_a_user_name_other_than_the_configured_user_is_refused_and_nothing_changes(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack on a configured secret: its writer names another user, even one tagged for it."""
    victim_keys = {
        iam.create_access_key(UserName="someone-else")["AccessKey"]["AccessKeyId"] for _ in range(2)
    }
    arn = service.create(
        "ci/configured",
        json.dumps({"UserName": "someone-else", "AccessKeyId": "", "SecretAccessKey": ""}),
    )
    monkeypatch.setenv("IAM_USER_BINDINGS", json.dumps({arn: USER}))
    bind(arn, "someone-else")  # even a tag on the victim naming this secret does not help

    with pytest.raises(UserNotBoundError) as raised:
        service.rotate(arn)

    assert (
        "AWSCURRENT names IAM user 'someone-else' but the function's configuration "
        "(IAM_USER_BINDINGS) binds this secret to 'ci-deployer'"
    ) in str(raised.value)
    assert "Nothing was created or deleted" in str(raised.value)
    assert keys_of(iam, "someone-else") == victim_keys
    assert keys_of(iam) == set()


def test_a_user_the_configuration_binds_to_one_secret_is_refused_to_another_by_tag(
    service: Service, strategy: IamAccessKeyStrategy, iam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = configured_secret(service, monkeypatch)
    other = service.create(
        "ci/other", json.dumps({"UserName": USER, "AccessKeyId": "", "SecretAccessKey": ""})
    )
    bind(other)

    with pytest.raises(UserNotBoundError) as raised:
        service.rotate(other)

    assert f"bound to secret {configured} by the function's configuration" in str(raised.value)
    assert keys_of(iam) == set()
