"""An HTTP key service on loopback, the one examples/custom-api-key's strategy rotates keys with.

The interface is the example's (examples/custom-api-key/rotation/api_key_service.py): PUT and
DELETE /keys/{id} authenticated with a valid key, GET /whoami. It keeps SHA-256 digests of keys
only. It runs on a thread in the test process; the sandbox's Lambda runner runs the function as a
local process, which reaches it on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import unquote


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyService:
    """Use as a context manager: ``url`` while it runs; ``issue`` a key by hand; ``works``."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}  # key id -> digest of the key
        self._lock = threading.Lock()
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        # Fault injection: register answers this status instead of storing the key.
        self.refuse_registration_with: int | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> KeyService:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def issue(self, key_id: str, key: str) -> None:
        """A key issued by hand (the one the secret starts with)."""
        with self._lock:
            self._keys[key_id] = _digest(key)

    def revoke(self, key_id: str) -> None:
        with self._lock:
            self._keys.pop(key_id, None)

    def key_ids(self) -> set[str]:
        with self._lock:
            return set(self._keys)

    def works(self, key: str) -> bool:
        """Whether the service accepts ``key`` now."""
        return self._owner(key) is not None

    def _owner(self, key: str) -> str | None:
        digest = _digest(key)
        with self._lock:
            return next((k for k, d in self._keys.items() if d == digest), None)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the default prints every request to stderr."""

            def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
                service.requests.append((self.command, self.path, status))
                # 204 has no body (RFC 9110, 15.3.5).
                payload = b"" if status == 204 else json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _caller(self) -> str | None:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Bearer "):
                    return None
                return service._owner(header.removeprefix("Bearer "))

            def _key_id(self) -> str | None:
                if not self.path.startswith("/keys/"):
                    return None
                return unquote(self.path.removeprefix("/keys/"))

            def do_GET(self) -> None:
                caller = self._caller()
                if self.path != "/whoami":
                    self._answer(404)
                elif caller is None:
                    self._answer(401)
                else:
                    self._answer(200, {"key_id": caller})

            def do_PUT(self) -> None:
                key_id, caller = self._key_id(), self._caller()
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if key_id is None:
                    self._answer(404)
                elif caller is None:
                    self._answer(401)
                elif service.refuse_registration_with is not None:
                    self._answer(service.refuse_registration_with)
                else:
                    digest = _digest(str(body.get("api_key", "")))
                    with service._lock:
                        existing = service._keys.get(key_id)
                        if existing is None:
                            service._keys[key_id] = digest
                    if existing is None:
                        self._answer(201)
                    else:
                        self._answer(200 if existing == digest else 409)

            def do_DELETE(self) -> None:
                key_id, caller = self._key_id(), self._caller()
                if key_id is None:
                    self._answer(404)
                elif caller is None:
                    self._answer(401)
                elif key_id == caller:
                    self._answer(409, {"error": "a key cannot revoke itself"})
                else:
                    with service._lock:
                        found = service._keys.pop(key_id, None)
                    self._answer(204 if found is not None else 404)

        return Handler
