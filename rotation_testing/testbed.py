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

import os
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from rotator import context, handler, secret_store, strategies
from rotator.errors import UnexpectedStepError

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
            handler.lambda_handler(event, FakeContext())
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

    def rotate(self, secret_id: str, token: str | None = None) -> str:
        """RotateSecret and wait for the four steps. Returns the token; raises if one failed."""
        token = token or str(uuid.uuid4())
        self.invoker.error = None
        self.sm.rotate_secret(
            SecretId=secret_id,
            ClientRequestToken=token,
            RotationLambdaARN=self.function_arn,
            RotationRules={"AutomaticallyAfterDays": 30},
        )
        rotation = self.wait(secret_id)
        if rotation["outcome"] == "failed":
            error, self.invoker.error = self.invoker.error, None
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
        handler.lambda_handler(rotation_event(step, secret_id, token), FakeContext())

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

    def rotate(self, secret_id: str) -> str:
        """RotateSecret, then the four steps as the service runs them. Returns the new version id.

        When a step fails, raises what the function raised (a RotationError, as Secrets Manager
        would record it). An exception the function replaced by UnexpectedStepError (it names
        only the type in the function's logs) is attached as the cause, so the test shows your
        code's traceback.
        """
        try:
            return self.service.rotate(secret_id)
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
