"""The tests' running providers (terraform_offline/provider_reuse.py): which directories reuse
one, that Terraform is told to attach to it, that it is started once per directory, restarted when
it died, and that the least recently used stop."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from terraform_offline import aws_provider_mirror, offline_terraform
from terraform_offline.provider_reuse import (
    ARCHIVE_PROVIDER,
    AWS_PROVIDER,
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


def test_terraform_attaches_to_one_provider_per_directory_and_init_to_none(
    tmp_path: Path, pool: ProviderPool
) -> None:
    stack = _root(tmp_path, "stack", ONE)
    _installed(stack)
    runner = Terraform(
        {"PATH": "/usr/bin:/bin"}, binary=str(_env_printer(tmp_path)), reuse_providers=True
    )

    assert runner.run(stack, "init").stdout == ""
    first = json.loads(runner.run(stack, "plan").stdout)[AWS_PROVIDER]
    second = json.loads(runner.run(stack, "apply").stdout)[AWS_PROVIDER]
    (running,) = pool._running.values()
    assert first["Pid"] == second["Pid"] == running.process.pid
    assert running.alive()

    # A provider that died is replaced, not reattached to.
    running.process.kill()
    running.process.wait()
    third = json.loads(runner.run(stack, "plan").stdout)[AWS_PROVIDER]
    assert third["Pid"] != first["Pid"]
    assert running.proxy is None  # the dead one's schema proxy stopped with it


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
    runner.run(first, "plan")
    (first_provider,) = pool._running.values()
    runner.run(second, "plan")
    assert not first_provider.alive()
    (second_provider,) = pool._running.values()
    runner.close(second)
    assert not second_provider.alive()
    assert not pool._running


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
