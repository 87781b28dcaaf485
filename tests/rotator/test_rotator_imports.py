"""The generic path imports only the standard library and boto3/botocore."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import rotator

PACKAGE = Path(rotator.__file__).resolve().parent
ALLOWED = set(sys.stdlib_module_names) | {"rotator", "boto3", "botocore"}
# Modules other strategies add (with their drivers) are not on the generic path, nor the test
# helper (the package rotation_testing), which imports moto and is never in the function's zip
# (tests/modules/test_custom_strategy.py checks the zip).
GENERIC_PATH = [
    *sorted(p for p in PACKAGE.glob("*.py") if p.name != "testing.py"),
    PACKAGE / "strategies" / "__init__.py",
    PACKAGE / "strategies" / "base.py",
    PACKAGE / "strategies" / "generic.py",
]


def _imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_generic_path_imports_only_stdlib_and_boto() -> None:
    for path in GENERIC_PATH:
        assert _imported_top_levels(path) <= ALLOWED, path.name


def test_importing_the_handler_loads_no_third_party_module() -> None:
    code = (
        "import sys, rotator.handler, rotator.strategies.generic\n"
        "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    # -S: no site-packages at all, so a third-party import would fail outright.
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )

    loaded = set(result.stdout.split())
    assert loaded <= set(sys.stdlib_module_names) | {"rotator", "__main__"}, loaded - set(
        sys.stdlib_module_names
    )
