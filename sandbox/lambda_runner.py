"""The Lambda runner: what moto does in Docker, done with a subprocess.

moto runs Lambda code only in Docker (``LambdaFunction._invoke_lambda``), which these machines do
not have. The runner replaces that method: it unpacks the deployed zip (and the function's layers),
runs the handler in a Python process that sees only the zip, the layers, the standard library and
boto3 (the Lambda runtime's contents), with the function's environment, temporary credentials of
its execution role, a Lambda-like context object and its timeout. The function's output goes to
its CloudWatch Logs group, as far as its role allows, like Lambda.

Like Lambda, a process is an execution environment: it imports the handler once (the init phase)
and then serves invocations one at a time; a later invocation of the same function, code and
configuration reuses an idle one, and concurrent invocations get one each. A timeout, a crash or
a failed init discards the environment. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rotation_testing import policy
from rotation_testing.moto_lock import MOTO_LOCK
from sandbox import iam
from sandbox.faults import FAULTS

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
# Lambda's init phase has its own limit, not counted against the function's timeout.
INIT_TIMEOUT_S = 10.0
MAX_LOG_BYTES = 1_000_000
# Idle environments kept for reuse (each is a Python process with boto3 imported, ~50 MB).
MAX_IDLE_PER_FUNCTION = 4
MAX_IDLE_TOTAL = 16
# The bootstrap writes this line (plus the request id) to stdout after each invocation, so the
# runner knows it has read all of that invocation's output.
LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
END_MARKER = "\x1esandbox-invocation-end "
# The bootstrap writes a log event that spans lines (a logging record, an error's traceback) as
# one line with this in place of its line breaks: one event, as the Lambda runtime sends it.
EVENT_NEWLINE = "\x1f"
# What the Lambda Python runtime ships besides the standard library.
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


@dataclass
class Invocation:
    """One invocation as the sandbox saw it (for tests and the demo; never holds the payload)."""

    function_name: str
    request_id: str
    step: str | None
    errored: bool
    error_type: str | None
    error_message: str | None
    duration_ms: float


class RoleNotAssumableError(Exception):
    """The execution role is missing or its trust policy does not let Lambda assume it."""

    error_type = "InvalidParameterValueException"


@dataclass
class _Outcome:
    payload: str
    errored: bool
    error_type: str | None = None
    error_message: str | None = None


class _Environment:
    """One execution environment: a bootstrap process serving one invocation at a time."""

    def __init__(
        self,
        *,
        key: str,
        session: iam.RunnerSession,
        stream: str,
        command: list[str],
        cwd: Path,
        env: dict[str, str],
        init: dict[str, Any],
    ) -> None:
        self.key = key
        self.session = session
        self.stream = stream
        self.initialised = False
        self.broken = False
        self._init = init
        self._sink: list[tuple[int, str]] | None = None
        self._expected_marker = ""
        self._marker_seen = threading.Event()
        self._buffer = b""
        self._output_size = 0
        control_read, control_write = os.pipe()
        self.process = subprocess.Popen(
            [*command, str(control_write)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            pass_fds=(control_write,),
            start_new_session=True,  # its own process group: a kill takes everything it started
        )
        os.close(control_write)
        self._control = control_read
        self._reader = threading.Thread(target=self._collect_output, daemon=True)
        self._reader.start()

    def _collect_output(self) -> None:
        assert self.process.stdout is not None  # Popen(stdout=PIPE) guarantees it
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith(END_MARKER):
                if line.removeprefix(END_MARKER) == self._expected_marker:
                    self._marker_seen.set()
                continue
            sink = self._sink
            self._output_size += len(raw)
            if sink is not None and self._output_size <= MAX_LOG_BYTES:
                sink.append((_now_ms(), line.replace(EVENT_NEWLINE, "\n")))

    def _send(self, document: dict[str, Any]) -> None:
        assert self.process.stdin is not None  # Popen(stdin=PIPE) guarantees it
        self.process.stdin.write(json.dumps(document).encode() + b"\n")
        self.process.stdin.flush()

    def _report(self, timeout: float) -> dict[str, Any] | None:
        """The next report on the control pipe; None on timeout, {"exit": code} if it died."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._control], [], [], max(0.0, remaining))
            if not ready:
                return None
            chunk = os.read(self._control, 65536)
            if not chunk:
                return {"exit": self.process.wait()}
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        report: dict[str, Any] = json.loads(line)
        return report

    def run(
        self, invocation: dict[str, Any], request_id: str, timeout: float, lines: list[Any]
    ) -> _Outcome:
        self._sink = lines
        self._output_size = 0
        self._expected_marker = request_id
        self._marker_seen.clear()
        try:
            if not self.initialised:
                outcome = self._initialise(request_id, lines)
                if outcome is not None:
                    return outcome
            try:
                self._send(invocation)
            except OSError:
                return self._died(request_id, lines)
            report = self._report(timeout)
            if report is None:
                return self._timed_out(request_id, timeout, lines)
            if "exit" in report:
                return self._died(request_id, lines)
            # Its output is all read once the end marker arrives (written after the result).
            self._marker_seen.wait(timeout=2)
            if "error" in report:
                error = report["error"]
                return _Outcome("", True, str(error["errorType"]), str(error["errorMessage"]))
            return _Outcome(str(report["result"]), errored=False)
        finally:
            self._sink = None

    def _initialise(self, request_id: str, lines: list[Any]) -> _Outcome | None:
        try:
            self._send(self._init)
        except OSError:
            return self._died(request_id, lines)
        report = self._report(INIT_TIMEOUT_S)
        if report is None:
            return self._timed_out(request_id, INIT_TIMEOUT_S, lines)
        if "exit" in report:
            return self._died(request_id, lines)
        if "error" in report:
            # A failed init discards the environment; the next invocation starts a new one.
            self.broken = True
            self._marker_seen.wait(timeout=0.5)
            error = report["error"]
            return _Outcome("", True, str(error["errorType"]), str(error["errorMessage"]))
        self.initialised = True
        return None

    def _timed_out(self, request_id: str, limit: float, lines: list[Any]) -> _Outcome:
        self.kill()
        stamp = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%f}"[:-3]
        message = f"{stamp}Z {request_id} Task timed out after {limit:.2f} seconds"
        lines.append((_now_ms(), message))
        return _Outcome("", True, "Sandbox.Timedout", message)

    def _died(self, request_id: str, lines: list[Any]) -> _Outcome:
        self.broken = True
        code = self.process.wait()
        self._reader.join(timeout=2)
        message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}"
        lines.append((_now_ms(), message))
        return _Outcome("", True, "Runtime.ExitError", message)

    def kill(self) -> None:
        self.broken = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._reader.join(timeout=2)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(OSError):
            os.close(self._control)


