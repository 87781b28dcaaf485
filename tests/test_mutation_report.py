"""scripts/mutation_report.py: the score `make mutate` prints, and the equivalent-mutant list."""

from __future__ import annotations

from pathlib import Path

from pathload import REPO_ROOT, load_module

report = load_module("mutation_report", REPO_ROOT / "scripts" / "mutation_report.py")


def test_score_counts_timeouts_as_detected_and_leaves_out_listed_equivalent_survivors() -> None:
    statuses = {
        "rotator.a__mutmut_1": "killed",
        "rotator.a__mutmut_2": "timeout",
        "rotator.a__mutmut_3": "survived",
        "rotator.a__mutmut_4": "survived",
        "rotator.a__mutmut_5": "no tests",
        "rotator.a__mutmut_6": "killed",
    }
    equivalents = {"rotator.a__mutmut_4": "why", "rotator.a__mutmut_6": "no longer survives"}

    result = report.score(statuses, equivalents)

    assert (result.detected, result.considered) == (3, 5)
    assert result.ratio == 0.6
    assert result.undetected == ["rotator.a__mutmut_3", "rotator.a__mutmut_5"]
    assert result.equivalent == ["rotator.a__mutmut_4"]
    assert result.stale == ["rotator.a__mutmut_6"]


def test_equivalent_list_reads_names_and_reasons_and_skips_comments(tmp_path: Path) -> None:
    listing = tmp_path / "equivalent.txt"
    listing.write_text("# header\n\nrotator.x__mutmut_1  # same truth value\n")

    assert report.load_equivalents(listing) == {"rotator.x__mutmut_1": "same truth value"}


def test_every_listed_equivalent_mutant_gives_a_reason() -> None:
    entries = report.load_equivalents()

    assert entries
    assert all(name.startswith("rotator.") and reason for name, reason in entries.items())
