"""Strategy names live in one place, rotator/strategies (STYLE.md rule 12).

Terraform cannot import Python, so modules/rotation-function restates them in the validation of
rotation_strategy; this test keeps the two in step. A strategy added to the registry but not to
the module could never be selected; one added to the module only would fail every rotation with
a ConfigurationError.
"""

from __future__ import annotations

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
