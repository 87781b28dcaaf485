"""Run the four rotation steps of a strategy against moto, in your own test suite.

    from rotation_testing import StrategyTestbed

    def test_rotation_registers_the_new_key() -> None:
        with StrategyTestbed("vendor_x:VendorXKey", source_dir="rotation") as bed:
            arn = bed.create_secret("vendor-x/api-key", '{"key_id": "k0", "api_key": "..."}')
            token = bed.rotate(arn)  # RotateSecret; the four steps run; raises if one failed
            assert bed.stages(arn)[token] == ["AWSCURRENT"]

Secrets Manager is moto (``mock_aws``) with this project's description of the service where moto
differs (``rotation_testing.secretsmanager``: RotateSecret answers before the steps run, a failed
step stops the rotation and leaves AWSCURRENT alone, PutSecretValue's same-token rule, AWSPENDING
removed after success, AWSPREVIOUS moved as the service moves it). The same rules drive the
rotator's own tests and the local sandbox, so a strategy that passes here meets the service the
rotator meets. The steps run in this process through ``rotator.handler.lambda_handler`` with the
event Secrets Manager sends, and the strategy is loaded by the same loader as in the function
(``ROTATION_STRATEGY=custom``, ``CUSTOM_STRATEGY``), so a class the function would refuse is
refused here too, with the same message.

Installed with the package's ``testing`` extra, which pins moto
(``pip install 'secret-rotation[testing] @ git+<repository URL>@<tag>'``). Never in the
function's zip: modules/rotation-function packs ``rotator/`` only, so a change here redeploys
nothing.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from rotator import context, handler, secret_store, strategies
from rotator.errors import RotationError, UnexpectedStepError

try:
    import boto3
    from moto import mock_aws

    from rotation_testing import secretsmanager
except ImportError as exc:  # pragma: no cover  depends on the user's environment
    raise ImportError(
        f"rotation_testing needs {exc.name}: install the package with its testing extra "
        "(pip install 'secret-rotation[testing] @ git+<repository URL>@<tag>'), which pins moto"
    ) from exc

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
REGION = "us-east-1"
# What the invoker answers the service for a rotation ``Service.stage`` leaves unstarted.
NOT_STARTED = "NotStarted: the test stages this rotation and runs its steps itself"


def rotation_event(step: str, secret_id: str, token: str) -> dict[str, str]:
    """The event Secrets Manager invokes a rotation function with for one step."""
    return {"Step": step, "SecretId": secret_id, "ClientRequestToken": token}


@dataclass
class FakeContext:
    """The Lambda context object, as far as the handler reads it."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class RotationFailedError(Exception):
    """A rotation the service reports failed without an exception from the function."""


@dataclass
class Invoker:
    """The service's step invoker: lambda_handler in process, with the service's event.

    An exception from the function is kept for the test (the service sees only its text), so
    ``Service.rotate`` raises what the function raised.
    """

    run_steps: bool = True
    events: list[dict[str, Any]] = field(default_factory=list)
    before_each: Callable[[], None] | None = None
    # Fields the service adds to some events, e.g. RotationToken for cross-account rotation.
    event_fields: dict[str, str] = field(default_factory=dict)
    error: BaseException | None = None
    # What the function wrote (its CloudWatch Logs lines apart from START/END/REPORT).
    logs: list[str] = field(default_factory=list)

    def invoke(self, event: dict[str, Any]) -> None:
        """``lambda_handler(event, context)``, its output kept in ``logs`` as Lambda keeps it."""
        context = FakeContext()
        with _function_output(self.logs, context.aws_request_id):
            handler.lambda_handler(event, context)

    def __call__(self, secret: Any, lambda_arn: str, step: str, token: str) -> str | None:
        del lambda_arn
        if not self.run_steps:
            # The function failed before it did anything (as a timeout would): the service
            # leaves the AWSPENDING version it staged, without a value.
            return NOT_STARTED
        event: dict[str, Any] = {
            **secretsmanager.step_event(secret, step, token),
            **self.event_fields,
        }
        self.events.append(event)
        # BaseException too: on the worker thread, anything not caught here (pytest.fail in a
        # hook included) would end the worker and leave the test waiting.
        try:
            if self.before_each is not None:
                self.before_each()
            self.invoke(event)
        except BaseException as exc:  # noqa: BLE001  handed to the test's thread by Service
            self.error = exc
            return f"{type(exc).__name__}: {exc}"
        return None


