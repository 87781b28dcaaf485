"""Print the mutation score of rotator/ after `mutmut run`, and the mutants that survived.

`make mutate` runs it. The score is killed / (all mutants - the equivalent ones): a mutant that
made the tests time out counts as killed (the tests noticed), one that no test reached does not.
Equivalent mutants (no test can tell them from the original) are listed, one a line with the
reason, in scripts/equivalent_mutants.txt:

    rotator.values.x_parse__mutmut_3  # why no behaviour can tell it apart

A listed name that no longer survives is reported as stale, so the list does not rot. Exits 1
below TARGET, or when mutmut has results for no mutant.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TARGET = 0.90
EQUIVALENTS = Path(__file__).with_name("equivalent_mutants.txt")
DETECTED = {"killed", "timeout", "segfault", "caught by type check"}


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """Mutant name -> reason, from the committed list (blank lines and # comments ignored)."""
    entries: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition("#")
        entries[name.strip()] = reason.strip()
    return entries


def mutant_statuses(mutmut: str) -> dict[str, str]:
    """Every mutant's status, as `mutmut results --all true` prints it ("  name: status")."""
    output = subprocess.run(  # noqa: S603  the venv's mutmut, fixed arguments
        [mutmut, "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    statuses: dict[str, str] = {}
    for line in output.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("rotator."):
            statuses[name] = status
    return statuses


@dataclass(frozen=True)
class Score:
    detected: int
    considered: int
    counts: dict[str, int]
    undetected: list[str]
    equivalent: list[str]
    stale: list[str]

    @property
    def ratio(self) -> float:
        return self.detected / self.considered if self.considered else 0.0


def score(statuses: dict[str, str], equivalents: dict[str, str]) -> Score:
    """Killed (or timed out) over every mutant except the surviving equivalent ones."""
    equivalent = sorted(n for n in equivalents if statuses.get(n) == "survived")
    detected = sum(1 for s in statuses.values() if s in DETECTED)
    return Score(
        detected=detected,
        considered=len(statuses) - len(equivalent),
        counts=dict(Counter(statuses.values())),
        undetected=sorted(
            n for n, s in statuses.items() if s not in DETECTED and n not in equivalents
        ),
        equivalent=equivalent,
        stale=sorted(n for n in equivalents if statuses.get(n) != "survived"),
    )


def main() -> int:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    statuses = mutant_statuses(mutmut)
    if not statuses:
        print("error: mutmut has no results; run `make mutate`", file=sys.stderr)
        return 1
    result = score(statuses, load_equivalents())
    print(", ".join(f"{status}: {n}" for status, n in sorted(result.counts.items())))
    for name in result.undetected:
        print(f"  {statuses[name]}: {name}   (mutmut show {name})")
    for name in result.stale:
        print(f"  stale entry in {EQUIVALENTS.name}: {name} is {statuses.get(name, 'gone')}")
    print(
        f"mutation score of rotator/: {result.ratio:.1%} ({result.detected} of "
        f"{result.considered} mutants detected; {len(result.equivalent)} equivalent ones listed "
        f"in scripts/{EQUIVALENTS.name}; target {TARGET:.0%})"
    )
    return 0 if result.ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
