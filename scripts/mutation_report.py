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


def main() -> int:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    statuses = mutant_statuses(mutmut)
    if not statuses:
        print("error: mutmut has no results; run `make mutate`", file=sys.stderr)
        return 1
    equivalents = load_equivalents()
    counts = Counter(statuses.values())
    equivalent = sorted(n for n in equivalents if statuses.get(n) == "survived")
    stale = sorted(n for n in equivalents if statuses.get(n) != "survived")
    undetected = sorted(
        n for n, s in statuses.items() if s not in DETECTED and n not in equivalents
    )
    detected = sum(counts[s] for s in DETECTED)
    considered = len(statuses) - len(equivalent)
    score = detected / considered if considered else 0.0

    print(", ".join(f"{status}: {n}" for status, n in sorted(counts.items())))
    for name in undetected:
        print(f"  {statuses[name]}: {name}   (mutmut show {name})")
    for name in stale:
        print(f"  stale entry in {EQUIVALENTS.name}: {name} is {statuses.get(name, 'gone')}")
    print(
        f"mutation score of rotator/: {score:.1%} ({detected} of {considered} mutants detected; "
        f"{len(equivalent)} equivalent ones listed in scripts/{EQUIVALENTS.name}; "
        f"target {TARGET:.0%})"
    )
    return 0 if score >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
