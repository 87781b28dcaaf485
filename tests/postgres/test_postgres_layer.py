"""scripts/build_layer.py: what it does to an installed tree to make the layer's hash stable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pathload import build_layer_script

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def build_layer() -> ModuleType:
    return build_layer_script()


def _fake_install(root: Path, *, umask_mode: int, mtime: int) -> Path:
    """What `pip install --target` leaves, with per-machine modes and times."""
    python = root / "python"
    files = {
        "pg8000/__init__.py": "x = 1\n",
        "pg8000/__pycache__/__init__.cpython-311.pyc": "compiled",
        "pg8000/stale.pyc": "compiled",
        "bin/some-script": "#!/usr/bin/python3\n",
        "pg8000-1.31.6.dist-info/METADATA": "Name: pg8000\n",
        "pg8000-1.31.6.dist-info/INSTALLER": "pip\n",
        "pg8000-1.31.6.dist-info/REQUESTED": "",
        "pg8000-1.31.6.dist-info/RECORD": (
            "pg8000/__init__.py,sha256=abc,6\n"
            "pg8000-1.31.6.dist-info/INSTALLER,sha256=def,4\n"
            "pg8000-1.31.6.dist-info/REQUESTED,,\n"
            "pg8000/__pycache__/__init__.cpython-311.pyc,,\n"
        ),
    }
    for relative, text in files.items():
        path = python / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for path in root.rglob("*"):
        path.chmod(umask_mode | (0o111 if path.is_dir() else 0))
        os.utime(path, (mtime, mtime))
    return root


def test_normalised_trees_from_different_machines_have_the_same_digest(
    build_layer: ModuleType, tmp_path: Path
) -> None:
    one = _fake_install(tmp_path / "one", umask_mode=0o664, mtime=1_700_000_000)
    two = _fake_install(tmp_path / "two", umask_mode=0o600, mtime=1_800_000_000)
    assert build_layer.digest(one) != build_layer.digest(two), "control: modes differ before"

    build_layer._normalise(one)
    build_layer._normalise(two)

    assert build_layer.digest(one) == build_layer.digest(two)


def test_normalise_drops_bytecode_scripts_and_pip_install_markers(
    build_layer: ModuleType, tmp_path: Path
) -> None:
    layer = _fake_install(tmp_path / "layer", umask_mode=0o664, mtime=1_700_000_000)

    build_layer._normalise(layer)

    files = sorted(p.relative_to(layer).as_posix() for p in layer.rglob("*") if p.is_file())
    assert files == [
        "python/pg8000-1.31.6.dist-info/METADATA",
        "python/pg8000-1.31.6.dist-info/RECORD",
        "python/pg8000/__init__.py",
    ]
    record = (layer / "python/pg8000-1.31.6.dist-info/RECORD").read_text()
    assert record == "pg8000/__init__.py,sha256=abc,6\n"
    assert {p.stat().st_mode & 0o777 for p in layer.rglob("*") if p.is_file()} == {0o644}
    assert {p.stat().st_mtime for p in layer.rglob("*")} == {build_layer.FIXED_MTIME}


def test_requirements_pin_every_package_with_a_hash(build_layer: ModuleType) -> None:
    text = (build_layer.REQUIREMENTS / "postgres.txt").read_text()
    pins = [line for line in text.splitlines() if line and not line.startswith(("#", " "))]

    assert [p.split("==")[0] for p in pins] == [
        "pg8000",
        "scramp",
        "asn1crypto",
        "python-dateutil",
        "six",
    ]
    assert text.count("--hash=sha256:") == len(pins)


@pytest.fixture(scope="module")
def built_layer(build_layer: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer, built offline from the pinned versions installed in this environment."""
    output = tmp_path_factory.mktemp("layers")
    build_layer.build("postgres", output, None, from_installed=True)
    return output / "postgres"


def test_layer_builds_are_identical(
    build_layer: ModuleType, built_layer: Path, tmp_path: Path
) -> None:
    build_layer.build("postgres", tmp_path, None, from_installed=True)

    assert build_layer.digest(tmp_path / "postgres") == build_layer.digest(built_layer)
    assert not list(built_layer.rglob("*.pyc"))
    assert sorted(p.name for p in (built_layer / "python").iterdir() if p.is_dir())[:3] == [
        "asn1crypto",
        "asn1crypto-1.5.1.dist-info",
        "dateutil",
    ]


def test_zip_is_the_same_bytes_every_time_with_fixed_times_and_modes(
    build_layer: ModuleType, built_layer: Path, tmp_path: Path
) -> None:
    # What modules/driver-layer uploads: the same zip from the same pins, on any machine.
    build_layer.write_zip(built_layer, tmp_path / "one.zip")
    (built_layer / "python" / "six.py").touch()  # a new mtime on disk changes nothing
    build_layer.write_zip(built_layer, tmp_path / "two.zip")

    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        entries = archive.infolist()
    names = [entry.filename for entry in entries]
    assert names == sorted(names)
    assert "python/pg8000/__init__.py" in names
    assert {entry.date_time for entry in entries} == {(1980, 1, 1, 0, 0, 0)}
    assert {entry.external_attr >> 16 for entry in entries} == {0o100644}
    assert not [name for name in names if name.endswith(".pyc")]


@pytest.mark.postgres
def test_layer_alone_is_enough_to_log_in(
    built_layer: Path, pg: Any, make_user: Callable[..., Any]
) -> None:
    """As on Lambda: the function's code, the layer under /opt/python, no site-packages."""
    user = make_user()
    secret = json.dumps(user.secret(pg, ssl=False))
    code = (
        "import json, sys\n"
        "from rotator.logs import StepLog\n"
        "from rotator.strategies.postgres import database\n"
        "from rotator.strategies.postgres.secret import parse_secret\n"
        f"secret = parse_secret({secret!r}, label='test')\n"
        "session = database.login(secret, credentials='test', log=StepLog())\n"
        "print(database.check_login_works(session))\n"
        "session.close()\n"
        "print(sys.modules['pg8000'].__file__)\n"
    )
    env = {"PYTHONPATH": f"{ROOT}{os.pathsep}{built_layer / 'python'}", "PATH": os.defpath}

    result = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, env=env, check=False
    )

    assert result.returncode == 0, result.stderr[-2000:]
    username, driver = result.stdout.split()
    assert username == user.name
    assert Path(driver).is_relative_to(built_layer)
