"""Run every benchmark in turn and print its figures (`make bench`).

Each area keeps its benchmark in a module of its own with a `main(quick=False)` that prints a
titled block. `python -m bench rotator` runs one of them; `--quick` runs each at its smallest
size, to check that it still runs (tests/bench does), not to measure.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = (
    "rotator",
    "postgres",
    "mysql",
    "module_plan",
    "provider_reuse",
    "sandbox_scale",
    "sandbox_clock",
    "doctor",
)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    selected = [arg for arg in argv if arg != "--quick"] or list(BENCHMARKS)
    unknown = sorted(set(selected) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in selected:
        module = importlib.import_module(f"bench.{name}")
        module.main(quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
