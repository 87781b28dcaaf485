"""The reused AWS provider's schema, cut down to the types the directory's configuration names.

Why: at the start of every command Terraform decodes the whole schema of every provider the
configuration requires. ``hashicorp/aws`` 5.100 describes 1,526 resource types, 608 data sources
and 7 ephemeral resources in a 4.9 MB message: 1.6 CPU s of the Terraform CLI for a
``terraform validate`` of one queue, against 0.08 s with that queue's schema alone (``make bench``,
"provider reuse"). Across the tests' ~300 commands it was the largest single cost of ``make test``.

How: the tests' reused provider (provider_reuse.py) is reached through this proxy, a gRPC server
in the test process on a unix socket. It forwards every call to the provider byte for byte, except
the answer to ``GetSchema`` (tfplugin5's GetProviderSchema): its three maps of types (fields 2, 3
and 8 of ``GetProviderSchema.Response``, hashicorp/terraform docs/plugin-protocol/tfplugin5.9.proto)
keep only the entries whose names appear in the directory's configuration (the root module and
every module ``terraform init`` recorded in ``.terraform/modules/modules.json``) or in its local
state. The provider's own block, functions, capabilities and diagnostics pass unchanged.

The answer is asked of a provider binary once per test process and kept (``SCHEMAS``): building
it costs the provider 0.85 CPU s, and ~120 providers start in a run. A binary's schema is fixed
by its code. A provider never asked is unaffected: hashicorp/aws (terraform-plugin-mux) finds
which of its servers owns a type by asking them itself, on the first call that names one.

What a command sees differently: nothing for the types it uses. A type named nowhere Terraform
reads from the directory (only a ``-state=`` file elsewhere, say) is missing, and Terraform fails
with "does not support resource type"; the runner's failure report says where that comes from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

# Read when grpc is imported. Its fork handlers cannot run while the proxies' threads are in gRPC
# calls (it says so on stderr at every fork); the test process's children exec at once and use
# none of its gRPC state.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import grpc

GET_SCHEMA = "/tfplugin5.Provider/GetSchema"
# GetProviderSchema.Response: resource_schemas = 2, data_source_schemas = 3,
# ephemeral_resource_schemas = 8, each a map<string, Schema> (entries: key = 1, value = 2).
TYPE_MAPS = frozenset({2, 3, 8})
MAP_KEY_FIELD = 1
# Protobuf wire types and how many bytes the fixed ones take.
VARINT, LENGTH_DELIMITED = 0, 2
FIXED_SIZES = {1: 8, 5: 4}
# Calls whose shape is not "one request, one response" (hashicorp/go-plugin's services).
SERVER_STREAMING = frozenset({"/plugin.GRPCStdio/StreamStdio"})
BIDIRECTIONAL = frozenset({"/plugin.GRPCBroker/StartStream"})
# The schema alone is 4.9 MB, over gRPC's 4 MB default; Terraform allows 256 MB.
MESSAGE_LIMIT = 256 << 20
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MESSAGE_LIMIT),
    ("grpc.max_send_message_length", MESSAGE_LIMIT),
]
# Terraform calls a provider from up to ten walkers at once (-parallelism's default).
WORKERS = 16
CONFIG_SUFFIXES = (".tf", ".tf.json")
MODULES_MANIFEST = Path(".terraform/modules/modules.json")
BACKEND_SETTINGS = Path(".terraform/terraform.tfstate")
DEFAULT_STATES = ("terraform.tfstate", "terraform.tfstate.backup")


def _varint(buffer: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buffer[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def _fields(message: bytes) -> Iterator[tuple[int, bytes | None, bytes]]:
    """(field number, payload of a length-delimited field or None, the field's raw bytes)."""
    at = 0
    while at < len(message):
        start = at
        tag, at = _varint(message, at)
        number, wire_type = tag >> 3, tag & 7
        payload = None
        if wire_type == VARINT:
            _, at = _varint(message, at)
        elif wire_type == LENGTH_DELIMITED:
            length, at = _varint(message, at)
            payload = message[at : at + length]
            at += length
        elif wire_type in FIXED_SIZES:
            at += FIXED_SIZES[wire_type]
        else:
            raise ValueError(f"protobuf wire type {wire_type} at byte {start}: not a schema")
        yield number, payload, message[start:at]


def _map_key(entry: bytes) -> str:
    for number, payload, _ in _fields(entry):
        if number == MAP_KEY_FIELD and payload is not None:
            return payload.decode()
    return ""


def trim_schema(response: bytes, keep: Collection[str]) -> bytes:
    """A serialized GetProviderSchema.Response with only the ``keep`` types in its type maps."""
    kept = bytearray()
    for number, payload, raw in _fields(response):
        if number in TYPE_MAPS and payload is not None and _map_key(payload) not in keep:
            continue
        kept += raw
    return bytes(kept)


def _files(directory: Path, suffixes: Iterable[str]) -> list[Path]:
    return [path for path in sorted(directory.glob("*")) if path.name.endswith(tuple(suffixes))]


def _module_directories(root: Path) -> list[Path]:
    manifest = root / MODULES_MANIFEST
    if not manifest.is_file():
        return [root]
    modules = json.loads(manifest.read_text()).get("Modules", [])
    return [root, *((root / module["Dir"]) for module in modules)]


def _state_files(root: Path) -> list[Path]:
    states = [root / name for name in DEFAULT_STATES]
    states += sorted(root.glob("terraform.tfstate.d/*/terraform.tfstate"))
    settings = root / BACKEND_SETTINGS
    if settings.is_file():
        backend = json.loads(settings.read_text()).get("backend") or {}
        path = (backend.get("config") or {}).get("path")
        if backend.get("type") == "local" and path:
            states.append(root / path)
    return [state for state in states if state.is_file()]


def types_in_use(root: Path, prefix: str) -> set[str]:
    """Every ``<prefix>…`` name in the configuration ``terraform`` reads in ``root``, and its state.

    Any token with the prefix counts (an attribute such as ``aws_account_id`` too): a name kept
    needlessly costs a few kilobytes, a type dropped fails the command.
    """
    name = re.compile(re.escape(prefix) + r"[a-z0-9_]+")
    modules = _module_directories(root)
    files = [path for module in modules for path in _files(module, CONFIG_SUFFIXES)]
    files += _state_files(root)
    return {match for path in files for match in name.findall(path.read_text(errors="replace"))}


class SchemaCache:
    """Each provider binary's whole schema answer, asked of the first of its processes."""

    def __init__(self) -> None:
        self._answers: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, binary: Path, ask: Callable[[], bytes]) -> bytes:
        key = str(binary.resolve())
        with self._lock:
            if key not in self._answers:
                self._answers[key] = ask()
            return self._answers[key]