@dataclass
class Service:
    """Secrets Manager as the rotation service: start rotations, run steps, read the state."""

    sm: Any
    function_arn: str
    invoker: Invoker

    def create(self, name: str, value: str) -> str:
        arn: str = self.sm.create_secret(Name=name, SecretString=value)["ARN"]
        return arn

    def wait(self, secret_id: str) -> dict[str, Any]:
        """The secret's latest rotation once the service's worker has finished it."""
        rotation = secretsmanager.wait_for_rotation(secret_id)
        assert rotation is not None, f"no rotation of {secret_id} was started"
        assert rotation["outcome"] != "running", f"rotation of {secret_id} did not finish"
        return rotation

    def rotate(
        self, secret_id: str, token: str | None = None, *, rotate_immediately: bool = True
    ) -> str:
        """RotateSecret and wait for the steps. Returns the token; raises if one failed.

        ``rotate_immediately`` False: the service runs testSecret alone, on a version holding a
        copy of the current value that it removes afterwards.
        """
        token = token or str(uuid.uuid4())
        self.invoker.error = None
        self.sm.rotate_secret(
            SecretId=secret_id,
            ClientRequestToken=token,
            RotationLambdaARN=self.function_arn,
            RotationRules={"AutomaticallyAfterDays": 30},
            RotateImmediately=rotate_immediately,
        )
        return self._outcome(secret_id, token)

    def retry(self, secret_id: str) -> str:
        """The service's reattempt of the secret's unfinished rotation; returns its token."""
        self.invoker.error = None
        rotation = secretsmanager.reattempt(secret_id)
        return self._outcome(secret_id, rotation.token)

    def _outcome(self, secret_id: str, token: str) -> str:
        rotation = self.wait(secret_id)
        if rotation["outcome"] == "failed":
            error, self.invoker.error = self.invoker.error, None
            if isinstance(error, RotationError):
                error.token = error.token or token
            if error is not None:
                raise error
            raise RotationFailedError(f"{rotation['step']}: {rotation.get('error')}")
        return token

    def stage(self, secret_id: str, token: str | None = None) -> str:
        """RotateSecret whose first invocation does nothing: AWSPENDING staged without a value."""
        token = token or str(uuid.uuid4())
        self.invoker.run_steps = False
        try:
            self.sm.rotate_secret(
                SecretId=secret_id,
                ClientRequestToken=token,
                RotationLambdaARN=self.function_arn,
                RotationRules={"AutomaticallyAfterDays": 30},
            )
            rotation = self.wait(secret_id)
        finally:
            self.invoker.run_steps = True
        assert (rotation["step"], rotation.get("error")) == ("createSecret", NOT_STARTED)
        return token

    def run(self, step: str, secret_id: str, token: str) -> None:
        """One invocation of the function, as the service makes when it (re)tries a step."""
        self.invoker.invoke(rotation_event(step, secret_id, token))

    def value(self, secret_id: str, stage: str = "AWSCURRENT") -> str:
        value: str = self.sm.get_secret_value(SecretId=secret_id, VersionStage=stage)[
            "SecretString"
        ]
        return value

    def stages(self, secret_id: str) -> dict[str, list[str]]:
        stages: dict[str, list[str]] = self.sm.describe_secret(SecretId=secret_id)[
            "VersionIdsToStages"
        ]
        return stages


class _Tee(io.TextIOBase):
    """A stream writing to another one and keeping what it wrote."""

    def __init__(self, stream: Any, kept: io.StringIO) -> None:
        self._stream = stream
        self._kept = kept

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._kept.write(text)
        return int(self._stream.write(text))

    def flush(self) -> None:
        self._stream.flush()


class _LambdaLogHandler(logging.Handler):
    """The Lambda Python runtime's root handler: ``[LEVEL]\t<time>\t<request id>\t<message>``.

    https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html (the logging library).
    """

    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            millis = int(record.created * 1000) % 1000
            text = self.format(record)
            sys.stdout.write(
                f"[{record.levelname}]\t{stamp}.{millis:03d}Z\t{self.request_id}\t{text}\n"
            )
        except Exception:  # noqa: BLE001  logging's own contract: report, never raise
            self.handleError(record)


@contextmanager
def _function_output(lines: list[str], request_id: str) -> Iterator[None]:
    """Keep what one invocation writes (stdout, stderr, ``logging`` through the root logger)."""
    kept = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(saved[0], kept), _Tee(saved[1], kept)
    root = logging.getLogger()
    root_handler = _LambdaLogHandler(request_id)
    root.addHandler(root_handler)
    saved_level = root.level
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging.getLevelNamesMapping():
        root.setLevel(level)
    try:
        yield
    finally:
        root.removeHandler(root_handler)
        root.setLevel(saved_level)
        sys.stdout, sys.stderr = saved
        lines.extend(kept.getvalue().splitlines())


