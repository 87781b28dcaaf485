"""The documentation a user reads: links and anchors that resolve, sources and versions they can
pin, a front page of the first hour, and a troubleshooting row for every error the function raises.

No network: links to other sites are not fetched; everything inside the repository is checked.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import pkgutil
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

import rotator

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"
README = REPO_ROOT / "README.md"
# What a user reads: the front page, docs/, the changelog, and the READMEs beside the code.
PAGES = sorted(
    {
        README,
        REPO_ROOT / "CHANGELOG.md",
        *DOCS.glob("*.md"),
        *(REPO_ROOT / "modules").glob("*/README.md"),
        *(REPO_ROOT / "examples").glob("*/README.md"),
        *(REPO_ROOT / "rotator").rglob("*.md"),
        *(REPO_ROOT / "rotation_testing").glob("*.md"),
        *(REPO_ROOT / "rotation_doctor").glob("*.md"),
        *(REPO_ROOT / "sandbox").glob("*.md"),
    }
)
# 170, plus the MySQL recipe the front page's placeholder asked for (issue 22).
FRONT_PAGE_MAX_LINES = 170
# The one way the docs spell a module's source: a placeholder for the copy's location and the tag.
SOURCE = re.compile(
    r"^git::https://github\.com/<org>/secret-rotation\.git//modules/[a-z-]+\?ref=<tag>$"
)
REF_PLACEHOLDERS = {"<tag>"}


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(REPO_ROOT)) for p in paths]


def _without_code(text: str) -> str:
    """The text outside fenced code blocks and inline code (links there are examples)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.M | re.S)
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", text, re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        found.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return found


def links(page: Path) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", _without_code(page.read_text()))


# ------------------------------------------------------------------------------------------------
# Links and anchors
# ------------------------------------------------------------------------------------------------


def test_slug_follows_githubs_rules() -> None:
    assert slug("Your own service's secret") == "your-own-services-secret"
    assert slug("Compliance audit (AWS Config)") == "compliance-audit-aws-config"
    assert slug("`rotation_testing` and more") == "rotation_testing-and-more"


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_every_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:: another site, not fetched
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.exists():
            broken.append(f"{target}: {resolved.relative_to(REPO_ROOT)} does not exist")
            continue
        if anchor:
            markdown = resolved / "README.md" if resolved.is_dir() else resolved
            if markdown.suffix != ".md" or anchor not in anchors(markdown):
                broken.append(f"{target}: no heading #{anchor} in {markdown.name}")
    assert broken == [], f"{page.relative_to(REPO_ROOT)}: broken links:\n  " + "\n  ".join(broken)


def test_every_docs_page_is_linked_from_the_front_page() -> None:
    linked = {(README.parent / t.partition("#")[0]).resolve() for t in links(README)}
    orphans = [p.name for p in DOCS.glob("*.md") if p.resolve() not in linked]
    assert orphans == [], f"docs/ pages the README does not link to: {orphans}"


def test_makefile_points_to_a_section_that_exists() -> None:
    pointers = re.findall(r"see ([\w/.-]+\.md), \"([^\"]+)\"", (REPO_ROOT / "Makefile").read_text())
    assert pointers, "the Makefile says where its requirements are documented"
    for page, heading in pointers:
        assert slug(heading) in anchors(REPO_ROOT / page), f"Makefile: {page} has no {heading!r}"


# ------------------------------------------------------------------------------------------------
# Sources and versions a user can pin
# ------------------------------------------------------------------------------------------------


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )


def _exists_in_repository(ref: str) -> bool:
    """A tag or a commit of this repository."""
    return _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_every_ref_is_a_placeholder_or_exists(page: Path) -> None:
    for ref in re.findall(r"[?&]ref=([^\s\"'`)&]+)", page.read_text()):
        assert ref in REF_PLACEHOLDERS or _exists_in_repository(ref), (
            f"{page.relative_to(REPO_ROOT)}: ?ref={ref} is neither {sorted(REF_PLACEHOLDERS)} "
            "nor a tag or commit of this repository: pin your tag or a commit"
        )


def test_ref_check_refuses_a_version_that_does_not_exist() -> None:
    assert not _exists_in_repository("v1.2.0")
    assert _exists_in_repository("HEAD")


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_every_git_source_is_the_one_placeholder(page: Path) -> None:
    sources = re.findall(r"source\s*=\s*\"(git::[^\"]+)\"", page.read_text())
    odd = [s for s in sources if not SOURCE.match(s)]
    assert odd == [], (
        f"{page.relative_to(REPO_ROOT)}: write sources as "
        "git::https://github.com/<org>/secret-rotation.git//modules/<module>?ref=<tag>: "
        f"{odd}"
    )


