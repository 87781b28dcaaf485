"""One provider process per directory, reused by every Terraform command run there.

Why: Terraform starts the AWS provider (a 700 MB binary) three or four times per command (schema,
validate walk, plan or apply walk) and the provider builds its whole schema each time: about half
of every plan's CPU in the tests (``make bench``, "provider reuse"). Terraform's documented
``TF_REATTACH_PROVIDERS`` lets a command use a provider that is already running instead; the
provider is started in debug mode (``-debug``, as ``terraform-plugin-testing`` runs providers for
acceptance tests) and prints the value to give.

What a reused provider shares, and why each is kept the same as Terraform's own launch:

- **One configuration at a time.** Every instance in one command talks to the same process, so two
  ``provider "aws"`` configurations (an ``alias``) would overwrite each other's settings (seen: a
  queue of the aliased region read through the default region's client). A directory whose root
  module has more than one ``provider "aws"`` block or any ``alias`` is run the normal way.
- **Environment.** The provider reads ``AWS_*`` from its own environment, not Terraform's: it is
  started with the runner's environment, so the sandbox it talks to is the runner's.
- **A CA bundle once.** A provider given ``AWS_CA_BUNDLE`` fails its second configuration in one
  process ("unable to add custom RootCAs HTTPClient"). The tests' AWS is plain ``http://`` on
  loopback, where a CA bundle is never read: the reused provider is started without it there, and
  not reused at all for any other endpoint.
- **Working directory.** Relative paths the provider opens (a Lambda zip's ``filename``) resolve
  against its own directory: it is started in the directory whose commands it serves.
- **The schema Terraform decodes.** Terraform is given the AWS provider through a proxy that
  answers its schema request with the types the directory uses (schema_proxy.py): decoding all
  1,526 resource types cost every command 1.6 CPU s, reused provider or not.

The offline stand-in for ``hashicorp/archive`` (a Python process, also started three or four
times per command) is reused the same way, in its ``--dev`` mode; a real ``hashicorp/archive``
is left to Terraform.

Only the tests ask for it (``Terraform(reuse_providers=True)``); ``make demo`` and users run
Terraform as they always do.
"""

from __future__ import annotations

import atexit
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from terraform_offline.schema_proxy import SchemaTrimmingProxy

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
ARCHIVE_PROVIDER = "registry.terraform.io/hashicorp/archive"
AWS_TYPE_PREFIX = "aws_"
# Where `terraform init` puts the providers it selected for a directory.
INSTALLED_GLOB = ".terraform/providers/{address}/*/*/terraform-provider-{name}_*"
# The first lines of the stand-in's launcher (cli_config.py); only it understands --dev.
STANDIN_MARKER = b"OFFLINE STAND-IN"
AWS_PROVIDER_BLOCK = re.compile(r'^\s*provider\s+"aws"\s*\{', re.MULTILINE)
ALIAS = re.compile(r"^\s*alias\s*=", re.MULTILINE)
REATTACH_LINE = re.compile(r"TF_REATTACH_PROVIDERS='(?P<value>\{.*\})'")
START_TIMEOUT_SECONDS = 60.0
# Live provider processes per test process: an AWS provider holds ~0.8 GB once it has served a
# plan, the stand-in ~40 MB; two directories' worth.
KEEP_ALIVE = 4
CRASH_TAIL_LINES = 30


class ProviderStartError(RuntimeError):
    """The provider did not print its reattach configuration."""


def single_aws_configuration(tfdir: Path) -> bool:
    """True when the root module configures ``hashicorp/aws`` at most once (no ``alias``).

    Our modules declare no provider blocks (a test checks it), so the root module's files say
    how many configurations a command creates.
    """
    text = "\n".join(path.read_text() for path in sorted(tfdir.glob("*.tf")))
    return len(AWS_PROVIDER_BLOCK.findall(text)) <= 1 and not ALIAS.search(text)


def installed_provider(tfdir: Path, address: str) -> Path | None:
    """The provider executable ``terraform init`` installed in ``tfdir``, if it did."""
    name = address.rsplit("/", 1)[1]
    found = sorted(tfdir.glob(INSTALLED_GLOB.format(address=address, name=name)))
    return found[0] if found else None


def is_archive_standin(executable: Path) -> bool:
    with executable.open("rb") as launcher:
        return STANDIN_MARKER in launcher.read(512)


