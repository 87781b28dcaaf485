"""Every benchmark runs to its end at its smallest size (`python -m bench --quick NAME`).

`make bench` is not part of `make test`; without this a refactor of what a benchmark imports
breaks it silently (bench/postgres.py once imported a helper bench/rotator.py no longer had).
The figures at this size mean nothing: each test checks that the benchmark ran and printed the
lines that carry its figures.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parents[2]

# benchmark -> lines its output must hold (regular expressions, one per line of figures).
EXPECTED_LINES = {
    "rotator": [
        r"^Secrets Manager calls per generic rotation \(warm container\): \d+$",
        r"^one full rotation in process, .*: \d+\.\d ms median of 1$",
    ],
    "postgres": [
        r"^postgres-single-user: one rotation in moto \+ PostgreSQL \d+\.\d ms",
        r"^postgres-multi-user: one rotation in moto \+ PostgreSQL \d+\.\d ms",
        r"^  database logins per rotation: \d+ \(",
    ],
    "mysql": [
        r"^mysql-single-user: one rotation in moto \+ MariaDB \d+\.\d ms",
        r"^mysql-multi-user: one rotation in moto \+ MariaDB \d+\.\d ms",
        r"^hash computed in the function, once per password set: ",
    ],
    "module_plan": [
        # N, ours, the bare module, the ratio: the three figures side by side.
        r"^ +2 +\d+\.\d +\d+\.\d +\d+\.\d\d ",
    ],
    "provider_reuse": [
        r"^  plan +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d +-?\d+% *$",
        r"^  show +\d+\.\d\d ",
    ],
    "sandbox_scale": [r"^ +2 +\d+\.\d +\d+\.\d +\d+\.\d +\d+\.\d "],
    "sandbox_clock": [r"^  rotations run +\d+ +\(0 failed\)$"],
    "doctor": [r"^  doctor, 2 secrets by --prefix +\d+\.\d s$", r"^  secrets failing a check +0$"],
}


def test_every_benchmark_has_an_expectation() -> None:
    assert set(EXPECTED_LINES) == set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_at_its_smallest_size(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr[-3000:]}"
    for pattern in EXPECTED_LINES[name]:
        assert re.search(pattern, result.stdout, re.MULTILINE), (
            f"{name}: no line matching {pattern!r} in:\n{result.stdout}"
        )
