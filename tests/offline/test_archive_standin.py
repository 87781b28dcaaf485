"""The OFFLINE STAND-IN for hashicorp/archive builds the zips the real provider would build.

Plans run through Terraform and the stand-in's provider executable (not by calling Python
functions), so what is tested is what `terraform plan` does with the modules.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
import tfharness

from terraform_offline.archive_standin import (
    ArchiveError,
    glob_to_regex,
    matches_any,
    parse_output_file_mode,
)

FIXTURES = Path(__file__).parent / "fixtures"
GO_ZERO_TIME = (2049, 1, 1, 0, 0, 0)  # what Go's archive/zip writes for time.Time{}
DOS_ZERO = (1980, 0, 0, 0, 0, 0)


@pytest.fixture(scope="module")
def offline_tf(offline_terraform_env: dict[str, str]) -> tfharness.TerraformHarness:
    # The stand-in itself is under test: select it even if the mirror holds the real provider.
    from terraform_offline import offline_env  # noqa: PLC0415

    return tfharness.TerraformHarness({**offline_terraform_env, **offline_env(force_standin=True)})


def _make_source(root: Path) -> tuple[Path, Path]:
    src = root / "src"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "tests").mkdir()
    (src / "pkg" / "handler.py").write_text("def handler(): ...\n")
    (src / "pkg" / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0cache")
    (src / "pkg" / "stale.pyc").write_bytes(b"\0stale")
    (src / "tests" / "test_x.py").write_text("assert True\n")
    (src / "a.txt").write_text("a\n")
    (src / "run.sh").write_text("#!/bin/sh\n")
    (src / "run.sh").chmod(0o755)
    (src / "secret.cfg").write_text("x\n")
    (src / "secret.cfg").chmod(0o600)
    single = root / "single.py"
    single.write_text("print('single')\n")
    single.chmod(0o640)
    return src, single


def _tfvars(root: Path, **values: str) -> Path:
    path = root / "case.tfvars"
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in values.items()))
    return path


def _entries(path: Path) -> list[tuple[str, tuple[int, ...], int]]:
    with zipfile.ZipFile(path) as archive:
        return [(i.filename, i.date_time, i.external_attr >> 16) for i in archive.infolist()]


@pytest.fixture(scope="module")
def planned(
    offline_tf: tfharness.TerraformHarness, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    root = tmp_path_factory.mktemp("archive")
    src, single = _make_source(root)
    tfvars = _tfvars(root, source_dir=str(src), source_file=str(single), out_dir=str(root / "out"))
    summary = offline_tf.plan(FIXTURES / "archive", tfvars)
    return summary.outputs["archives"], root / "out"


def test_source_dir_zip_has_entries_in_walk_order_without_excluded_files(
    planned: tuple[dict[str, Any], Path],
) -> None:
    archives, out = planned
    names = [name for name, _, _ in _entries(out / "dir.zip")]
    # Go's filepath.Walk order: each directory's names sorted; `tests` and caches excluded.
    assert names == ["a.txt", "pkg/handler.py", "run.sh", "secret.cfg"]
    assert archives["dir"]["output_path"] == str(out / "dir.zip")


def test_source_dir_entries_have_go_zero_timestamp_and_modes_from_disk(
    planned: tuple[dict[str, Any], Path],
) -> None:
    _, out = planned
    entries = {name: (date_time, mode) for name, date_time, mode in _entries(out / "dir.zip")}
    assert {dt for dt, _ in entries.values()} == {GO_ZERO_TIME}
    assert entries["run.sh"][1] == stat.S_IFREG | 0o755
    assert entries["secret.cfg"][1] == stat.S_IFREG | 0o600
    assert entries["a.txt"][1] == stat.S_IFREG | (0o666 & ~_umask())


def test_output_file_mode_overrides_modes_from_disk(planned: tuple[dict[str, Any], Path]) -> None:
    _, out = planned
    modes = {mode for _, _, mode in _entries(out / "nested" / "dir_0644.zip")}
    assert modes == {stat.S_IFREG | 0o644}


def test_source_blocks_are_sorted_by_filename_with_zero_dos_time(
    planned: tuple[dict[str, Any], Path],
) -> None:
    _, out = planned
    assert _entries(out / "blocks.zip") == [("a/b.txt", DOS_ZERO, 0), ("z.txt", DOS_ZERO, 0)]
    with zipfile.ZipFile(out / "blocks.zip") as archive:
        assert archive.read("a/b.txt") == b"first"
        assert archive.read("z.txt") == b"second"


def test_source_file_and_source_content_make_single_entry_zips(
    planned: tuple[dict[str, Any], Path],
) -> None:
    _, out = planned
    assert _entries(out / "file.zip") == [("single.py", GO_ZERO_TIME, stat.S_IFREG | 0o640)]
    assert _entries(out / "content.zip") == [("hello.txt", DOS_ZERO, 0)]
    with zipfile.ZipFile(out / "content.zip") as archive:
        assert archive.read("hello.txt") == b"hello"


@pytest.mark.parametrize("name", ["dir", "dir_0644", "blocks", "file", "content"])
def test_computed_attributes_are_the_digests_of_the_written_zip(
    planned: tuple[dict[str, Any], Path], name: str
) -> None:
    archives, _ = planned
    attrs = archives[name]
    data = Path(attrs["output_path"]).read_bytes()
    sha256 = hashlib.sha256(data).digest()
    sha512 = hashlib.sha512(data).digest()
    assert attrs["output_size"] == len(data)
    assert attrs["output_md5"] == hashlib.md5(data).hexdigest()  # noqa: S324
    assert attrs["output_sha"] == hashlib.sha1(data).hexdigest()  # noqa: S324
    assert attrs["id"] == attrs["output_sha"]
    assert attrs["output_sha256"] == sha256.hex()
    assert attrs["output_base64sha256"] == base64.b64encode(sha256).decode()
    assert attrs["output_sha512"] == sha512.hex()
    assert attrs["output_base64sha512"] == base64.b64encode(sha512).decode()


def test_identical_inputs_give_identical_hashes_across_runs(
    offline_tf: tfharness.TerraformHarness, tmp_path: Path, planned: tuple[dict[str, Any], Path]
) -> None:
    archives, _ = planned
    # Same file contents and modes at another path, created at another time: same bytes.
    src, single = _make_source(tmp_path)
    os.utime(src / "a.txt", (0, 0))
    tfvars = _tfvars(
        tmp_path, source_dir=str(src), source_file=str(single), out_dir=str(tmp_path / "out")
    )
    again = offline_tf.plan(FIXTURES / "archive", tfvars).outputs["archives"]
    for name in ("dir", "dir_0644", "blocks", "file", "content"):
        assert again[name]["output_base64sha256"] == archives[name]["output_base64sha256"], name


def test_empty_archive_is_a_plan_error(
    offline_tf: tfharness.TerraformHarness, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "only.txt").write_text("excluded\n")
    tfvars = _tfvars(tmp_path, source_dir=str(tmp_path / "src"), out_dir=str(tmp_path / "out"))
    failure = offline_tf.plan_failure(FIXTURES / "archive_empty", tfvars)
    failure.assert_error("archive has not been created as it would be empty")
    assert not (tmp_path / "out" / "empty.zip").exists()


def test_source_file_with_source_dir_is_rejected_like_the_real_provider(
    offline_tf: tfharness.TerraformHarness,
) -> None:
    failure = offline_tf.plan_failure(FIXTURES / "archive_conflict")
    failure.assert_error(r'Attribute "source_dir" cannot be specified when "source_file"')


def test_source_dir_or_source_blocks_chosen_by_a_module_variable_plan(
    offline_tf: tfharness.TerraformHarness, tmp_path: Path
) -> None:
    # Terraform validates the module with by_dir unknown: both arguments are unknown there, and
    # the real provider's ConflictsWith waits for known values instead of rejecting the pair.
    src, _ = _make_source(tmp_path)
    tfvars = _tfvars(tmp_path, source_dir=str(src), out_dir=str(tmp_path / "out"))
    archives = offline_tf.plan(FIXTURES / "archive_chosen", tfvars).outputs["archives"]
    assert archives["by_dir"] == {"source_dir": str(src), "files": 0}
    assert archives["by_content"] == {"source_dir": None, "files": 2}


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("tests", "tests", True),
        ("tests", "pkg/tests", False),
        ("*.pyc", "a.pyc", True),
        ("*.pyc", "pkg/a.pyc", False),  # `*` stops at a separator, as in doublestar
        ("**/*.pyc", "pkg/sub/a.pyc", True),
        ("**/*.pyc", "a.pyc", True),  # `**/` matches zero directories too
        ("**/__pycache__", "pkg/__pycache__", True),
        ("pkg/**", "pkg", True),
        ("pkg/**", "pkg/a/b.py", True),
        ("pkg/**", "pkgx/a.py", False),
        ("a/**/b.py", "a/b.py", True),
        ("a/**/b.py", "a/x/y/b.py", True),
        ("?.txt", "a.txt", True),
        ("?.txt", "ab.txt", False),
        ("[ab].txt", "b.txt", True),
        ("[!ab].txt", "b.txt", False),
        ("*.{py,txt}", "x.txt", True),
        ("*.{py,txt}", "x.md", False),
        ("*", ".hidden", True),  # doublestar does not treat dot files specially
    ],
)
def test_excludes_follow_doublestar_globs(pattern: str, path: str, matches: bool) -> None:
    assert matches_any(path, [pattern]) is matches


def test_unclosed_bracket_in_excludes_is_a_syntax_error() -> None:
    with pytest.raises(ArchiveError, match="syntax error in pattern"):
        glob_to_regex("[abc")


@pytest.mark.parametrize(
    ("text", "mode"),
    [("0644", 0o644), ("0755", 0o755), ("0o600", 0o600), ("0x1ed", 0o755), ("420", 0o644)],
)
def test_output_file_mode_is_parsed_like_go_parseuint_base_0(text: str, mode: int) -> None:
    assert parse_output_file_mode(text) == mode


@pytest.mark.parametrize("text", ["rw-r--r--", "0999", "-1", " 0644"])
def test_invalid_output_file_mode_is_rejected(text: str) -> None:
    with pytest.raises(ArchiveError, match="error parsing output_file_mode value"):
        parse_output_file_mode(text)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
