"""The sandbox runs uploaded zips as local processes: no web page may call it from a browser.

moto answers every request with ``Access-Control-Allow-Origin: *`` and every OPTIONS preflight
with the methods asked for, unless MOTO_DISABLE_GLOBAL_CORS is set; the sandbox sets it.
"""

from __future__ import annotations

import urllib.request

from sandbox.server import Sandbox


def _headers(sandbox: Sandbox, method: str) -> dict[str, str]:
    request = urllib.request.Request(  # noqa: S310  the sandbox's own http://127.0.0.1 URL
        sandbox.aws_env()["AWS_ENDPOINT_URL"] + "/",
        method=method,
        headers={
            "Origin": "https://attacker.example",
            "Access-Control-Request-Method": "POST",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return {k.lower(): v for k, v in error.headers.items()}


def test_no_origin_is_allowed_to_call_the_sandbox(sandbox: Sandbox) -> None:
    for method in ("OPTIONS", "GET"):
        headers = _headers(sandbox, method)
        assert "access-control-allow-origin" not in headers, (method, headers)
