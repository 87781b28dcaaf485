"""`make demo` fails with one clear line, and exit status 1, when it cannot run."""

from __future__ import annotations

import os
import subprocess
import sys

from sandbox.server import REPO_ROOT


def test_demo_without_terraform_says_so_and_exits_1() -> None:
    python_dir = os.path.dirname(sys.executable)
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.demo"],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": python_dir},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "demo failed: terraform is not on PATH" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
