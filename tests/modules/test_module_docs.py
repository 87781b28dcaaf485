"""Static checks of the Terraform sources: README tables in step, versions, no tracked secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from planhelpers import EXAMPLES, MODULES, declarations, markdown_cell, readme_table

STACKS = sorted([*MODULES.iterdir(), *EXAMPLES.iterdir()])
MODULE_DIRS = sorted(MODULES.iterdir())
EXAMPLE_DIRS = sorted(EXAMPLES.iterdir())


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def _tf_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.tf"))


@pytest.mark.parametrize("stack", STACKS, ids=_ids(STACKS))
def test_readme_inputs_table_matches_variables(stack: Path) -> None:
    declared = declarations(stack / "variables.tf", "variable")
    rows = readme_table(stack / "README.md", "Inputs")
    assert [row[0].strip("`") for row in rows] == [v.name for v in declared], (
        f"{stack.name}/README.md: inputs table out of step with variables.tf (names or order)"
    )
    for row, variable in zip(rows, declared, strict=True):
        assert row[1] == markdown_cell(variable.description), f"{variable.name}: description"
        assert row[4] == ("yes" if variable.required else "no"), f"{variable.name}: required"


@pytest.mark.parametrize("stack", STACKS, ids=_ids(STACKS))
def test_readme_outputs_table_matches_outputs(stack: Path) -> None:
    declared = declarations(stack / "outputs.tf", "output")
    rows = readme_table(stack / "README.md", "Outputs")
    assert [row[0].strip("`") for row in rows] == [o.name for o in declared], (
        f"{stack.name}/README.md: outputs table out of step with outputs.tf (names or order)"
    )
    for row, output in zip(rows, declared, strict=True):
        assert row[1] == markdown_cell(output.description), f"{output.name}: description"


@pytest.mark.parametrize("stack", STACKS, ids=_ids(STACKS))
def test_every_variable_and_output_is_described(stack: Path) -> None:
    for item in [
        *declarations(stack / "variables.tf", "variable"),
        *declarations(stack / "outputs.tf", "output"),
    ]:
        assert item.description.endswith("."), f"{stack.name}: {item.name} has no description"


@pytest.mark.parametrize("module", MODULE_DIRS, ids=_ids(MODULE_DIRS))
def test_modules_declare_lower_bounds_only(module: Path) -> None:
    text = (module / "versions.tf").read_text()
    assert re.search(r'required_version\s*=\s*">= 1\.11"', text)
    assert re.search(r'version\s*=\s*">= 5\.88"', text), "aws >= 5.88 (secret_string_wo)"
    for constraint in re.findall(r'version\s*=\s*"([^"]+)"', text):
        assert constraint.startswith(">="), f"{module.name}: {constraint} is not a lower bound"
    if "archive" in text:
        assert re.search(
            r'archive = \{\s*source\s*=\s*"hashicorp/archive"\s*version\s*=\s*">= 2\.7"', text
        )
    assert not re.search(r'^provider "', "\n".join(p.read_text() for p in _tf_files(module)), re.M)


@pytest.mark.parametrize("example", EXAMPLE_DIRS, ids=_ids(EXAMPLE_DIRS))
def test_examples_pin_versions_and_set_only_the_region(example: Path) -> None:
    versions = (example / "versions.tf").read_text()
    assert re.search(r'required_version\s*=\s*">= 1\.11"', versions)
    assert re.search(r'version\s*=\s*"~> 5\.100"', versions)
    assert re.search(r'version\s*=\s*"~> 2\.7"', versions)
    main = (example / "main.tf").read_text()
    provider = re.search(r'^provider "aws" \{\n(.*?)^\}', main, re.M | re.S)
    assert provider
    # No endpoints: the same block works against real AWS; AWS_ENDPOINT_URL redirects it.
    assert provider.group(1).strip() == "region = var.region"
    readme = (example / "README.md").read_text()
    assert "What it creates" in readme
    assert "What it costs per month" in readme
    assert "$0.40" in readme


@pytest.mark.parametrize("stack", STACKS, ids=_ids(STACKS))
def test_no_tracked_secret_string_anywhere(stack: Path) -> None:
    for path in _tf_files(stack):
        assert not re.search(r"^\s*secret_string\s*=", path.read_text(), re.M), path


def test_many_secrets_readme_explains_the_resource_policy_cap() -> None:
    readme = (EXAMPLES / "many-secrets" / "README.md").read_text()
    assert "20 KB" in readme
    assert "account-scoped" in readme
