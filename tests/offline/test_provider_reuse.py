"""The tests' running providers (terraform_offline/provider_reuse.py): which directories reuse
one, that Terraform is told to attach to it, that a command that writes gets one started in its
directory and commands that only read share one, that it is restarted when it died, and that the
least recently used stop."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from terraform_offline import aws_provider_mirror, offline_terraform
from terraform_offline.provider_reuse import (
    ARCHIVE_PROVIDER,
    AWS_PROVIDER,
    KEEP_SHARED,
    ProviderPool,
    single_aws_configuration,
)
from terraform_offline.runner import Terraform, TerraformError

ONE = 'provider "aws" {\n  region = "us-east-1"\n}\n'
ALIASED = 'provider "aws" {\n  alias  = "west"\n  region = "eu-west-1"\n}\n'


def _root(tmp_path: Path, name: str, *files: str) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    for index, text in enumerate(files):
        (directory / f"f{index}.tf").write_text(text)
    return directory


def test_only_a_root_module_with_one_aws_configuration_reuses(tmp_path: Path) -> None:
    assert single_aws_configuration(_root(tmp_path, "none", 'output "x" { value = 1 }\n'))
    assert single_aws_configuration(_root(tmp_path, "one", ONE))
    # Instances of two configurations would share one process and overwrite each other's region.
    assert not single_aws_configuration(_root(tmp_path, "two", ONE, ONE))
    assert not single_aws_configuration(_root(tmp_path, "aliased", ALIASED))


def _installed(directory: Path) -> None:
    """What `terraform init` leaves: the mirror's provider under .terraform/providers."""
    mirror_binary = next(aws_provider_mirror().glob(f"{AWS_PROVIDER}/*/*/terraform-provider-aws_*"))
    target = directory / ".terraform" / "providers" / AWS_PROVIDER / "5.100.0" / "linux_amd64"
    target.mkdir(parents=True)
    (target / mirror_binary.name).symlink_to(mirror_binary)


def _installed_standin(directory: Path) -> None:
    """What `terraform init` leaves with the offline CLI configuration: the stand-in's launcher."""
    mirror = offline_terraform(force_standin=True).archive_mirror
    assert mirror is not None
    launcher = next(mirror.glob(f"{ARCHIVE_PROVIDER}/*/*/terraform-provider-archive_*"))
    target = directory / ".terraform" / "providers" / ARCHIVE_PROVIDER / "2.7.1" / "linux_amd64"
    target.mkdir(parents=True)
    (target / launcher.name).symlink_to(launcher)


def _env_printer(tmp_path: Path) -> Path:
    """A stand-in for the terraform binary that prints the reattach value it was given."""
    script = tmp_path / "print-reattach"
    script.write_text('#!/bin/sh\nprintf "%s" "${TF_REATTACH_PROVIDERS:-}"\n')
    script.chmod(0o755)
    return script


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProviderPool]:
    """A pool of its own, so the test's providers are not the session's."""
    own = ProviderPool(keep_alive=1)
    monkeypatch.setattr("terraform_offline.runner.POOL", own)
    yield own
    own.stop_all()


