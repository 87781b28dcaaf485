"""The sandbox process: moto's server with the sandbox's repairs, on loopback.

Run by ``sandbox.server.Sandbox`` as ``python -m sandbox.app``; not meant to be started by hand.
It binds a free port, prints one JSON line ``{"endpoint": ..., "pid": ...}`` on stdout, serves
until its stdin closes (the parent stopped or died) or it gets SIGTERM, then kills any function
still running and removes its temporary files. State lives in memory only.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sandbox.notices import notice
from sandbox.resends import AnswerReplay

CONTROL_PREFIX = "/_sandbox/"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _json_response(start_response: StartResponse, status: str, document: Any) -> Iterable[bytes]:
    body = json.dumps(document).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def control_app(app: WsgiApp, runner: Any) -> WsgiApp:
    """Sandbox-only endpoints under /_sandbox/; everything else goes to moto.

    - ``GET /_sandbox/health``: liveness.
    - ``POST /_sandbox/faults`` ``{"function_name", "step", "message", "times"}``: make the next
      ``times`` (default 1; null: until cleared) invocations of that function for that step fail.
    - ``DELETE /_sandbox/faults``: clear them.
    - ``GET /_sandbox/invocations``: every invocation so far (function, step, outcome, duration).
    - ``GET /_sandbox/stats``: the process's peak resident memory, and the current resident
      memory of the function environments (separate processes).
    - ``GET /_sandbox/clock``: ``{"now": epoch seconds}``, the sandbox clock.
    - ``POST /_sandbox/clock`` ``{"advance_seconds": N}``: move the clock N seconds ahead, running
      every rotation window on the way; answers ``{"now", "rotations": [...]}``.
    - ``POST /_sandbox/rotations/wait`` ``{"secret_id", "timeout"}``: the most recent rotation of
      the secret once it has finished (404 if it never rotated).
    """
    from rotation_testing import secretsmanager  # noqa: PLC0415
    from rotation_testing.clock import CLOCK  # noqa: PLC0415
    from rotation_testing.moto_lock import MOTO_LOCK  # noqa: PLC0415
    from sandbox.faults import FAULTS, Fault  # noqa: PLC0415

    def body(environ: dict[str, Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return json.loads(environ["wsgi.input"].read(length) or b"{}")

    def dispatch(  # noqa: PLR0911  one return per endpoint reads best
        environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(CONTROL_PREFIX):
            with MOTO_LOCK.held():
                return app(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        name = path.removeprefix(CONTROL_PREFIX).strip("/")
        if name == "health":
            return _json_response(start_response, "200 OK", {"ok": True})
        if name == "faults" and method == "POST":
            request = body(environ)
            FAULTS.add(
                Fault(
                    function_name=str(request["function_name"]),
                    step=str(request["step"]),
                    message=str(request.get("message", "injected failure")),
                    times=request.get("times", 1),
                )
            )
            return _json_response(start_response, "201 Created", {"ok": True})
        if name == "faults" and method == "DELETE":
            FAULTS.clear()
            return _json_response(start_response, "200 OK", {"ok": True})
        if name == "clock" and method == "POST":
            seconds = float(body(environ).get("advance_seconds", 0))
            rotations = secretsmanager.advance_clock(seconds)
            return _json_response(
                start_response, "200 OK", {"now": CLOCK.now(), "rotations": rotations}
            )
        if name == "clock":
            return _json_response(start_response, "200 OK", {"now": CLOCK.now()})
        if name == "rotations/wait" and method == "POST":
            request = body(environ)
            secret_id = str(request["secret_id"])
            found = secretsmanager.wait_for_rotation(secret_id, float(request.get("timeout", 60)))
            if found is None:
                message = f"no rotation of {secret_id} has started in this sandbox"
                return _json_response(start_response, "404 Not Found", {"error": message})
            return _json_response(start_response, "200 OK", found)
        if name == "invocations":
            return _json_response(start_response, "200 OK", runner.invocations_as_dicts())
        if name == "stats":
            import resource  # noqa: PLC0415

            peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return _json_response(
                start_response,
                "200 OK",
                {"peak_rss_kb": peak_kb, "environments_rss_kb": runner.environments_rss_kb()},
            )
        return _json_response(start_response, "404 Not Found", {"error": f"no such path {path}"})

    return dispatch


def cache_moto_lookups() -> None:
    """Two lookups moto 5.2.5 repeats on every request, cached: about 20 ms of each call.

    ``list_of_moto_modules`` lists and stats moto's package directory (about 180 ``stat`` calls)
    to route each request; ``method_names_from_class`` inspects the response class's members.
    Neither answer changes while the process runs. A rotation makes 7 to 10 calls, so this is
    most of what a rotation costs (issue 10: forty days of rotations in about a minute).
    """
    import functools  # noqa: PLC0415

    from moto import backends  # noqa: PLC0415
    from moto.core import responses  # noqa: PLC0415

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    names = functools.cache(getattr(responses, "method_names_from_class"))  # noqa: B009
    setattr(responses, "method_names_from_class", names)  # noqa: B010


def serve() -> None:
    # Attaching AWS managed policies to a role needs them loaded (moto reads this when IAM
    # starts). Set here, not at import: a process that imports this module for its helpers
    # (a test) would otherwise load about 1,000 policies into every IAM backend it creates.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    # A server that runs uploaded zips as local processes must not let a web page's script call
    # it: without this, moto answers every Origin with Access-Control-Allow-Origin: *.
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    from moto.moto_server import werkzeug_app  # noqa: PLC0415  after the environment is set
    from moto.moto_server.werkzeug_app import (  # noqa: PLC0415
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    # moto reads the variable when moto.settings is first imported, which may have happened.
    werkzeug_app.DISABLE_GLOBAL_CORS = True  # type: ignore[attr-defined]
    from werkzeug.serving import make_server  # noqa: PLC0415

    from rotation_testing import secretsmanager  # noqa: PLC0415
    from sandbox import (  # noqa: PLC0415
        events,
        iam,
        iam_simulation,
        lambda_runner,
        lambda_vpc,
        quotas,
        rds,
    )

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    work_dir = Path(tempfile.mkdtemp(prefix="sandbox-"))
    endpoint = ""
    runner = lambda_runner.LambdaRunner(work_dir, lambda: endpoint)
    lambda_runner.install(runner)
    secretsmanager.install()
    iam.install()
    iam_simulation.install()
    lambda_vpc.install()
    quotas.install()
    events.install()
    cache_moto_lookups()
    # Rules for a service most stacks never call, installed when its first request arrives (moto
    # builds a service's app then, before the request reaches it): importing moto's RDS imports
    # its EC2, which reads every region's data, 1.1 s of CPU at every start otherwise.
    on_first_request: dict[str, Callable[[], None]] = {"rds": rds.install}

    def create_app(service: Any) -> Any:
        install = on_first_request.pop(service, None)
        if install is not None:
            install()
        return create_backend_app(service)

    class RequestHandler(MotoRequestHandler):
        def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
            # werkzeug is silent here; a client that lost our answer retries, and its retry's
            # error is all Terraform shows.
            target = (environ or {}).get("HTTP_X_AMZ_TARGET") or getattr(self, "path", "")
            notice(f"connection dropped while answering {target}: {error!r}")

    app = control_app(AnswerReplay(DomainDispatcherApplication(create_app)), runner)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=RequestHandler)
    endpoint = f"http://127.0.0.1:{server.server_port}"

    def shutdown(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    def watch_parent() -> None:
        # The parent holds our stdin; EOF means it stopped us or died. Either way, go.
        sys.stdin.buffer.read()
        shutdown()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    threading.Thread(target=watch_parent, daemon=True).start()
    sys.stdout.write(json.dumps({"endpoint": endpoint, "pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    # Nobody reads our stdout after the announcement: anything printed later goes to the log
    # (stderr) instead of filling a pipe and blocking the server.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        server.serve_forever()
    finally:
        runner.shutdown()


if __name__ == "__main__":
    serve()
