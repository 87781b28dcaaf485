"""The `pytest` script (no project root on sys.path) collects what `python -m pytest` does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
