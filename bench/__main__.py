"""Run every benchmark in turn and print its figures (`make bench`).

Each area keeps its benchmark in a module of its own with a `main()` that prints a titled block.
`python -m bench rotator` runs one of them.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("rotator", "postgres", "mysql", "sandbox_scale", "sandbox_clock", "doctor")


def main(argv: list[str]) -> int:
    selected = argv or list(BENCHMARKS)
    unknown = sorted(set(selected) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in selected:
        module = importlib.import_module(f"bench.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