def _version() -> str:
    return (REPO_ROOT / "VERSION").read_text().strip()


def test_version_file_holds_one_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", _version())


def test_changelog_latest_release_is_the_version() -> None:
    text = (REPO_ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert releases[0] == "Unreleased"
    assert releases[1] == _version(), f"CHANGELOG.md's latest release {releases[1]} != VERSION"
    assert re.search(rf"^## \[{re.escape(_version())}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)


def test_pyproject_reads_the_version_file() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"], "the version lives in VERSION only"
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "VERSION"
    # What the installed package says (make venv reinstalls when VERSION changes).
    assert importlib.metadata.version("secret-rotation") == _version()


def test_license_is_apache_2() -> None:
    text = (REPO_ROOT / "LICENSE").read_text()
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text


# ------------------------------------------------------------------------------------------------
# The front page
# ------------------------------------------------------------------------------------------------


def test_front_page_is_for_the_first_hour() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= FRONT_PAGE_MAX_LINES, f"README.md has {len(lines)} lines"


def test_first_snippet_rotates_a_placeholder_with_the_generic_strategy() -> None:
    """Copied as is, the first snippet must not replace a key someone else issued."""
    first = re.search(r"^```hcl\n(.*?)^```", README.read_text(), re.M | re.S)
    assert first
    block = first.group(1)
    assert "rotation_strategy" not in block or 'rotation_strategy = "generic"' in block
    initial = re.search(r"secret_string_wo\s*=\s*(.+)", block)
    assert initial
    assert "var." not in initial.group(1), "the first snippet's initial value is a placeholder"
    assert "replaced-by-the-first-rotation" in initial.group(1)


# ------------------------------------------------------------------------------------------------
# Troubleshooting: a row for every error the function raises
# ------------------------------------------------------------------------------------------------


def _error_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in the rotator package (private ones too: their names
    reach the log's error_type)."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(rotator.__path__, "rotator."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[name] = value
    return found


def _troubleshooting_rows() -> dict[str, list[str]]:
    text = (DOCS / "troubleshooting.md").read_text()
    section = text.split("## Errors of the rotation function", 1)[1]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"^\| `(\w+)` \|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split(" | ")]
    return rows


def test_error_classes_are_found() -> None:
    classes = _error_classes()
    # One from each place errors are defined: the core, a strategy module, a strategy package.
    assert {"MissingRotateKeyError", "IamAccessDeniedError", "DatabaseTlsError"} <= set(classes)


def test_every_error_class_has_a_troubleshooting_row() -> None:
    rows = _troubleshooting_rows()
    missing = sorted(set(_error_classes()) - set(rows))
    assert missing == [], (
        "docs/troubleshooting.md, 'Errors of the rotation function': add a row (what it means, "
        f"what to change) for {missing}"
    )


def test_every_troubleshooting_row_names_an_existing_class_and_a_remedy() -> None:
    classes = _error_classes()
    for name, cells in _troubleshooting_rows().items():
        assert name in classes, f"docs/troubleshooting.md: {name} is not an error class (renamed?)"
        assert len(cells) == 2, f"{name}: a row has 'what it means' and 'what to change'"
        assert all(cells), f"{name}: empty cell"


def test_access_denied_row_names_the_enrolment_prefix_and_tag() -> None:
    text = (DOCS / "troubleshooting.md").read_text()
    row = next(line for line in text.splitlines() if "`AccessDeniedException`" in line)
    assert "name_prefix" in row
    assert "enrolment tag" in row
    assert "secret_enrolment_tags" in row


def test_logs_insights_query_uses_the_rotators_fields() -> None:
    """The query filters on fields the handler writes: a renamed field breaks it here first."""
    text = (DOCS / "troubleshooting.md").read_text()
    handler = (REPO_ROOT / "rotator" / "handler.py").read_text()
    query = re.search(r"--query-string '([^']+)'", text)
    assert query
    assert "aws logs start-query" in text
    for field in ("step", "token", "error_type", "error", "secret_arn"):
        assert re.search(rf"\b{field}\b", query.group(1))
    for written in ("error_type=", "error=", '"step_failed"'):
        assert written in handler, f"rotator/handler.py no longer writes {written}"
