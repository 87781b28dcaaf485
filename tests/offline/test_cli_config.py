"""Offline provider resolution: which mirror, what the CLI configuration says, the validate CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from terraform_offline import (
    OfflineTerraformError,
    aws_provider_mirror,
    cli_config,
    prepare,
)
from terraform_offline import __main__ as cli

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