SCHEMAS = SchemaCache()


class SchemaTrimmingProxy:
    """Forwards a provider's gRPC calls; answers ``GetSchema`` with ``root``'s types only.

    ``binary``: the provider's executable, whose schema ``SCHEMAS`` keeps.
    """

    def __init__(self, upstream_socket: str, binary: Path, root: Path, prefix: str) -> None:
        self.root = root
        self.prefix = prefix
        self.binary = binary
        self._channel = grpc.insecure_channel(f"unix:{upstream_socket}", options=CHANNEL_OPTIONS)
        self._directory = tempfile.mkdtemp(prefix="tf-schema-proxy-")
        self.socket = f"{self._directory}/provider.sock"
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=WORKERS), options=CHANNEL_OPTIONS
        )
        self._server.add_generic_rpc_handlers([_Forwarder(self)])
        self._server.add_insecure_port(f"unix:{self.socket}")
        self._server.start()

    def schema(self) -> bytes:
        """The provider's schema trimmed to the types ``root`` uses now (it may have changed)."""
        whole = SCHEMAS.get(self.binary, lambda: self._channel.unary_unary(GET_SCHEMA)(b""))
        return trim_schema(whole, types_in_use(self.root, self.prefix))

    def unary(self, method: str) -> Callable[[bytes], bytes]:
        forward: Callable[[bytes], bytes] = self._channel.unary_unary(method)
        return forward

    def streaming(self, method: str) -> Callable[[Any], Iterator[bytes]]:
        if method in BIDIRECTIONAL:
            return self._channel.stream_stream(method)  # type: ignore[no-any-return]
        return self._channel.unary_stream(method)  # type: ignore[no-any-return]

    def stop(self) -> None:
        self._server.stop(grace=None)
        self._channel.close()
        shutil.rmtree(self._directory, ignore_errors=True)


class _Forwarder:
    """Hands every method to the provider; ``GetSchema`` to the proxy's trimmed copy.

    A ``grpc.GenericRpcHandler`` by its ``service`` method (grpc checks for that method only).
    """

    def __init__(self, proxy: SchemaTrimmingProxy) -> None:
        self.proxy = proxy
        # grpc asks for a handler on every call; a plan makes hundreds of a few kinds.
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        method: str = handler_call_details.method
        if method not in self._handlers:
            self._handlers[method] = self._handler(method)
        return self._handlers[method]

    def _handler(self, method: str) -> grpc.RpcMethodHandler:
        if method == GET_SCHEMA:
            return grpc.unary_unary_rpc_method_handler(_relaying(lambda _: self.proxy.schema()))
        if method in SERVER_STREAMING:
            return grpc.unary_stream_rpc_method_handler(_streaming(self.proxy.streaming(method)))
        if method in BIDIRECTIONAL:
            return grpc.stream_stream_rpc_method_handler(_streaming(self.proxy.streaming(method)))
        return grpc.unary_unary_rpc_method_handler(_relaying(self.proxy.unary(method)))


def _relaying(call: Callable[[Any], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
    """A handler passing the provider's answer, or its error status, back to Terraform."""

    def handle(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return call(request)
        except grpc.RpcError as error:
            context.abort(error.code(), error.details())

    return handle


def _streaming(call: Callable[[Any], Any]) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
    """A handler relaying a stream until either side ends it.

    The provider's stdio stream never ends by itself: when Terraform exits, the stream to the
    provider is cancelled, or every command would hold one of the proxy's threads for good.
    """

    def handle(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        if isinstance(request, Iterator):  # a stream of requests: it ends when Terraform leaves
            request = _until_closed(request)
        responses = call(request)
        context.add_callback(responses.cancel)
        try:
            yield from responses
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                context.abort(error.code(), error.details())

    return handle


def _until_closed(requests: Iterator[Any]) -> Iterator[Any]:
    """Terraform's requests until it closes the stream (grpc raises; the provider sees an end)."""
    try:
        yield from requests
    except grpc.RpcError:
        return
