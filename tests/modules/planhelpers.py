"""Helpers for the module plan tests: IAM statements, plan configuration, zips, README tables."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES = REPO_ROOT / "modules"
EXAMPLES = REPO_ROOT / "examples"
ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"


# ------------------------------------------------------------------------------------------------
# IAM policies
# ------------------------------------------------------------------------------------------------


def _as_set(value: str | list[str]) -> frozenset[str]:
    return frozenset([value] if isinstance(value, str) else value)


@dataclass(frozen=True)
class Statement:
    """One IAM statement with its sets made order-free (policy documents render sets unordered)."""

    effect: str
    actions: frozenset[str]
    resources: frozenset[str]
    # {(operator, key): values}
    conditions: Mapping[tuple[str, str], frozenset[str]]


def statements(policy: str | Mapping[str, Any]) -> dict[str, Statement]:
    """Statements of a policy document by Sid (every statement of ours has one)."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    found: dict[str, Statement] = {}
    for raw in document["Statement"]:
        conditions = {
            (operator, key): _as_set(values)
            for operator, block in raw.get("Condition", {}).items()
            for key, values in block.items()
        }
        found[raw["Sid"]] = Statement(
            effect=raw["Effect"],
            actions=_as_set(raw.get("Action", [])),
            resources=_as_set(raw.get("Resource", [])),
            conditions=conditions,
        )
    return found


# ------------------------------------------------------------------------------------------------
# Plan JSON: configuration and checks
# ------------------------------------------------------------------------------------------------


def module_config(raw: Mapping[str, Any], *calls: str) -> Mapping[str, Any]:
    """The `configuration` of a module reached through module calls, e.g. ("secret",)."""
    module = raw["configuration"]["root_module"]
    for call in calls:
        module = module["module_calls"][call]["module"]
    return module


def resource_config(raw: Mapping[str, Any], address: str, *calls: str) -> Mapping[str, Any]:
    """Configuration of one resource (`aws_lambda_function.this`) in a module."""
    for resource in module_config(raw, *calls).get("resources", []):
        if resource["address"] == address:
            return resource
    raise KeyError(f"{address} not in the configuration of module {'.'.join(calls) or 'root'}")


def check_statuses(raw: Mapping[str, Any], check_name: str) -> dict[str, str]:
    """Status of each instance of a `check` block, by module instance address."""
    statuses: dict[str, str] = {}
    for check in raw.get("checks", []):
        address = check["address"]
        if address.get("kind") == "check" and address.get("name") == check_name:
            for instance in check.get("instances", []):
                statuses[instance["address"]["module"]] = instance["status"]
    return statuses


# The reads a module switched off with create = false may still make (the account, partition and
# region, as terraform-aws-modules do); every other data source is counted like the resources.
CONTEXT_READS = frozenset({"aws_caller_identity", "aws_partition", "aws_region"})


def planned_under(
    values: Mapping[str, Any], actions: Mapping[str, Any], module_address: str
) -> list[str]:
    """Addresses a plan creates, reads or changes under one module instance (its resources, its
    data sources, its child modules)."""
    prefix = f"{module_address}."
    return sorted({a for a in [*values, *actions] if a.startswith(prefix)})


def beyond_context_reads(addresses: list[str]) -> list[str]:
    """The addresses that are neither the account, partition nor region read."""
    return [a for a in addresses if a.split(".data.")[-1].split(".")[0] not in CONTEXT_READS]


def walk_values(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a nested JSON value."""
    if isinstance(value, dict):
        for key, sub in value.items():
            yield key, sub
            yield from walk_values(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from walk_values(sub)


# ------------------------------------------------------------------------------------------------
# README tables and HCL declarations
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    name: str
    description: str
    required: bool


_BLOCK_START = re.compile(r'^(variable|output) "([^"]+)" \{\s*$', re.MULTILINE)
_DESCRIPTION = re.compile(r'^  description\s*=\s*"((?:[^"\\]|\\.)*)"\s*$', re.MULTILINE)
_DEFAULT = re.compile(r"^  default\s*=", re.MULTILINE)


def _blocks(text: str, kind: str) -> Iterator[tuple[str, str]]:
    """(name, body) of each top-level `variable`/`output` block; bodies end at a closing `}`."""
    for match in _BLOCK_START.finditer(text):
        if match.group(1) != kind:
            continue
        end = text.find("\n}\n", match.end())
        yield match.group(2), text[match.end() : end if end != -1 else len(text)]


def _unescape(text: str) -> str:
    return json.loads(f'"{text}"')


def declarations(path: Path, kind: str) -> list[Declaration]:
    """Variables (kind "variable") or outputs ("output") declared in one .tf file, in order."""
    found = []
    for name, body in _blocks(path.read_text(), kind):
        description = _DESCRIPTION.search(body)
        found.append(
            Declaration(
                name=name,
                description=_unescape(description.group(1)) if description else "",
                required=kind == "variable" and not _DEFAULT.search(body),
            )
        )
    return found


def readme_table(readme: Path, heading: str) -> list[list[str]]:
    """Rows (cells, stripped; header and separator dropped) of the table under `## heading`."""
    text = readme.read_text()
    section = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not section:
        return []
    rows = []
    for line in section.group(1).splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if all(set(cell) <= set("-: ") for cell in cells):
            continue
        rows.append(cells)
    return rows[1:]  # drop the header


def markdown_cell(text: str) -> str:
    """How a description is written in a table cell: pipes escaped, on one line."""
    return text.replace("|", "\\|").replace("\n", " ")