def _attached(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The AWS provider's reattach value the command was given (the printer prints it)."""
    value: dict[str, Any] = json.loads(result.stdout)[AWS_PROVIDER]
    return value


def _cwd(pid: int) -> Path:
    return Path(f"/proc/{pid}/cwd").resolve()


def test_a_directory_s_writing_commands_attach_to_its_own_provider_and_init_to_none(
    tmp_path: Path, pool: ProviderPool
) -> None:
    stack = _root(tmp_path, "stack", ONE)
    _installed(stack)
    runner = Terraform(
        {"PATH": "/usr/bin:/bin"}, binary=str(_env_printer(tmp_path)), reuse_providers=True
    )

    assert runner.run(stack, "init").stdout == ""
    first = _attached(runner.run(stack, "apply"))
    second = _attached(runner.run(stack, "destroy"))
    (running,) = pool._running.values()
    assert first["Pid"] == second["Pid"] == running.process.pid
    assert running.alive()
    # Started where the Lambda zips' relative paths resolve.
    assert _cwd(running.process.pid) == stack.resolve()
    # A command that only reads uses the directory's own provider once it runs.
    assert _attached(runner.run(stack, "plan"))["Pid"] == first["Pid"]
    assert len(pool._running) == 1

    # A provider that died is replaced, not reattached to.
    running.process.kill()
    running.process.wait()
    third = _attached(runner.run(stack, "apply"))
    assert third["Pid"] != first["Pid"]
    # The dead one's schema proxy stopped with it.
    assert [pid for _, pid in pool._proxies] == [third["Pid"]]


def test_directories_that_only_read_share_one_provider_in_an_empty_directory(
    tmp_path: Path, pool: ProviderPool
) -> None:
    """Most test directories are planned and never applied: one provider start for all."""
    first, second = _root(tmp_path, "first", ONE), _root(tmp_path, "second", ONE)
    _installed(first)
    _installed(second)
    runner = Terraform(
        {"PATH": "/usr/bin:/bin"}, binary=str(_env_printer(tmp_path)), reuse_providers=True
    )

    planned = _attached(runner.run(first, "plan"))
    validated = _attached(runner.run(second, "validate"))
    shown = _attached(runner.run(second, "show"))
    assert planned["Pid"] == validated["Pid"] == shown["Pid"]
    # Each directory through a schema proxy of its own: each sees its own types.
    assert planned["Addr"]["String"] != validated["Addr"]["String"] == shown["Addr"]["String"]
    (shared,) = pool._running.values()
    # A relative path the provider opened would find nothing, not another directory's file.
    workdir = _cwd(shared.process.pid)
    assert workdir not in (first.resolve(), second.resolve())
    assert list(workdir.iterdir()) == []

    # A command that writes gets the directory's own provider, started in the directory.
    applied = _attached(runner.run(first, "apply"))
    assert applied["Pid"] != planned["Pid"]
    assert _cwd(applied["Pid"]) == first.resolve()
    # Closing a directory stops its own provider, not the one the others share.
    runner.close(first)
    assert shared.alive()
    assert list(pool._running.values()) == [shared]


def test_commands_through_the_shared_provider_run_one_at_a_time(
    tmp_path: Path, pool: ProviderPool
) -> None:
    """Each command configures the provider (region, endpoints): two at once would use each
    other's settings."""
    log = tmp_path / "commands.log"
    slow = tmp_path / "slow-terraform"
    slow.write_text(
        "#!/bin/sh\n"
        f'echo "start $(date +%s.%N)" >>{log}\n'
        "sleep 0.4\n"
        f'echo "end $(date +%s.%N)" >>{log}\n'
    )
    slow.chmod(0o755)
    directories = [_root(tmp_path, name, ONE) for name in ("first", "second", "third")]
    for directory in directories:
        _installed(directory)
    runner = Terraform({"PATH": "/usr/bin:/bin"}, binary=str(slow), reuse_providers=True)
    runner.run(directories[0], "plan")  # the shared provider started before the race

    threads = [
        threading.Thread(target=runner.run, args=(directory, "plan")) for directory in directories
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    events = [line.split() for line in log.read_text().splitlines()][2:]
    assert len(events) == 6
    # Every command ends before the next one starts.
    assert [kind for kind, _ in events] == ["start", "end"] * 3, events
    stamps = [float(stamp) for _, stamp in events]
    assert stamps == sorted(stamps)


def test_shared_providers_are_kept_per_environment_and_the_oldest_stops(
    tmp_path: Path, pool: ProviderPool
) -> None:
    stack = _root(tmp_path, "stack", ONE)
    _installed(stack)
    printer = str(_env_printer(tmp_path))
    pids = []
    for endpoint in ("http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"):
        runner = Terraform({"AWS_ENDPOINT_URL": endpoint}, binary=printer, reuse_providers=True)
        pids.append(_attached(runner.run(stack, "plan"))["Pid"])
    assert len(set(pids)) == 3
    running = {provider.process.pid for provider in pool._running.values()}
    assert running == set(pids[-KEEP_SHARED:])


def test_an_aliased_directory_and_a_runner_without_reuse_start_their_own(
    tmp_path: Path, pool: ProviderPool
) -> None:
    aliased = _root(tmp_path, "aliased", ONE, ALIASED)
    _installed(aliased)
    printer = str(_env_printer(tmp_path))
    assert Terraform({}, binary=printer, reuse_providers=True).run(aliased, "plan").stdout == ""
    plain = _root(tmp_path, "plain", ONE)
    _installed(plain)
    assert Terraform({}, binary=printer).run(plain, "plan").stdout == ""
    assert not pool._running


def test_the_least_recently_used_provider_stops(tmp_path: Path, pool: ProviderPool) -> None:
    runner = Terraform({}, binary=str(_env_printer(tmp_path)), reuse_providers=True)
    first, second = _root(tmp_path, "first", ONE), _root(tmp_path, "second", ONE)
    _installed(first)
    _installed(second)
    runner.run(first, "apply")
    (first_provider,) = pool._running.values()
    runner.run(second, "apply")
    assert not first_provider.alive()
    (second_provider,) = pool._running.values()
    runner.close(second)
    assert not second_provider.alive()
    assert not pool._running
    assert not pool._proxies


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def test_a_ca_bundle_is_left_out_for_plain_http_and_refuses_reuse_otherwise(
    tmp_path: Path, pool: ProviderPool
) -> None:
    stack = _root(tmp_path, "stack", ONE)
    _installed(stack)
    printer = str(_env_printer(tmp_path))
    bundle = {"AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"}
    https_env = {**bundle, "AWS_ENDPOINT_URL": "https://aws.example"}
    https = Terraform(https_env, binary=printer, reuse_providers=True)
    assert https.run(stack, "plan").stdout == ""
    assert not pool._running

    http_env = {**bundle, "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}
    http = Terraform(http_env, binary=printer, reuse_providers=True)
    assert http.run(stack, "plan").stdout != ""
    (running,) = pool._running.values()
    environ = _environ(running.process.pid)
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert "AWS_CA_BUNDLE" not in environ


def test_the_archive_standin_is_reused_beside_aws_and_a_real_archive_is_not(
    tmp_path: Path, pool: ProviderPool
) -> None:
    stack = _root(tmp_path, "stack", ONE)
    _installed(stack)
    _installed_standin(stack)
    runner = Terraform(
        {"PATH": "/usr/bin:/bin"}, binary=str(_env_printer(tmp_path)), reuse_providers=True
    )
    reattach = json.loads(runner.run(stack, "plan").stdout)
    assert set(reattach) == {AWS_PROVIDER, ARCHIVE_PROVIDER}
    assert json.loads(runner.run(stack, "plan").stdout) == reattach
    assert all(provider.alive() for provider in pool._running.values())

    # hashicorp/archive itself (a user with registry access): Terraform starts it.
    real = _root(tmp_path, "real", 'output "x" { value = 1 }\n')
    target = real / ".terraform" / "providers" / ARCHIVE_PROVIDER / "2.7.1" / "linux_amd64"
    target.mkdir(parents=True)
    (target / "terraform-provider-archive_v2.7.1_x5").write_bytes(b"\x7fELF not the stand-in")
    assert runner.run(real, "plan").stdout == ""


def test_no_module_configures_a_provider() -> None:
    """What `single_aws_configuration` relies on: only root modules configure providers, so an
    `alias` anywhere shows in the root module's files (and a module with its own provider block
    could not be used with `for_each` anyway)."""
    modules = Path(__file__).resolve().parents[2] / "modules"
    configuring = [
        str(path.relative_to(modules))
        for path in sorted(modules.glob("*/*.tf"))
        if re.search(r'^\s*provider\s+"', path.read_text(), re.MULTILINE)
    ]
    assert configuring == []


def test_a_provider_that_died_during_a_command_shows_in_its_failure(
    tmp_path: Path, pool: ProviderPool
) -> None:
    """Terraform says only that the plugin's connection went; the report adds the provider's log."""
    stack = _root(tmp_path, "stack", ONE)
    _installed(stack)
    crashing = tmp_path / "crashing-terraform"
    crashing.write_text(
        "#!/bin/sh\n"
        'pid=$(printf "%s" "$TF_REATTACH_PROVIDERS" | sed \'s/.*"Pid": *\\([0-9]*\\).*/\\1/\')\n'
        'kill -9 "$pid"\n'
        # Dead once a zombie with no thread left (its parent, the test process, reaps it).
        'until grep -q "^Threads:\\s*1$" "/proc/$pid/status" &&\n'
        '  grep -q "^State:.*zombie" "/proc/$pid/status"; do sleep 0.1; done\n'
        'echo "Error: Plugin did not respond" >&2\n'
        "exit 1\n"
    )
    crashing.chmod(0o755)
    runner = Terraform({"PATH": "/usr/bin:/bin"}, binary=str(crashing), reuse_providers=True)

    with pytest.raises(TerraformError) as failure:
        runner.run(stack, "plan")

    report = str(failure.value)
    assert "Plugin did not respond" in report
    assert f"The reused provider {AWS_PROVIDER} exited -9; its last lines:" in report
    assert "TF_REATTACH_PROVIDERS" in report  # what the provider printed, from its own log
