"""Running providers that Terraform commands attach to, instead of starting their own.

Why: Terraform starts the AWS provider (a 700 MB binary) three or four times per command (schema,
validate walk, plan or apply walk) and the provider builds its whole schema each time: about half
of every plan's CPU in the tests (``make bench``, "provider reuse"). Terraform's documented
``TF_REATTACH_PROVIDERS`` lets a command use a provider that is already running instead; the
provider is started in debug mode (``-debug``, as ``terraform-plugin-testing`` runs providers for
acceptance tests) and prints the value to give.

Which one a command attaches to:

- **A command that writes (apply, destroy, import, ...): the directory's own**, started in that
  directory. Relative paths the provider opens (a Lambda zip's ``filename``, read when a function
  is created or its code updated) resolve against its working directory.
- **A command that only reads (plan, validate, show, output, providers): one shared by every
  directory** of the test process with the same environment, unless the directory has its own
  running already. Each start costs the AWS provider 0.8 CPU s, and most of the tests'
  directories are planned and never applied. No plan-time call of hashicorp/aws 5.100 opens a
  local file, and the shared one runs in an empty directory of its own, so one that did would
  fail rather than read another directory's file. Commands through it run one at a time: each
  configures it (region, endpoints), and two at once would use each other's settings.

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
- **The schema Terraform decodes.** Terraform reaches the AWS provider through a proxy per
  directory that answers its schema request with the types the directory uses
  (schema_proxy.py): decoding all 1,526 resource types cost every command 1.6 CPU s.

The offline stand-in for ``hashicorp/archive`` (a Python process, also started three or four
times per command) is reused per directory, in its ``--dev`` mode: it writes zips at relative
paths when it plans. A real ``hashicorp/archive`` is left to Terraform.

Only the tests ask for it (``Terraform(reuse_providers=True)``); ``make demo`` and users run
Terraform as they always do.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
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
# plan, the stand-in ~40 MB; two directories' worth of their own, and shared ones by environment.
KEEP_ALIVE = 4
KEEP_SHARED = 2
# Schema proxies kept (a gRPC server each, idle between commands): a few directories' worth.
KEEP_PROXIES = 8
# Terraform's first argument for the commands that only read (see the docstring): they may attach
# to the shared provider. Everything else (apply, destroy, import, refresh, state) gets the
# directory's own.
READING_COMMANDS = frozenset({"plan", "validate", "show", "output", "providers"})
SHARED = ""
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
    """A provider started with ``-debug`` in ``cwd``, and the reattach value it printed."""

    def __init__(self, address: str, command: list[str], cwd: Path, env: Mapping[str, str]) -> None:
        self.address = address
        self.binary = Path(command[0])
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

    def _wait_for_reattach_value(self, command: list[str]) -> dict[str, Any]:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        log = Path(self.log.name)
        while time.monotonic() < deadline:
            match = REATTACH_LINE.search(log.read_text(errors="replace"))
            if match:
                value: dict[str, Any] = json.loads(match["value"])
                return value
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        tail = log.read_text(errors="replace")[-2000:]
        self.stop()
        raise ProviderStartError(f"{command[0]} printed no reattach configuration:\n{tail}")

    @property
    def socket(self) -> str:
        """Where the provider listens (go-plugin's unix socket)."""
        return str(self.reattach[self.address]["Addr"]["String"])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
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


# A running provider's key: (owner, address, environment key); the owner is the directory it was
# started in, or SHARED.
Key = tuple[str, str, str]


class ProviderPool:
    """Running providers by owner and environment; the least recently used ones stop.

    One pool per test process (``POOL``), so the number of 0.8 GB providers alive is bounded by
    ``keep_alive`` (the directories' own) and ``KEEP_SHARED`` however many stacks a test file
    leaves behind.
    """

    def __init__(self, keep_alive: int = KEEP_ALIVE, *, trim_schemas: bool = True) -> None:
        """``trim_schemas``: reach the AWS provider through a SchemaTrimmingProxy (``make bench``
        turns it off to measure what it saves)."""
        self.keep_alive = keep_alive
        self.trim_schemas = trim_schemas
        self._running: OrderedDict[Key, RunningProvider] = OrderedDict()
        # By (directory, provider pid): the directory decides which types the proxy keeps.
        self._proxies: OrderedDict[tuple[str, int], SchemaTrimmingProxy] = OrderedDict()
        # The providers each directory's latest command attached to (for its failure report).
        self._serving: dict[str, list[Key]] = {}
        self._lock = threading.Lock()
        # Held by a reading command from before it attaches until it ends (see the docstring).
        self._shared_in_use = threading.Lock()
        self._shared_cwd: Path | None = None
        atexit.register(self.stop_all)

    @contextlib.contextmanager
    def attached(
        self, tfdir: Path | str, env: Mapping[str, str], args: Sequence[str]
    ) -> Iterator[dict[str, str]]:
        """``TF_REATTACH_PROVIDERS`` for ``terraform ARGS`` in ``tfdir`` (empty when nothing is
        reused), for the duration of the command."""
        directory = Path(tfdir).resolve()
        if not (args and args[0] in READING_COMMANDS):
            yield self._attach(directory, env, shareable=False)
            return
        with self._shared_in_use:
            yield self._attach(directory, env, shareable=True)

    def reattach_env(self, tfdir: Path | str, env: Mapping[str, str]) -> dict[str, str]:
        """``TF_REATTACH_PROVIDERS`` naming ``tfdir``'s own providers, started if need be."""
        return self._attach(Path(tfdir).resolve(), env, shareable=False)

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

    def _attach(
        self, directory: Path, env: Mapping[str, str], *, shareable: bool
    ) -> dict[str, str]:
        """The reattach value for a command in ``directory``; ``shareable``: the caller holds
        ``_shared_in_use`` and the command only reads."""
        reattach: dict[str, object] = {}
        attached: list[Key] = []
        with self._lock:
            for address, command, provider_env in self._reusable(directory, env):
                environment = _environment_key(provider_env)
                own_key = (str(directory), address, environment)
                provider = self._take(own_key)
                if provider is None and shareable and address == AWS_PROVIDER:
                    key: Key = (SHARED, address, environment)
                    provider = self._take(key) or RunningProvider(
                        address, command, self._empty_directory(), provider_env
                    )
                else:
                    key = own_key
                    provider = provider or RunningProvider(
                        address, command, directory, provider_env
                    )
                self._running[key] = provider  # the most recently used last
                attached.append(key)
                reattach.update(self._reattach_value(directory, provider))
            self._serving[str(directory)] = attached
            self._evict(directory, attached, shared_too=shareable)
        return {"TF_REATTACH_PROVIDERS": json.dumps(reattach)} if reattach else {}

    def _take(self, key: Key) -> RunningProvider | None:
        """The running provider under ``key``, out of the pool; None if there is none alive."""
        provider = self._running.pop(key, None)
        if provider is not None and not provider.alive():
            self._stop_provider(provider)  # its proxies and log; the process is gone
            return None
        return provider

    def _reattach_value(self, directory: Path, provider: RunningProvider) -> dict[str, object]:
        """The provider's reattach value; for AWS, through ``directory``'s schema proxy."""
        if provider.address != AWS_PROVIDER or not self.trim_schemas:
            return dict(provider.reattach)
        key = (str(directory), provider.process.pid)
        proxy = self._proxies.pop(key, None) or SchemaTrimmingProxy(
            provider.socket, provider.binary, directory, AWS_TYPE_PREFIX
        )
        self._proxies[key] = proxy
        served = provider.reattach[provider.address]
        return {provider.address: {**served, "Addr": {"Network": "unix", "String": proxy.socket}}}

    def _evict(self, directory: Path, attached: list[Key], *, shared_too: bool) -> None:
        """Stop the least recently used providers and proxies over the limits, never one this
        command attached to; a shared provider only when the caller holds it (no command runs
        through it)."""
        self._stop_oldest(
            [key for key in self._running if key[0] != SHARED], self.keep_alive, attached
        )
        if shared_too:
            self._stop_oldest(
                [key for key in self._running if key[0] == SHARED], KEEP_SHARED, attached
            )
        others = [proxy for proxy in self._proxies if proxy[0] != str(directory)]
        for proxy in others[: max(0, len(self._proxies) - KEEP_PROXIES)]:
            self._proxies.pop(proxy).stop()

    def _stop_oldest(self, keys: list[Key], limit: int, attached: list[Key]) -> None:
        """Stop the first of ``keys`` (least recently used first) until ``limit`` are left."""
        idle = [key for key in keys if key not in attached]
        for key in idle[: max(0, len(keys) - limit)]:
            self._stop_provider(self._running.pop(key))

    def _stop_provider(self, provider: RunningProvider) -> None:
        for key in [key for key in self._proxies if key[1] == provider.process.pid]:
            self._proxies.pop(key).stop()
        provider.stop()

    def _empty_directory(self) -> Path:
        """The shared providers' working directory: a relative path opened there finds nothing."""
        if self._shared_cwd is None:
            self._shared_cwd = Path(tempfile.mkdtemp(prefix="tf-shared-provider-"))
        return self._shared_cwd

    def crashes(self, tfdir: Path | str) -> list[str]:
        """What the providers serving ``tfdir``'s latest command printed last, if they died.

        Terraform reports a reused provider that crashed only as a lost connection; its panic is
        in its own log, which Terraform never sees.
        """
        directory = str(Path(tfdir).resolve())
        with self._lock:
            serving = [
                (key[1], self._running[key])
                for key in self._serving.get(directory, [])
                if key in self._running
            ]
        lines: list[str] = []
        for address, provider in serving:
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
        """Stop what serves only ``tfdir`` (a stack that is done): its own providers and its
        schema proxies. A shared provider goes on serving other directories."""
        directory = str(Path(tfdir).resolve())
        with self._lock:
            own = [self._running.pop(key) for key in list(self._running) if key[0] == directory]
            proxies = [self._proxies.pop(key) for key in list(self._proxies) if key[0] == directory]
            self._serving.pop(directory, None)
        for proxy in proxies:
            proxy.stop()
        for provider in own:
            self._stop_provider(provider)

    def stop_all(self) -> None:
        with self._lock:
            running = list(self._running.values())
            proxies = list(self._proxies.values())
            self._running.clear()
            self._proxies.clear()
            self._serving.clear()
        for proxy in proxies:
            proxy.stop()
        for provider in running:
            provider.stop()
        if self._shared_cwd is not None:
            shutil.rmtree(self._shared_cwd, ignore_errors=True)
            self._shared_cwd = None


POOL = ProviderPool()
