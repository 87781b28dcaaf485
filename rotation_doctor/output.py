"""The terminal table, the JSON document, the progress line. Never a secret value: the reports
hold names, ARNs, version ids, dates, error types and remedies only."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from rotation_doctor.model import CHECK_NAMES, CHECKS, SecretReport

SYMBOLS = {"ok": "✓", "fail": "✗", "skip": "·"}


def table(reports: Iterable[SecretReport], *, verbose: bool = False) -> str:
    """One line per secret (a column per check), then what failed and what to change."""
    reports = list(reports)
    width = max([len("secret"), *(len(r.name) for r in reports)])
    header = "secret".ljust(width) + "  " + "  ".join(CHECK_NAMES)
    lines = [header]
    for report in reports:
        cells = []
        for name in CHECK_NAMES:
            check = report.check(name)
            symbol = SYMBOLS[check.status] if check is not None else " "
            cells.append(symbol.center(len(name)))
        lines.append((report.name.ljust(width) + "  " + "  ".join(cells)).rstrip())
    failed = [r for r in reports if r.failed]
    for report in failed if not verbose else reports:
        lines += ["", f"{report.name}  ({report.arn})"]
        for check in report.checks:
            if check.status == "fail" or (verbose and check.status != "skip"):
                lines.append(f"  {SYMBOLS[check.status]} {check.name}: {check.summary}")
                if check.remedy:
                    lines.append(f"      what to change: {check.remedy}")
    passed = len(reports) - len(failed)
    lines += [
        "",
        f"{passed} of {len(reports)} secrets pass every check; {len(failed)} fail.",
        "(✓ passes, ✗ fails, · does not apply; --verbose for every detail, --json for pipelines)",
    ]
    return "\n".join(lines)


def as_json(reports: Iterable[SecretReport]) -> str:
    reports = list(reports)
    document: dict[str, Any] = {
        "checks": [{"name": name, "what": what} for name, what in CHECKS],
        "secrets": [r.as_dict() for r in reports],
        "ok": all(r.ok for r in reports),
    }
    return json.dumps(document, indent=2, default=str)


class ProgressBar:
    """``[#####.....] 500/1000`` on a terminal's stderr, redrawn in place."""

    def __init__(self, stream: TextIO, *, width: int = 30) -> None:
        self.stream = stream
        self.width = width

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\rchecking [{bar}] {done}/{total}{end}")
        self.stream.flush()
