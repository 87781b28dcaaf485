"""Each top-level folder imports only what its README says it may (STYLE.md, 15).

Every import counts: module level, inside functions, and type-only (``if TYPE_CHECKING``).
The function (``rotator/``) imports nothing else of this repository, so its zip is self-contained;
the shipped test helper (``rotation_testing/``) only the function; the offline Terraform tools
nothing; rotation-doctor (``rotation_doctor/``) only the function (its errors and remedies); the
local AWS (``sandbox/``) the service double and the Terraform tools; the benchmarks anything but
the tests, save the database servers' helpers they start their servers with. Inside ``rotator/``
no module imports one that imports it back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A folder -> the folders of this repository it may import (itself always).
MAY_IMPORT: dict[str, set[str]] = {
    "rotator": set(),
    "rotation_testing": {"rotator"},
    "terraform_offline": set(),
    "sandbox": {"rotation_testing", "terraform_offline", "rotator"},
    "bench": {"rotator", "rotation_testing", "sandbox", "terraform_offline", "rotation_doctor"},
    "rotation_doctor": {"rotator"},
    "scripts": set(),
}
PACKAGES = {
    path.name for path in ROOT.iterdir() if path.is_dir() and (path / "__init__.py").is_file()
}
# The tests' harness modules (tests/**/*.py other than test files and conftest.py): no package
# holds them, so another folder reaches one only by putting its folder on sys.path and importing
# it by its bare name, which the package rule above cannot see.
HARNESS = {
    path.stem
    for path in (ROOT / "tests").rglob("*.py")
    if not path.name.startswith("test_") and path.name not in ("conftest.py", "__init__.py")
}
# A folder -> the harness modules it may import that way. The database benchmarks start their
# throwaway servers as the tests do (bench/README.md).
MAY_IMPORT_FROM_HARNESS: dict[str, set[str]] = {"bench": {"pgserver", "mariadbserver"}}


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Absolute module names ``path`` imports (relative imports resolved), with their lines."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from pkg import module` depends on pkg.module, not on what pkg/__init__ holds.
            submodules = [
                f"{module}.{alias.name}"
                for alias in node.names
                if (ROOT / Path(*module.split("."), alias.name)).with_suffix(".py").is_file()
                or (ROOT / Path(*module.split("."), alias.name)).is_dir()
            ]
            if len(submodules) < len(node.names):
                yield module, node.lineno
            for submodule in submodules:
                yield submodule, node.lineno


def _sources(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if ".terraform" not in p.parts)


def test_every_python_folder_has_a_rule() -> None:
    assert PACKAGES | {"scripts"} <= set(MAY_IMPORT) | {"tests"}, (
        "a new top-level package: add it to MAY_IMPORT and say in its README what it may import"
    )


@pytest.mark.parametrize("folder", sorted(MAY_IMPORT))
def test_folder_imports_only_what_it_may(folder: str) -> None:
    allowed = MAY_IMPORT[folder] | {folder}
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _sources(folder)
        for module, line in _imports(path)
        if module.split(".")[0] in (PACKAGES | {"tests"}) - allowed
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("folder", sorted(MAY_IMPORT))
def test_folder_imports_of_the_tests_harness_are_the_ones_allowed(folder: str) -> None:
    allowed = MAY_IMPORT_FROM_HARNESS.get(folder, set())
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports the tests' {module}"
        for path in _sources(folder)
        for module, line in _imports(path)
        if module.split(".")[0] in HARNESS - allowed
    ]
    assert not wrong, "\n".join(wrong)


def test_the_harness_rule_sees_the_benchmarks_database_servers() -> None:
    """The check itself: without its allowance, bench's imports of the servers are reported."""
    imported = {module for path in _sources("bench") for module, _ in _imports(path)}
    assert MAY_IMPORT_FROM_HARNESS["bench"] <= HARNESS
    assert MAY_IMPORT_FROM_HARNESS["bench"] <= imported


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _rotator_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _sources("rotator")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m, _ in _imports(path) if m in modules and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_rotator_has_no_import_circle() -> None:
    cycle = _cycle(_rotator_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_circle_check_finds_a_circle() -> None:
    # The check itself: a graph with a type-only style loop is reported, a tree is not.
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