# Keys whose values are credentials whether or not a rotation changed them (a master password).
_CREDENTIAL_KEY = re.compile(r"pass|secret|token|key|credential|private", re.IGNORECASE)
# Shorter strings (a port, "true") would match ordinary log text by chance.
_MIN_VALUE_LENGTH = 4


def _string_leaves(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_leaves(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


@contextmanager
def in_process_service(invoker: Invoker, session: Any) -> Iterator[None]:
    """moto under the sandbox's Secrets Manager rules, steps run by ``invoker``; a new container.

    The rotator's client is the production one (same retries and timeouts) made from
    ``session``; no memo and no loaded strategy carries over from an earlier container.
    """
    with mock_aws(), secretsmanager.installed(invoker):
        secret_store.set_client(secret_store.make_client(session))
        context.forget_all()
        strategies.forget_loaded()
        try:
            yield
        finally:
            secret_store.set_client(None)
            context.forget_all()
            strategies.forget_loaded()


def create_rotation_function(iam: Any, lambda_client: Any, name: str = "rotator") -> str:
    """A function Secrets Manager may invoke; its code never runs (the invoker runs the steps)."""
    import io  # noqa: PLC0415
    import json  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("rotator/__init__.py", "")
    function = lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="rotator.handler.lambda_handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    # The service invokes the function only if its resource policy allows it to.
    lambda_client.add_permission(
        FunctionName=name,
        StatementId="SecretsManager",
        Action="lambda:InvokeFunction",
        Principal="secretsmanager.amazonaws.com",
    )
    arn: str = function["FunctionArn"]
    return arn


class StrategyTestbed:
    """Your strategy rotating secrets in moto, in this process. Use it as a context manager.

    ``strategy``: "module:Class", as in modules/rotation-function's ``custom_strategy.class``.
    ``source_dir``: the directory that holds the module (``custom_strategy.source_dir``); put on
    ``sys.path`` while the testbed is open. None: the module is importable already.
    ``environment``: more of the function's environment variables, e.g. ``ROTATE_KEYS`` or
    ``PASSWORD_LENGTH``.
    """

    def __init__(
        self,
        strategy: str,
        *,
        source_dir: str | Path | None = None,
        environment: Mapping[str, str] | None = None,
        region: str = REGION,
    ) -> None:
        self.strategy = strategy
        self.source_dir = None if source_dir is None else str(Path(source_dir).resolve())
        self.region = region
        self.environment = {
            "ROTATION_STRATEGY": strategies.CUSTOM,
            "CUSTOM_STRATEGY": strategy,
            # For clients the strategy makes itself from boto3's default session.
            "AWS_DEFAULT_REGION": region,
            **(environment or {}),
        }
        self.invoker = Invoker()
        self._saved_env: dict[str, str | None] = {}
        self._service: Service | None = None
        self._session: Any = None
        self._stack: Any = None

    # ---- context ---------------------------------------------------------------------------

    def __enter__(self) -> StrategyTestbed:
        from contextlib import ExitStack  # noqa: PLC0415

        self._stack = ExitStack()
        self._stack.callback(self._restore_env)
        for name, value in self.environment.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        if self.source_dir is not None and self.source_dir not in sys.path:
            sys.path.insert(0, self.source_dir)
            self._stack.callback(sys.path.remove, self.source_dir)
        self._session = boto3.Session(
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106  moto's dummy credentials
        )
        try:
            self._stack.enter_context(in_process_service(self.invoker, self._session))
            function_arn = create_rotation_function(self.client("iam"), self.client("lambda"))
        except BaseException:
            self._stack.close()
            raise
        self._service = Service(self.client("secretsmanager"), function_arn, self.invoker)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.close()
        self._service = None

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    @property
    def service(self) -> Service:
        if self._service is None:
            raise RuntimeError("use the StrategyTestbed in a with block")
        return self._service

    # ---- what a test does ------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """A moto client for ``service`` (e.g. to read what the strategy changed)."""
        return self._session.client(service)

    def create_secret(self, name: str, value: str) -> str:
        """A secret holding ``value`` as AWSCURRENT; returns its ARN."""
        return self.service.create(name, value)

    def rotate(self, secret_id: str, *, rotate_immediately: bool = True) -> str:
        """RotateSecret, then the four steps as the service runs them. Returns the new version id.

        When a step fails, raises what the function raised (a RotationError, as Secrets Manager
        would record it, with the rotation's version id as ``token``). An exception the function
        replaced by UnexpectedStepError (it names only the type in the function's logs) is
        attached as the cause, so the test shows your code's traceback. ``retry`` runs the
        service's reattempt of the rotation a failure left.

        ``rotate_immediately=False`` (``rotate_immediately = false`` on the module): testSecret
        alone, on a temporary AWSPENDING version holding a copy of the current value, which the
        service removes afterwards; returns that version's id.
        """
        try:
            return self.service.rotate(secret_id, rotate_immediately=rotate_immediately)
        except UnexpectedStepError as error:
            raise error from error.__context__

    def retry(self, secret_id: str) -> str:
        """The reattempt Secrets Manager makes at the next window of a rotation that failed.

        The four steps run again from createSecret with the same version id (token), on the
        versions the failure left. Returns the token; raises as ``rotate`` does.
        """
        try:
            return self.service.retry(secret_id)
        except UnexpectedStepError as error:
            raise error from error.__context__

    def stage(self, secret_id: str) -> str:
        """RotateSecret with no step run: AWSPENDING staged without a value, for ``run_step``."""
        return self.service.stage(secret_id)

    def run_step(self, step: str, secret_id: str, token: str) -> None:
        """One invocation for ``step``, as the service makes when it (re)tries it."""
        try:
            self.service.run(step, secret_id, token)
        except UnexpectedStepError as error:
            raise error from error.__context__

    def new_container(self) -> None:
        """Forget what a warm container keeps (memo, loaded strategy) before the next step."""
        context.forget_all()
        strategies.forget_loaded()

    def value(self, secret_id: str, stage: str = "AWSCURRENT") -> str:
        """The SecretString under ``stage``."""
        return self.service.value(secret_id, stage)

    def stages(self, secret_id: str) -> dict[str, list[str]]:
        """Version id to staging labels."""
        return self.service.stages(secret_id)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The events the function was invoked with, in order."""
        return self.invoker.events

    @property
    def logs(self) -> list[str]:
        """Every line the function wrote, in order, as its CloudWatch Logs group would hold them.

        The rotator's JSON lines, your ``print`` output, and ``logging`` records that reach the
        root logger, formatted as the Lambda Python runtime formats them
        (``[LEVEL]\t<time>\t<request id>\t<message>``; the root logger's level is
        ``AWS_LAMBDA_LOG_LEVEL`` when ``environment`` sets it, else left as it is).
        """
        return self.invoker.logs

    def secret_values(self) -> dict[str, str]:
        """Every secret value the testbed's Secrets Manager holds, by where it is held.

        For each version of each secret: its whole ``SecretString`` and, for a JSON object,
        each string under a key that names a credential (password, secret, token, key) or that
        differs between the secret's versions (what a rotation changed). Keyed by
        ``"<secret name> <version id> <key>"``; never printed by the testbed.
        """
        sm = self.client("secretsmanager")
        found: dict[str, str] = {}
        for page in sm.get_paginator("list_secrets").paginate():
            for secret in page["SecretList"]:
                versions = sm.list_secret_version_ids(
                    SecretId=secret["ARN"], IncludeDeprecated=True
                )["Versions"]
                values: dict[str, str] = {}
                for version in versions:
                    try:
                        answer = sm.get_secret_value(
                            SecretId=secret["ARN"], VersionId=version["VersionId"]
                        )
                    except sm.exceptions.ResourceNotFoundException:
                        continue  # a version staged without a value
                    if "SecretString" in answer:
                        values[version["VersionId"]] = answer["SecretString"]
                leaves: dict[str, dict[str, str]] = {}
                for version_id, text in values.items():
                    found[f"{secret['Name']} {version_id} SecretString"] = text
                    try:
                        parsed = json.loads(text)
                    except ValueError:
                        continue
                    for path, leaf in _string_leaves(parsed):
                        leaves.setdefault(path, {})[version_id] = leaf
                for path, by_version in leaves.items():
                    changed = len(set(by_version.values())) > 1
                    key = path.rsplit(".", 1)[-1]
                    if changed or _CREDENTIAL_KEY.search(key):
                        for version_id, leaf in by_version.items():
                            found[f"{secret['Name']} {version_id} {path}"] = leaf
        return {where: value for where, value in found.items() if len(value) >= _MIN_VALUE_LENGTH}

    def assert_no_secret_logged(self, *also: str) -> None:
        """Fail if a secret value (``secret_values``), or any of ``also``, is in ``logs``.

        The rotator does not scrub what a strategy logs: this is the check that yours does not
        log a value. The failure names where the value is held and the log line's number, never
        the value.
        """
        candidates = dict(self.secret_values())
        candidates.update({f"also[{index}]": value for index, value in enumerate(also)})
        leaks = [
            f"{where} in log line {number}"
            for where, value in candidates.items()
            for number, line in enumerate(self.logs, start=1)
            if value and value in line
        ]
        if leaks:
            raise AssertionError("secret values reached the function's log: " + "; ".join(leaks))
