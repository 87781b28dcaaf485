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
"""

import importlib
import json
import os
import sys
import time
import traceback
from typing import IO, Any

END_MARKER = "\x1esandbox-invocation-end "  # sandbox.lambda_runner.END_MARKER


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
    stack = traceback.format_tb(exc.__traceback__) if exc is not None else []
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
    deadline = time.monotonic() + float(invocation["timeout"])
    context = LambdaContext(invocation["context"], deadline)
    try:
        result = handler(invocation["event"], context)
        payload = json.dumps(result)
    except Exception as exc:  # noqa: BLE001  an unhandled error is the function's result
        trace = "".join(traceback.format_exception(exc))
        print(f"[ERROR] {type(exc).__name__}: {exc}\n{trace}", file=sys.stderr, end="")
        return {"error": _error(type(exc).__name__, str(exc), exc)}
    return {"result": payload}


def main() -> None:
    control = os.fdopen(int(sys.argv[1]), "w")
    commands = sys.stdin
    init = json.loads(commands.readline())
    sys.stdin = open(os.devnull)  # noqa: SIM115  the handler gets an empty stdin, as in Lambda
    sys.path[:0] = init["paths"]
    os.chdir(init["task_root"])

    # Init phase: import the handler's module once per environment.
    module_name, _, function_name = init["handler"].rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001  reported as Lambda reports it
        message = f"Unable to import module '{module_name}': {exc}"
        print(f"[ERROR] Runtime.ImportModuleError: {message}", file=sys.stderr, flush=True)
        _report(control, {"error": _error("Runtime.ImportModuleError", message, exc)})
        return
    handler = getattr(module, function_name, None)
    if handler is None:
        message = f"Handler '{function_name}' missing on module '{module_name}'"
        print(f"[ERROR] Runtime.HandlerNotFound: {message}", file=sys.stderr, flush=True)
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
