"""Offline provider resolution: which mirror, what the CLI configuration says, the validate CLI."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from terraform_offline import (
    OfflineTerraformError,
    aws_provider_mirror,
    cli_config,
    offline_env,
    offline_terraform,
    prepare,
)
from terraform_offline import __main__ as cli
from terraform_offline.runner import Terraform

FIXTURES = Path(__file__).parent / "fixtures"


def _mirror(root: Path, *providers: str) -> Path:
    for provider in providers:
        (root / "registry.terraform.io" / "hashicorp" / provider / "1.0.0" / "linux_amd64").mkdir(
            parents=True
        )
    return root


def test_tf_provider_mirror_wins_over_the_machine_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fallback = _mirror(tmp_path / "fallback", "aws")
    configured = _mirror(tmp_path / "configured", "aws")
    monkeypatch.setattr(cli_config, "DEFAULT_MIRROR", fallback)
    assert aws_provider_mirror({"TF_PROVIDER_MIRROR": str(configured)}) == configured.resolve()
    assert aws_provider_mirror({}) == fallback


def test_missing_mirror_error_says_which_variable_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_config, "DEFAULT_MIRROR", tmp_path / "absent")
    with pytest.raises(OfflineTerraformError, match="set TF_PROVIDER_MIRROR"):
        aws_provider_mirror({})


def test_tf_provider_mirror_without_aws_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OfflineTerraformError, match=r"does not hold registry\.terraform\.io/"):
        aws_provider_mirror({"TF_PROVIDER_MIRROR": str(tmp_path)})


def test_cli_config_uses_mirrors_only_and_the_standin_for_archive(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "mirror", "aws")
    prepared = prepare(tmp_path / "base", environ={"TF_PROVIDER_MIRROR": str(mirror)})
    text = prepared.cli_config.read_text()
    assert "direct" not in text
    assert text.count("filesystem_mirror") == 2
    assert f'path    = "{prepared.archive_mirror}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/archive"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/archive"]' in text
    executable = next((tmp_path / "base" / "archive-standin-mirror").rglob("terraform-provider-*"))
    assert executable.name == "terraform-provider-archive_v2.7.1"
    assert executable.stat().st_mode & 0o111
    assert prepared.env()["TF_CLI_CONFIG_FILE"] == str(prepared.cli_config)


def test_real_archive_provider_in_the_mirror_is_preferred_to_the_standin(tmp_path: Path) -> None:
    mirror = _mirror(tmp_path / "mirror", "aws", "archive")
    prepared = prepare(tmp_path / "base", environ={"TF_PROVIDER_MIRROR": str(mirror)})
    assert not prepared.uses_archive_standin
    assert "archive-standin-mirror" not in prepared.cli_config.read_text()


def test_standin_package_is_identical_wherever_it_is_installed(tmp_path: Path) -> None:
    # Lock files record the package's checksum: it must not depend on paths or interpreters.
    one = cli_config.install_archive_standin(tmp_path / "a" / "m", "/usr/bin/python3", tmp_path)
    two = cli_config.install_archive_standin(tmp_path / "b" / "m", "/opt/py/bin/python", Path("/x"))
    assert one.read_bytes() == two.read_bytes()
    assert "/opt/py/bin/python" in (tmp_path / "b" / "archive-standin.env").read_text()


def test_validate_cli_reports_one_line_per_directory_and_fails_on_invalid_config(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli.main(
        ["validate", str(FIXTURES / "archive"), str(FIXTURES / "archive_conflict"), "/no/such"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert f"ok   terraform validate {FIXTURES / 'archive'} (" in out
    assert f"FAIL terraform validate {FIXTURES / 'archive_conflict'} (" in out
    assert 'Attribute "source_dir" cannot be specified when "source_file"' in out
    assert "FAIL terraform validate /no/such" in out


def test_env_cli_prints_export_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["env"]) == 0
    out = capsys.readouterr().out
    assert "export TF_CLI_CONFIG_FILE=" in out
    assert "export CHECKPOINT_DISABLE=1" in out


def _provider_binary(mirror: Path, name: str, script: str) -> Path:
    binary = mirror / "registry.terraform.io" / "hashicorp" / name / "1.0.0" / "linux_amd64"
    binary /= f"terraform-provider-{name}_v1.0.0_x5"
    binary.parent.mkdir(parents=True, exist_ok=True)
    binary.write_text(script)
    binary.chmod(0o755)
    return binary


def test_a_launcher_runs_the_mirror_s_binary_with_the_same_arguments(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    _provider_binary(mirror, "aws", '#!/bin/sh\necho "real aws $*"\n')
    # A packed entry (`terraform providers mirror`'s default): Terraform reads it from the mirror.
    packed = mirror / "registry.terraform.io" / "hashicorp" / "null"
    packed.mkdir(parents=True)
    (packed / "terraform-provider-null_3.2.0_linux_amd64.zip").write_bytes(b"PK")
    prepared = prepare(tmp_path / "base", environ={"TF_PROVIDER_MIRROR": str(mirror)})

    assert prepared.launched == ("registry.terraform.io/hashicorp/aws",)
    launcher = next((tmp_path / "base" / "provider-launchers").rglob("terraform-provider-aws_*"))
    # Terraform runs it through .terraform/providers/…/linux_amd64, a symlink to its directory.
    link = tmp_path / "work" / "linux_amd64"
    link.parent.mkdir()
    link.symlink_to(launcher.parent)
    ran = subprocess.run(
        [str(link / launcher.name), "-debug", "two words"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "real aws -debug two words\n"
    text = prepared.cli_config.read_text()
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in text
    archive, aws = (
        "registry.terraform.io/hashicorp/archive",
        "registry.terraform.io/hashicorp/aws",
    )
    assert f'exclude = ["{archive}", "{aws}"]' in text
    assert not list((tmp_path / "base" / "provider-launchers").rglob("*null*"))


def test_launchers_are_identical_wherever_the_mirror_is_and_follow_it(tmp_path: Path) -> None:
    # Lock files record the launcher's checksum: it must not depend on where the mirror is.
    one = _provider_binary(tmp_path / "one", "aws", "#!/bin/sh\n")
    _provider_binary(tmp_path / "two", "aws", "#!/bin/sh\n")
    first = cli_config.install_provider_launchers(tmp_path / "one", tmp_path / "a" / "launchers")
    second = cli_config.install_provider_launchers(tmp_path / "two", tmp_path / "b" / "launchers")
    assert first == second == ["registry.terraform.io/hashicorp/aws"]
    [launcher_a] = (tmp_path / "a" / "launchers").rglob("terraform-provider-*")
    [launcher_b] = (tmp_path / "b" / "launchers").rglob("terraform-provider-*")
    assert launcher_a.read_bytes() == launcher_b.read_bytes()
    # A binary gone from the mirror takes its launcher with it.
    one.unlink()
    assert (
        cli_config.install_provider_launchers(tmp_path / "one", tmp_path / "a" / "launchers") == []
    )
    assert not list((tmp_path / "a" / "launchers").rglob("terraform-provider-*"))


def _terraform_h1(package_dir: Path) -> str:
    """Terraform's "h1:" package checksum (golang.org/x/mod/sumdb/dirhash Hash1)."""
    lines = []
    for path in sorted(p for p in package_dir.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(package_dir).as_posix()}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def test_init_checksums_the_launcher_and_terraform_runs_the_real_provider(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n\n'
        'resource "aws_sqs_queue" "this" {\n  name = "launched"\n  no_such_argument = 1\n}\n'
    )
    terraform = Terraform({**os.environ, **offline_env()})
    terraform.init(tmp_path)
    providers = tmp_path / ".terraform" / "providers"
    [installed] = providers.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws_*")
    launcher_dir = installed.parent.resolve()
    assert launcher_dir.is_relative_to(offline_terraform().base_dir / "provider-launchers")
    lock = (tmp_path / ".terraform.lock.hcl").read_text()
    assert _terraform_h1(launcher_dir) in lock
    # Only the real provider's schema knows aws_sqs_queue's arguments.
    validate = terraform.run(tmp_path, "validate", "-no-color", ok_codes=(1,))
    assert validate.returncode == 1
    assert 'An argument named "no_such_argument" is not expected here.' in validate.stderr
