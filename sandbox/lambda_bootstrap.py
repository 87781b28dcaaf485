"""The sandbox's Lambda runtime: runs one invocation of a handler from its unpacked zip.

Started by ``sandbox.lambda_runner`` as ``python -I -S -u lambda_bootstrap.py CONTROL_FD`` so that
nothing from the working tree or the virtualenv leaks in: ``sys.path`` is the standard library, the
unpacked zip, the layers and a runtime directory holding only boto3 and its dependencies, as in the
Lambda Python runtime. Unbuffered (``-u``), so output reaches the logs even when the function is
killed at its timeout. Standard library only; this file is never imported by the sandbox.

The process is one execution environment. Protocol, one JSON document per line on stdin: first
the init (handler, task root, paths), then one invocation (event, context fields, timeout) at a
time. Reports go to the control file descriptor as JSON lines: ``{"init": true}`` once the handler
module is imported (Lambda does not count the init phase against the function's timeout), then
``{"result": ...}`` or ``{"error": {...}}`` per invocation. The handler's own stdout and stderr are
the function's log output; after each invocation an end marker line follows them on stdout.

``logging`` as the Lambda Python runtime sets it up before it imports the handler: a handler on
the root logger writes each record as ``[LEVEL]\t<UTC time>.<ms>Z\t<request id>\t<message>``
(https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html, "Logging library"), the root
logger's level is AWS_LAMBDA_LOG_LEVEL when that names a level and Python's default (WARNING)
otherwise, and an unhandled error is logged as ``[ERROR] <type>: <message>`` followed by
``Traceback (most recent call last):`` and the handler's frames (the runtime's bootstrap, in
aws/aws-lambda-python-runtime-interface-client, ``_setup_logging`` and ``log_error``). A record
or an error spanning lines is one log event, as the runtime sends it: written here as one line
with EVENT_NEWLINE for its line breaks, which the runner turns back.
"""

import importlib
import json
import logging
import os
import sys
import time
import traceback
from typing import IO, Any

END_MARKER = "\x1esandbox-invocation-end "  # sandbox.lambda_runner.END_MARKER
EVENT_NEWLINE = "\x1f"  # sandbox.lambda_runner.EVENT_NEWLINE
# The runtime indents traceback lines with no-break spaces, which CloudWatch's console keeps.
TRACEBACK_INDENT = "\u00a0"

# The invocation being served: the log handler stamps its records with it ("" during init).
_request_id = ""
_log_stream: IO[str] = sys.stdout


def _write_event(text: str) -> None:
    """One log event, however many lines ``text`` has."""
    _log_stream.write(text.rstrip("\n").replace("\n", EVENT_NEWLINE) + "\n")
    _log_stream.flush()


class LambdaLogHandler(logging.Handler):
    """The runtime's root handler, in its text format."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            millis = int(record.msecs)
            message = self.format(record)
            _write_event(f"[{record.levelname}]\t{stamp}.{millis:03d}Z\t{_request_id}\t{message}")
        except Exception:  # noqa: BLE001  logging's contract: report, never raise
            self.handleError(record)


def _setup_logging() -> None:
    root = logging.getLogger()
    root.addHandler(LambdaLogHandler())
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging.getLevelNamesMapping():
        root.setLevel(level)


def _handler_frames(exc: BaseException) -> list[str]:
    """The traceback's frames from the first one outside this file, formatted."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = os.path.abspath(__file__)
    while frames and os.path.abspath(frames[0].filename) == own:
        frames = traceback.StackSummary.from_list(frames[1:])
    return traceback.format_list(frames)


def _log_error(error_type: str, message: str, stack: list[str] | None) -> None:
    """``[ERROR] <type>: <message>``, then the traceback, as one event."""
    lines = [f"[ERROR] {error_type}: {message}" if message else f"[ERROR] {error_type}"]
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for entry in stack:
            for line in entry.splitlines():
                stripped = line.lstrip(" ")
                lines.append(TRACEBACK_INDENT * (len(line) - len(stripped)) + stripped)
    _write_event("\n".join(lines))


class LambdaContext:
    """The attributes and method of the Lambda Python context object.

    https://docs.aws.amazon.com/lambda/latest/dg/python-context.html
    """

    def __init__(self, fields: dict[str, Any], deadline: float) -> None:
        self.function_name = fields["function_name"]
        self.function_version = fields["function_version"]
        self.invoked_function_arn = fields["invoked_function_arn"]
        self.memory_limit_in_mb = int(fields["memory_limit_in_mb"])
        self.aws_request_id = fields["aws_request_id"]
        self.log_group_name = fields["log_group_name"]
        self.log_stream_name = fields["log_stream_name"]
        self.identity: Any = None
        self.client_context: Any = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(error_type: str, message: str, exc: BaseException | None = None) -> dict[str, Any]:
    stack = _handler_frames(exc) if exc is not None else []
    return {"errorMessage": message, "errorType": error_type, "stackTrace": stack}


def _report(control: IO[str], document: dict[str, Any]) -> None:
    control.write(json.dumps(document) + "\n")
    control.flush()


def _end_of_output(request_id: str) -> None:
    """Flush the handler's output, then mark its end (the runner waits for the mark)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, f"{END_MARKER}{request_id}\n".encode())


def _invoke(handler: Any, invocation: dict[str, Any]) -> dict[str, Any]:
    global _request_id  # noqa: PLW0603  the runtime's per-invocation request id
    deadline = time.monotonic() + float(invocation["timeout"])
    context = LambdaContext(invocation["context"], deadline)
    _request_id = context.aws_request_id
    try:
        result = handler(invocation["event"], context)
        payload = json.dumps(result)
    except Exception as exc:  # noqa: BLE001  an unhandled error is the function's result
        error = _error(type(exc).__name__, str(exc), exc)
        _log_error(error["errorType"], error["errorMessage"], error["stackTrace"])
        return {"error": error}
    return {"result": payload}


def main() -> None:
    control = os.fdopen(int(sys.argv[1]), "w")
    commands = sys.stdin
    init = json.loads(commands.readline())
    sys.stdin = open(os.devnull)  # noqa: SIM115  the handler gets an empty stdin, as in Lambda
    sys.path[:0] = init["paths"]
    os.chdir(init["task_root"])
    _setup_logging()

    # Init phase: import the handler's module once per environment.
    module_name, _, function_name = init["handler"].rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001  reported as Lambda reports it
        message = f"Unable to import module '{module_name}': {exc}"
        _log_error("Runtime.ImportModuleError", message, None)
        _report(control, {"error": _error("Runtime.ImportModuleError", message, exc)})
        return
    handler = getattr(module, function_name, None)
    if handler is None:
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        _log_error("Runtime.HandlerNotFound", message, None)
        _report(control, {"error": _error("Runtime.HandlerNotFound", message)})
        return
    _report(control, {"init": True})

    # Invoke phase: one invocation per line, until the runner closes our stdin.
    for line in commands:
        invocation = json.loads(line)
        report = _invoke(handler, invocation)
        _end_of_output(invocation["context"]["aws_request_id"])
        _report(control, report)


if __name__ == "__main__":
    main()