class LambdaRunner:
    def __init__(self, work_dir: Path, endpoint: Callable[[], str]) -> None:
        self._work_dir = work_dir
        self._endpoint = endpoint
        self._unpack_lock = threading.Lock()
        self._runtime_dir = self._build_runtime_dir()
        self._pool_lock = threading.Lock()
        self._idle: list[_Environment] = []
        self._busy: set[_Environment] = set()
        self.invocations: list[Invocation] = []

    # --- code -----------------------------------------------------------------------------------

    def _build_runtime_dir(self) -> Path:
        runtime = self._work_dir / "runtime"
        runtime.mkdir(parents=True, exist_ok=True)
        for name in RUNTIME_MODULES:
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                continue
            origin = Path(spec.origin)
            source = origin.parent if origin.name == "__init__.py" else origin
            link = runtime / source.name
            if not link.exists():
                link.symlink_to(source)
        return runtime

    def _unpack(self, code: bytes) -> Path:
        """Unpack a zip once per content hash; later invocations reuse the directory."""
        digest = hashlib.sha256(code).hexdigest()
        target = self._work_dir / "code" / digest
        with self._unpack_lock:
            if not target.exists():
                staging = Path(tempfile.mkdtemp(dir=self._work_dir, prefix="unpack-"))
                with zipfile.ZipFile(io.BytesIO(code)) as archive:
                    # extractall drops absolute paths and ".." components (no zip-slip).
                    archive.extractall(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                staging.rename(target)
        return target

    def _layer_paths(self, function: Any) -> list[str]:
        """A layer's content is under /opt; Python finds packages in /opt/python (+ site-packages).

        https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html
        """
        from moto.awslambda.utils import get_backend  # noqa: PLC0415

        backend = get_backend(function.account_id, function.region)
        paths: list[str] = []
        for layer in function.layers:
            version = backend.layers_versions_by_arn(layer["Arn"])
            if version is None:
                continue
            root = self._unpack(version.code_bytes)
            version_dir = f"python{sys.version_info.major}.{sys.version_info.minor}"
            paths += [str(root / "python" / "lib" / version_dir / "site-packages")]
            paths += [str(root / "python")]
        return paths

    # --- environments ---------------------------------------------------------------------------

    @staticmethod
    def _key(function: Any) -> str:
        """What an environment is specific to: the function's code and configuration."""
        return json.dumps(
            [
                function.function_arn,
                hashlib.sha256(function.code_bytes).hexdigest(),
                function.handler,
                function.role,
                function.timeout,
                function.memory_size,
                function.environment_vars,
                [layer["Arn"] for layer in function.layers],
            ],
            sort_keys=True,
            default=str,
        )

    def _acquire(self, function: Any) -> _Environment:
        key = self._key(function)
        with self._pool_lock:
            for environment in self._idle:
                if environment.key == key:
                    self._idle.remove(environment)
                    self._busy.add(environment)
                    return environment
        environment = self._start_environment(function, key)
        with self._pool_lock:
            self._busy.add(environment)
        return environment

    def _release(self, environment: _Environment) -> None:
        discard: list[_Environment] = []
        with self._pool_lock:
            self._busy.discard(environment)
            same = [e for e in self._idle if e.key == environment.key]
            if environment.broken or len(same) >= MAX_IDLE_PER_FUNCTION:
                discard.append(environment)
            else:
                self._idle.append(environment)
                while len(self._idle) > MAX_IDLE_TOTAL:
                    discard.append(self._idle.pop(0))
        for old in discard:
            old.kill()

    @staticmethod
    def _check_trust(function: Any) -> None:
        """Lambda can only use a role whose trust policy lets lambda.amazonaws.com assume it.

        moto accepts any role. https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
        """
        message = "The role defined for the function cannot be assumed by Lambda."
        try:
            role = iam.get_role(function.account_id, function.role)
        except Exception as exc:
            raise RoleNotAssumableError(f"{message} ({function.role} does not exist)") from exc
        document = role.assume_role_policy_document
        trust = json.loads(document) if isinstance(document, str) else document
        statements = trust.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        lambda_statements = [s for s in statements if policy.principal_matches(s, LAMBDA_PRINCIPAL)]
        context = {"aws:SourceAccount": function.account_id, "aws:SourceArn": function.function_arn}
        decision = policy.evaluate(
            [{"Statement": lambda_statements}], "sts:AssumeRole", function.role, context
        )
        if decision is not policy.Decision.ALLOW:
            raise RoleNotAssumableError(message)

    def _start_environment(self, function: Any, key: str) -> _Environment:
        self._check_trust(function)
        # Lambda assumes the execution role for each environment; the handler gets its temporary
        # credentials (authorized against the role's policies at each request, see sandbox.iam).
        session = iam.mint_runner_credentials(
            function.account_id, function.region, function.role, function.function_name
        )
        task_root = self._unpack(function.code_bytes)
        paths = [str(task_root), *self._layer_paths(function), str(self._runtime_dir)]
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        return _Environment(
            key=key,
            session=session,
            stream=stream,
            command=[sys.executable, "-I", "-S", "-u", str(BOOTSTRAP)],
            cwd=task_root,
            env=self._environment(function, task_root, stream, session),
            init={"handler": function.handler, "task_root": str(task_root), "paths": paths},
        )

    # --- invocation -----------------------------------------------------------------------------

    def invoke(self, function: Any, event: Any) -> tuple[str, bool, str]:
        """Run one invocation; return (payload, errored, log text) as moto's ``invoke`` expects."""
        if isinstance(event, str | bytes):
            event = json.loads(event or "{}")
        request_id = str(uuid.uuid4())
        step = event.get("Step") if isinstance(event, dict) else None
        started = time.monotonic()
        lines: list[tuple[int, str]] = [
            (_now_ms(), f"START RequestId: {request_id} Version: $LATEST")
        ]
        session: iam.RunnerSession | None = None
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        fault = FAULTS.take(function.function_name, step)
        try:
            if fault is not None:
                session = iam.mint_runner_credentials(
                    function.account_id, function.region, function.role, function.function_name
                )
                lines.append((_now_ms(), f"[ERROR] SandboxInjectedFault: {fault}"))
                outcome = _Outcome("", True, "SandboxInjectedFault", fault)
            else:
                environment = self._acquire(function)
                session, stream = environment.session, environment.stream
                invocation = self._invocation(function, event, request_id, stream)
                try:
                    # The function calls the sandbox back; those requests need moto's lock.
                    with MOTO_LOCK.released():
                        outcome = environment.run(
                            invocation, request_id, float(function.timeout), lines
                        )
                finally:
                    self._release(environment)
        except Exception as exc:  # noqa: BLE001  a setup failure is the invocation's error
            error_type = getattr(exc, "error_type", "Runtime.SandboxError")
            lines.append((_now_ms(), f"[ERROR] {error_type}: {exc}"))
            outcome = _Outcome("", True, error_type, str(exc))

        duration_ms = (time.monotonic() - started) * 1000
        lines.append((_now_ms(), f"END RequestId: {request_id}"))
        lines.append(
            (
                _now_ms(),
                f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
                f"Memory Size: {function.memory_size} MB",
            )
        )
        if outcome.errored:
            outcome.payload = json.dumps(
                {
                    "errorMessage": outcome.error_message,
                    "errorType": outcome.error_type,
                    "requestId": request_id,
                }
            )
        if session is not None:
            self._write_logs(function, session, stream, lines)
        self.invocations.append(
            Invocation(
                function_name=function.function_name,
                request_id=request_id,
                step=step,
                errored=outcome.errored,
                error_type=outcome.error_type,
                error_message=outcome.error_message,
                duration_ms=round(duration_ms, 1),
            )
        )
        return outcome.payload, outcome.errored, "\n".join(text for _, text in lines)

    @staticmethod
    def _invocation(function: Any, event: Any, request_id: str, stream: str) -> dict[str, Any]:
        return {
            "event": event,
            "timeout": function.timeout,
            "context": {
                "function_name": function.function_name,
                "function_version": "$LATEST",
                "invoked_function_arn": function.function_arn,
                "memory_limit_in_mb": function.memory_size,
                "aws_request_id": request_id,
                "log_group_name": function.logs_group_name,
                "log_stream_name": stream,
            },
        }

    def _environment(
        self, function: Any, task_root: Path, stream: str, session: iam.RunnerSession
    ) -> dict[str, str]:
        # The function's variables first: Lambda's reserved variables cannot be overridden.
        # https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
        env = {str(k): str(v) for k, v in (function.environment_vars or {}).items()}
        env.update(
            {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "LAMBDA_TASK_ROOT": str(task_root),
                "LAMBDA_RUNTIME_DIR": str(self._runtime_dir),
                "_HANDLER": str(function.handler),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
                "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
                "AWS_LAMBDA_LOG_STREAM_NAME": stream,
                "AWS_REGION": function.region,
                "AWS_DEFAULT_REGION": function.region,
                "AWS_ACCESS_KEY_ID": session.access_key_id,
                "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
                "AWS_SESSION_TOKEN": session.session_token,
                # Sandbox only: the SDK calls the sandbox instead of AWS, and reads no local
                # configuration or instance metadata.
                "AWS_ENDPOINT_URL": self._endpoint(),
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        return env

    # --- logs -----------------------------------------------------------------------------------

    def _write_logs(
        self,
        function: Any,
        session: iam.RunnerSession,
        stream: str,
        lines: list[tuple[int, str]],
    ) -> None:
        """Write the invocation's output to /aws/lambda/<name>, as the function's role allows.

        Lambda writes with the execution role's permissions: without logs:CreateLogStream and
        logs:PutLogEvents (and logs:CreateLogGroup when the group is missing) the output is lost,
        the invocation is not affected.
        https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
        """
        from moto.logs.models import logs_backends  # noqa: PLC0415

        backend = logs_backends[function.account_id][function.region]
        group = function.logs_group_name
        prefix = f"arn:aws:logs:{function.region}:{function.account_id}:log-group:{group}"

        def allowed(action: str, *resources: str) -> bool:
            return any(
                iam.role_allows(session, action, r) is policy.Decision.ALLOW for r in resources
            )

        if group not in backend.groups:
            if not allowed("logs:CreateLogGroup", f"{prefix}:*", prefix):
                _warn(f"{function.function_name}: role may not create {group}; output dropped")
                return
            backend.create_log_group(group, {})
        stream_arn = f"{prefix}:log-stream:{stream}"
        if not allowed("logs:CreateLogStream", stream_arn, f"{prefix}:*", prefix):
            _warn(
                f"{function.function_name}: role may not create a stream in {group}; output dropped"
            )
            return
        if not allowed("logs:PutLogEvents", stream_arn):
            _warn(f"{function.function_name}: role may not put events in {group}; output dropped")
            return
        if stream not in backend.groups[group].streams:
            backend.create_log_stream(group, stream)
        events = [{"timestamp": ts, "message": text} for ts, text in lines]
        backend.put_log_events(group, stream, events)

    def environments_rss_kb(self) -> int:
        """Resident memory of every live execution environment, now."""
        with self._pool_lock:
            pids = [e.process.pid for e in [*self._idle, *self._busy]]
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError, StopIteration, ValueError):
                status = Path(f"/proc/{pid}/status").read_text().splitlines()
                total += int(next(line for line in status if line.startswith("VmRSS:")).split()[1])
        return total

    def invocations_as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(i) for i in self.invocations]

    def shutdown(self) -> None:
        with self._pool_lock:
            environments = [*self._idle, *self._busy]
            self._idle.clear()
        for environment in environments:
            environment.kill()
        shutil.rmtree(self._work_dir, ignore_errors=True)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _warn(message: str) -> None:
    print(f"sandbox: {message}", file=sys.stderr, flush=True)


def install(runner: LambdaRunner) -> None:
    """Replace moto's Docker-based invocation with the runner."""
    from moto.awslambda.models import LambdaFunction  # noqa: PLC0415

    def invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        return runner.invoke(self, event)

    LambdaFunction._invoke_lambda = invoke_lambda  # type: ignore[method-assign]
