"""The `pytest` script (no project root on sys.path) collects what `python -m pytest` does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The files that import `rotator` at module level from inside a folder named after a package.
SHADOWED = ["tests/rotator/test_rotator_imports.py", "tests/postgres/test_postgres_imports.py"]


def test_pytest_script_collects_the_rotator_package_not_the_test_folder() -> None:
    script = Path(sys.executable).with_name("pytest")
    result = subprocess.run(
        [str(script), "--collect-only", "-q", "-p", "no:cacheprovider", *SHADOWED],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "error" not in result.stdout.lower().splitlines()[-1], result.stdout[-2000:]


@pytest.mark.parametrize(
    "dist",
    [
        pytest.param(["--dist", "loadgroup", "--no-loadscope-reorder"], id="make-test"),
        pytest.param([], id="bare-n"),
    ],
)
def test_xdist_keeps_a_files_tests_in_one_process(dist: list[str]) -> None:
    """Under `make test`'s xdist settings, and under a bare `-n`, each file runs in one process.

    A file's module-scoped stack is applied once only when its tests share a process. xdist's own
    loadgroup lost its groups under pytest 9.2 and spread one file's tests (41 here) over every
    process; conftest.py's scheduler groups them.
    """
    # Two files of many quick tests (no Terraform: this run repeats them in a second pytest).
    files = ["tests/test_docs.py", "tests/modules/test_module_docs.py"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "2",
            *dist,
            "-v",
            "-p",
            "no:cacheprovider",
            *files,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    workers: dict[str, set[str]] = {}
    for line in result.stdout.splitlines():
        if line.startswith("[gw") and "PASSED" in line:
            worker = line.split("]", 1)[0].strip("[")
            path = line.rsplit("PASSED", 1)[1].strip().split("::", 1)[0]
            workers.setdefault(path, set()).add(worker)
    assert set(workers) == set(files), result.stdout[-2000:]
    assert all(len(used) == 1 for used in workers.values()), workers
