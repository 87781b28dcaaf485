"""Strategy names live in one place, rotator/strategies (STYLE.md rule 12).

Terraform cannot import Python, so modules/rotation-function restates them in the validation of
rotation_strategy; this test keeps the two in step. A strategy added to the registry but not to
the module could never be selected; one added to the module only would fail every rotation with
a ConfigurationError.
"""

from __future__ import annotations

import json
import re

from planhelpers import MODULES

from rotator import strategies


def _terraform_strategy_names() -> list[str]:
    text = (MODULES / "rotation-function" / "main.tf").read_text()
    match = re.search(r"^\s*rotation_strategies\s*=\s*\[([^\]]*)\]", text, re.MULTILINE)
    assert match, "modules/rotation-function/main.tf defines local.rotation_strategies"
    return re.findall(r'"([^"]+)"', match.group(1))


def test_module_accepts_exactly_the_registered_strategies() -> None:
    assert sorted(_terraform_strategy_names()) == sorted(strategies.names())


def test_every_registered_strategy_loads() -> None:
    for name in strategies.names():
        if name.startswith("postgres-"):
            continue  # needs the pg8000 layer; tests/postgres loads those
        assert strategies.load(name).name == name


def _terraform_default_exclude_characters() -> dict[str, str]:
    text = (MODULES / "rotation-function" / "main.tf").read_text()
    match = re.search(r"^\s*default_exclude_characters\s*=\s*\{(.*?)^\s*\}", text, re.M | re.S)
    assert match, "modules/rotation-function/main.tf defines local.default_exclude_characters"
    pairs = re.findall(r'"([^"]+)"\s*=\s*("(?:[^"\\]|\\.)*")', match.group(1))
    # These strings use only the escapes \" and \\, which HCL and JSON spell alike.
    return {name: json.loads(value) for name, value in pairs}


def test_module_default_exclude_characters_are_the_rotators() -> None:
    """The module writes EXCLUDE_CHARACTERS itself when password_policy leaves it null."""
    assert _terraform_default_exclude_characters() == {
        name: strategies.default_exclude_characters(name) for name in strategies.names()
    }
