"""A custom rotation strategy for an API key issued by an HTTP key service.

The strategy protocol (version 1) is described in rotator/STRATEGIES.md. The secret is a JSON
object::

    {"service_url": "https://keys.example.com", "key_id": "ci-7f3a", "api_key": "..."}

(other keys are kept as they are). The key service is this example's, a small REST interface;
adapt the three calls in ``KeyServiceClient`` to yours:

- ``PUT /keys/{key_id}`` with ``{"api_key": ...}``, authenticated with a valid key: registers a new
  key (201), or answers 200 if that id already holds that key, 409 if it holds another;
- ``DELETE /keys/{key_id}``, authenticated with a valid key: revokes it (204; 404 if unknown);
- ``GET /whoami``, authenticated with a key: 200 ``{"key_id": ...}`` when the key is valid.

Steps:

- createSecret: a new key under a new id (the rotation's version id), generated in the function
  with the password policy (``ctx.new_password()``). Nothing is sent yet: a retried createSecret
  makes another value, and PutSecretValue keeps the first one stored.
- setSecret: revokes the key AWSPREVIOUS holds (replaced one interval ago: clients that cache the
  secret for less than one interval no longer use it), then registers the pending key,
  authenticated with the current one. Both calls are safe to repeat: a revoked key answers 404, a
  registered one 200.
- testSecret: calls the service with the pending key and checks it answers as that key.
- finishSecret is the rotator's: AWSCURRENT moves, and the key that was current stays valid (now
  AWSPREVIOUS) until the next rotation revokes it.

Errors say what to change and never hold a key: they name the key id, the call and the status.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, ClassVar

from rotator.errors import PendingValueInvalidError, RotationError, UnsupportedSecretShapeError

SERVICE_URL, KEY_ID, API_KEY = "service_url", "key_id", "api_key"
TIMEOUT_S = 5
# Plain HTTP only to this machine (tests, a local proxy): a key never crosses a network in clear.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ApiKeyShapeError(UnsupportedSecretShapeError):
    remedy = (
        'Store a JSON object with "service_url" (https://...), "key_id" and "api_key": the key '
        "the service issued and its id"
    )


class KeyServiceError(RotationError):
    """The key service refused or failed a call; the message names the call and the status."""

    remedy = (
        "Check the service is reachable from the function and that the current key may "
        "manage keys; the step is safe to retry with the same token"
    )


class KeyServiceClient:
    """The three calls, over urllib (the Lambda runtime has no other HTTP client)."""

    def __init__(self, service_url: str) -> None:
        self.service_url = service_url.rstrip("/")

    def register(self, auth_key: str, key_id: str, api_key: str) -> int:
        return self._call("PUT", f"/keys/{_quote(key_id)}", auth_key, {"api_key": api_key})[0]

    def revoke(self, auth_key: str, key_id: str) -> int:
        return self._call("DELETE", f"/keys/{_quote(key_id)}", auth_key)[0]

    def whoami(self, api_key: str) -> tuple[int, dict[str, Any]]:
        return self._call("GET", "/whoami", api_key)

    def _call(
        self, method: str, path: str, auth_key: str, body: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310  the scheme is checked in _parse
            self.service_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {auth_key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, {}
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            # The reason names the network failure (refused, timed out), never the request.
            raise KeyServiceError(
                f"{method} {path} on {self.service_url} failed: {type(exc).__name__}"
            ) from None


class ServiceApiKey:
    """ROTATION_STRATEGY=custom, CUSTOM_STRATEGY=api_key_service:ServiceApiKey."""

    protocol_version: ClassVar[int] = 1
    name: ClassVar[str] = "service-api-key"

    def create_pending_value(self, ctx: Any, current: Any) -> str:
        value = _parse(current.value, "AWSCURRENT")
        # The version id is unique per rotation and the same on every retry of it.
        return json.dumps({**value, KEY_ID: f"rot-{ctx.token}", API_KEY: ctx.new_password()})

    def set_secret(self, ctx: Any) -> None:
        pending = _parse(ctx.pending().value, "AWSPENDING")
        current = _parse(ctx.current().value, "AWSCURRENT")
        client = KeyServiceClient(pending[SERVICE_URL])
        previous = ctx.previous()
        if previous is not None:
            self._revoke_previous(ctx, client, current, pending, previous.value)
        status = client.register(current[API_KEY], pending[KEY_ID], pending[API_KEY])
        if status == 409:
            raise PendingValueInvalidError(
                f"the key service holds another key under id {pending[KEY_ID]}",
                remedy="Remove AWSPENDING from that version and start a new rotation",
            )
        if status not in {200, 201}:
            raise KeyServiceError(
                f"registering key {pending[KEY_ID]} answered HTTP {status}",
                remedy=_remedy_for(status),
            )
        ctx.log.info("registered the new key", key_id=pending[KEY_ID], status=status)

    def test_secret(self, ctx: Any) -> None:
        pending = _parse(ctx.pending().value, "AWSPENDING")
        status, body = KeyServiceClient(pending[SERVICE_URL]).whoami(pending[API_KEY])
        if status != 200:
            raise PendingValueInvalidError(
                f"the key service refused the new key {pending[KEY_ID]} (HTTP {status})",
                remedy="Check that setSecret registered it (the function's log); the rotation "
                "is retried with the same token",
            )
        if body.get(KEY_ID) != pending[KEY_ID]:
            raise PendingValueInvalidError(
                f"the new key authenticates as {body.get(KEY_ID)!r}, not as {pending[KEY_ID]}",
                remedy="Check the service issues one key per id",
            )

    @staticmethod
    def _revoke_previous(
        ctx: Any,
        client: KeyServiceClient,
        current: dict[str, Any],
        pending: dict[str, Any],
        previous_value: str,
    ) -> None:
        try:
            previous = _parse(previous_value, "AWSPREVIOUS")
        except ApiKeyShapeError:
            # The secret held something else before this strategy: nothing to revoke.
            ctx.log.info("AWSPREVIOUS holds no key; nothing to revoke")
            return
        if previous[KEY_ID] in {current[KEY_ID], pending[KEY_ID]}:
            return  # never the key in use, nor the one being made
        status = client.revoke(current[API_KEY], previous[KEY_ID])
        if status not in {200, 204, 404}:  # 404: revoked already (a retried setSecret)
            raise KeyServiceError(
                f"revoking the previous key {previous[KEY_ID]} answered HTTP {status}",
                remedy=_remedy_for(status),
            )
        ctx.log.info("revoked the previous key", key_id=previous[KEY_ID], status=status)


def _parse(value: str, stage: str) -> dict[str, Any]:
    """The secret's JSON object, checked. Errors name keys and stages, never values."""
    try:
        obj = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ApiKeyShapeError(f"{stage} is not JSON (error at position {exc.pos})") from None
    if not isinstance(obj, dict):
        raise ApiKeyShapeError(f"{stage} is JSON but not an object")
    for key in (SERVICE_URL, KEY_ID, API_KEY):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise ApiKeyShapeError(f'{stage} has no non-empty string under "{key}"')
    url = urllib.parse.urlsplit(obj[SERVICE_URL])
    if url.scheme != "https" and not (url.scheme == "http" and url.hostname in LOOPBACK_HOSTS):
        raise ApiKeyShapeError(
            f"{stage}'s service_url is not https:// (scheme {url.scheme!r}, host {url.hostname})",
            remedy="Use an https:// URL: the key would cross the network in clear",
        )
    return obj


def _remedy_for(status: int) -> str:
    if status in {401, 403}:
        return (
            "The service refused the current key: check AWSCURRENT holds a valid key that may "
            "manage keys (a key revoked by hand must be replaced in the secret)"
        )
    return KeyServiceError.remedy


def _quote(key_id: str) -> str:
    return urllib.parse.quote(key_id, safe="")


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