def _dying_with_parent(command: list[str]) -> list[str]:
    """``command`` under util-linux's ``setpriv --pdeathsig``, where it exists (Linux).

    The provider then gets SIGTERM when the test process that started it exits, however it exits,
    so no provider outlives a killed test run. Not a ``preexec_fn``: Python code between fork and
    exec can deadlock on a lock another thread held (the schema proxies' gRPC threads).
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *command] if setpriv else command


class RunningProvider:
    """A provider started with ``-debug`` in a directory, and the reattach value to give.

    ``trim_schema``: the provider's type prefix (``aws_``) when Terraform should reach it through
    a SchemaTrimmingProxy; the reattach value then names the proxy's socket.
    """

    def __init__(
        self,
        address: str,
        command: list[str],
        cwd: Path,
        env: Mapping[str, str],
        trim_schema: str | None = None,
    ) -> None:
        self.proxy: SchemaTrimmingProxy | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  lives as long as the process
            prefix="provider-", suffix=".log"
        )
        self.process = subprocess.Popen(
            _dying_with_parent(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.reattach = self._wait_for_reattach_value(command)
        if trim_schema is not None:
            served: dict[str, Any] = self.reattach[address]  # type: ignore[assignment]
            binary = Path(command[0])
            self.proxy = SchemaTrimmingProxy(served["Addr"]["String"], binary, cwd, trim_schema)
            self.reattach = {
                address: {**served, "Addr": {"Network": "unix", "String": self.proxy.socket}}
            }

    def _wait_for_reattach_value(self, command: list[str]) -> dict[str, object]:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        log = Path(self.log.name)
        while time.monotonic() < deadline:
            match = REATTACH_LINE.search(log.read_text(errors="replace"))
            if match:
                value: dict[str, object] = json.loads(match["value"])
                return value
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        tail = log.read_text(errors="replace")[-2000:]
        self.stop()
        raise ProviderStartError(f"{command[0]} printed no reattach configuration:\n{tail}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _environment_key(env: Mapping[str, str]) -> str:
    # Variables for the configuration (TF_VAR_*) do not reach the provider; everything else may.
    return json.dumps(sorted((k, v) for k, v in env.items() if not k.startswith("TF_VAR_")))


class ProviderPool:
    """Running providers by directory and environment; the least recently used ones stop.

    One pool per test process (``POOL``), so the number of 0.8 GB providers alive is bounded by
    ``keep_alive`` however many stacks a test file leaves behind.
    """

    def __init__(self, keep_alive: int = KEEP_ALIVE, *, trim_schemas: bool = True) -> None:
        """``trim_schemas``: reach the AWS provider through a SchemaTrimmingProxy (``make bench``
        turns it off to measure what it saves)."""
        self.keep_alive = keep_alive
        self.trim_schemas = trim_schemas
        self._running: OrderedDict[tuple[str, str, str], RunningProvider] = OrderedDict()
        self._lock = threading.Lock()
        atexit.register(self.stop_all)

    def reattach_env(self, tfdir: Path | str, env: Mapping[str, str]) -> dict[str, str]:
        """``TF_REATTACH_PROVIDERS`` for a command in ``tfdir``; empty when nothing is reused."""
        directory = Path(tfdir).resolve()
        reattach: dict[str, object] = {}
        for address, command, provider_env in self._reusable(directory, env):
            reattach.update(self._running_in(directory, address, command, provider_env))
        return {"TF_REATTACH_PROVIDERS": json.dumps(reattach)} if reattach else {}

    @staticmethod
    def _reusable(
        directory: Path, env: Mapping[str, str]
    ) -> Iterator[tuple[str, list[str], Mapping[str, str]]]:
        """(address, command, environment) of each provider ``directory`` may reuse."""
        aws = installed_provider(directory, AWS_PROVIDER)
        if aws is not None and single_aws_configuration(directory):
            if "AWS_CA_BUNDLE" not in env:
                yield AWS_PROVIDER, [str(aws), "-debug"], env
            elif env.get("AWS_ENDPOINT_URL", "").startswith("http://"):
                without_bundle = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}
                yield AWS_PROVIDER, [str(aws), "-debug"], without_bundle
        archive = installed_provider(directory, ARCHIVE_PROVIDER)
        if archive is not None and is_archive_standin(archive):
            # It prints the reattach value with print(): unbuffered, or it waits in the buffer.
            yield ARCHIVE_PROVIDER, [str(archive), "--dev"], {**env, "PYTHONUNBUFFERED": "1"}

    def _running_in(
        self, directory: Path, address: str, command: list[str], env: Mapping[str, str]
    ) -> dict[str, object]:
        key = (str(directory), address, _environment_key(env))
        with self._lock:
            provider = self._running.pop(key, None)
            if provider is not None and not provider.alive():
                provider.stop()  # its proxy and log; the process is gone
                provider = None
            if provider is None:
                trim = AWS_TYPE_PREFIX if address == AWS_PROVIDER and self.trim_schemas else None
                provider = RunningProvider(address, command, directory, env, trim_schema=trim)
            self._running[key] = provider
            # The oldest first, never one this directory's command is about to attach to.
            others = [k for k in self._running if k[0] != key[0]]
            for old in others[: max(0, len(self._running) - self.keep_alive)]:
                self._running.pop(old).stop()
        return provider.reattach

    def crashes(self, tfdir: Path | str) -> list[str]:
        """What the providers serving ``tfdir`` that have died printed last.

        Terraform reports a reused provider that crashed only as a lost connection; its panic is
        in its own log, which Terraform never sees.
        """
        directory = str(Path(tfdir).resolve())
        with self._lock:
            dead = [(k[1], p) for k, p in self._running.items() if k[0] == directory]
        lines: list[str] = []
        for address, provider in dead:
            if provider.alive():
                continue
            tail = Path(provider.log.name).read_text(errors="replace").splitlines()
            code = provider.process.returncode
            lines.append(f"The reused provider {address} exited {code}; its last lines:")
            lines += tail[-CRASH_TAIL_LINES:]
        return lines

    def pids(self) -> list[int]:
        """Process ids of the providers running now (``make bench`` reads their CPU)."""
        with self._lock:
            return [provider.process.pid for provider in self._running.values()]

    def stop(self, tfdir: Path | str) -> None:
        """Stop the providers serving ``tfdir`` (a stack that is done)."""
        directory = str(Path(tfdir).resolve())
        with self._lock:
            keys = [key for key in self._running if key[0] == directory]
            stopping = [self._running.pop(key) for key in keys]
        for provider in stopping:
            provider.stop()

    def stop_all(self) -> None:
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
        for provider in running:
            provider.stop()


POOL = ProviderPool()
