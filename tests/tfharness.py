"""Terraform plan tests in the style of cloud-foundation-fabric, run offline against moto.

A *case* is a `.tfvars` file plus an expected *inventory* (YAML or JSON, same stem) next to it:

    tests/modules/<suite>/
      fixture/            root config; may call a module many times (one plan covers them all)
      <case>.tfvars       input for one plan of `fixture/` (may be empty)
      <case>.yaml         expected inventory for that plan

An inventory has up to three keys, each optional:

    values:    {<plan address>: {<attribute>: <expected>, ...}}   subset match, see `mismatches`
    counts:    {<resource type>: n, "data.<type>": n, resources: n, modules: n}
    outputs:   {<output name>: <expected>}

`"(known after apply)"` as an expected value means "unknown until apply". A plan value that is a
JSON string (an IAM policy) is parsed when the expected value is a mapping or a list.

Plans cost several seconds each (the AWS provider starts several times per command), so
`TerraformHarness` initialises each directory once per session and caches plans by their inputs:
several tests may check one plan.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from terraform_offline.runner import Terraform, TerraformError, var_args

REPO_ROOT = Path(__file__).resolve().parents[1]
UNKNOWN = "(known after apply)"
INVENTORY_SUFFIXES = (".yaml", ".yml", ".json")

# ------------------------------------------------------------------------------------------------
# Plan summary
# ------------------------------------------------------------------------------------------------


@dataclass
class PlanSummary:
    """What a plan says, flattened: values by address, counts, outputs."""

    values: dict[str, dict[str, Any]]
    counts: dict[str, int]
    outputs: dict[str, Any]
    # Addresses -> actions ("create", "update", "delete", "read", "no-op") of resource changes.
    actions: dict[str, list[str]]
    raw: Mapping[str, Any] = field(repr=False)


def _overlay_unknown(after: Any, unknown: Any) -> Any:
    """Replace values the plan marks unknown (after_unknown) with UNKNOWN."""
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, dict):
        base = dict(after) if isinstance(after, dict) else {}
        for key, sub in unknown.items():
            base[key] = _overlay_unknown(base.get(key), sub)
        return base
    if isinstance(unknown, list) and isinstance(after, list):
        return [
            _overlay_unknown(a, u)
            for a, u in zip(after, unknown + [False] * len(after), strict=False)
        ]
    return after


def _module_resources(
    module: Mapping[str, Any], module_address: str = ""
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(module address or "" for the root, resource) for every resource of a module tree."""
    for resource in module.get("resources", []):
        yield module_address, resource
    for child in module.get("child_modules", []):
        yield from _module_resources(child, child.get("address", ""))


def summarize_plan(raw: Mapping[str, Any]) -> PlanSummary:
    """Flatten `terraform show -json PLAN` into a PlanSummary."""
    values: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    modules: set[str] = set()
    # Data sources read during plan (archive_file) live in prior_state.
    prior_root = raw.get("prior_state", {}).get("values", {}).get("root_module", {})
    planned_root = raw.get("planned_values", {}).get("root_module", {})
    for module_address, resource in [
        *_module_resources(prior_root),
        *_module_resources(planned_root),
    ]:
        address = resource["address"]
        if resource.get("mode") == "data":
            if address not in values:
                counts[f"data.{resource['type']}"] = counts.get(f"data.{resource['type']}", 0) + 1
        else:
            counts[resource["type"]] = counts.get(resource["type"], 0) + 1
            counts["resources"] = counts.get("resources", 0) + 1
            if module_address:
                modules.add(module_address)
        values[address] = dict(resource.get("values", {}))
    actions: dict[str, list[str]] = {}
    for change in raw.get("resource_changes", []):
        address = change["address"]
        actions[address] = list(change["change"]["actions"])
        after_unknown = change["change"].get("after_unknown") or {}
        if address in values and after_unknown:
            values[address] = _overlay_unknown(values[address], after_unknown)
    counts["modules"] = len(modules)
    outputs: dict[str, Any] = {}
    for name, output in raw.get("planned_values", {}).get("outputs", {}).items():
        outputs[name] = output.get("value", UNKNOWN)
    for name, change in raw.get("output_changes", {}).items():
        after_unknown = change.get("after_unknown")
        if after_unknown:
            outputs[name] = _overlay_unknown(change.get("after"), after_unknown)
    return PlanSummary(values=values, counts=counts, outputs=outputs, actions=actions, raw=raw)


# ------------------------------------------------------------------------------------------------
# Inventory comparison (plan value on the left)
# ------------------------------------------------------------------------------------------------


def mismatches(actual: Any, expected: Any, path: str) -> list[str]:  # noqa: PLR0911  one per kind
    """Differences between a plan value and an expected value; empty when they match.

    Mappings match as subsets (only the expected keys are compared, recursively); lists must
    have the same length and match element by element; a JSON string is parsed when the
    expected value is a mapping or list; UNKNOWN matches only an unknown value.
    """
    if isinstance(actual, str) and isinstance(expected, (dict, list)) and actual != UNKNOWN:
        try:
            actual = json.loads(actual)
        except ValueError:
            return [f"{path}: plan has non-JSON string {actual!r}, expected {expected!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: plan has {actual!r}, expected a mapping {expected!r}"]
        found: list[str] = []
        for key, sub in expected.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing in plan (plan keys: {sorted(actual)})")
            else:
                found += mismatches(actual[key], sub, f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: plan has {actual!r}, expected {expected!r}"]
        found = []
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            found += mismatches(a, e, f"{path}[{index}]")
        return found
    if actual != expected:
        return [f"{path}: plan has {actual!r}, expected {expected!r}"]
    return []


def load_inventory(path: Path) -> dict[str, Any]:
    text = path.read_text()
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    data = data or {}
    unknown_keys = set(data) - {"values", "counts", "outputs"}
    if unknown_keys:
        raise ValueError(f"{path}: unknown inventory keys {sorted(unknown_keys)}")
    return dict(data)


def check_inventory(summary: PlanSummary, inventory: Mapping[str, Any], source: str = "") -> None:
    """Assert a plan matches an inventory; the failure lists every difference at once."""
    problems: list[str] = []
    for address, expected in (inventory.get("values") or {}).items():
        if address not in summary.values:
            near = [a for a in summary.values if a.split(".")[-1] == address.split(".")[-1]]
            problems.append(
                f"{address}: not in the plan"
                + (f" (similar: {near})" if near else f" (planned: {sorted(summary.values)})")
            )
            continue
        problems += mismatches(summary.values[address], expected or {}, address)
    for key, expected_count in (inventory.get("counts") or {}).items():
        actual_count = summary.counts.get(key, 0)
        if actual_count != expected_count:
            problems.append(f"counts.{key}: plan has {actual_count}, expected {expected_count}")
    for name, expected in (inventory.get("outputs") or {}).items():
        if name not in summary.outputs:
            problems.append(f"output {name}: not in the plan (outputs: {sorted(summary.outputs)})")
        else:
            problems += mismatches(summary.outputs[name], expected, f"output.{name}")
    if problems:
        where = f" ({source})" if source else ""
        raise AssertionError(f"plan differs from inventory{where}:\n  " + "\n  ".join(problems))


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    tfvars: Path
    inventory: Path

    def __str__(self) -> str:
        return self.name


def cases(directory: Path | str) -> list[Any]:
    """`pytest.param`s for each `<case>.tfvars` with its inventory, for `parametrize`."""
    directory = Path(directory)
    found = []
    for tfvars in sorted(directory.glob("*.tfvars")):
        inventory = next(
            (p for s in INVENTORY_SUFFIXES if (p := tfvars.with_suffix(s)).exists()), None
        )
        if inventory is None:
            raise FileNotFoundError(f"{tfvars}: no inventory ({', '.join(INVENTORY_SUFFIXES)})")
        found.append(pytest.param(Case(tfvars.stem, tfvars, inventory), id=tfvars.stem))
    return found


# ------------------------------------------------------------------------------------------------
# Running Terraform
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str
    # e.g. 'module "bad_cron"' or 'variable "rotation_rules"': where Terraform points.
    context: str
    filename: str
    line: int | None

    def __str__(self) -> str:
        where = f"{self.filename}:{self.line} {self.context}".strip()
        return f"[{self.severity}] {self.summary}: {self.detail} ({where})"


@dataclass(frozen=True)
class PlanFailure:
    diagnostics: list[Diagnostic]
    text: str

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def errors_in(self, context: str) -> list[Diagnostic]:
        """Errors whose source snippet context contains `context`, e.g. 'module "bad_cron"'."""
        return [d for d in self.errors if context in d.context]

    def assert_error(self, pattern: str, context: str | None = None) -> Diagnostic:
        """The first error (optionally within `context`) whose summary+detail matches `pattern`."""
        candidates = self.errors_in(context) if context else self.errors
        for diagnostic in candidates:
            if re.search(pattern, f"{diagnostic.summary}\n{diagnostic.detail}", re.DOTALL):
                return diagnostic
        listing = "\n  ".join(str(d) for d in self.errors) or "(no errors)"
        scope = f" in {context}" if context else ""
        raise AssertionError(f"no plan error{scope} matches {pattern!r}; errors:\n  {listing}")


class TerraformHarness:
    """Plans with one environment (terraform_offline.runner); plans cached by input."""

    def __init__(
        self, env: Mapping[str, str], binary: str = "terraform", *, reuse_providers: bool = True
    ) -> None:
        self.terraform = Terraform(env, binary=binary, reuse_providers=reuse_providers)
        self.env = self.terraform.env
        self._plans: dict[tuple[Any, ...], PlanSummary] = {}

    def _key(
        self, tfdir: Path | str, tfvars: Sequence[Path | str], tf_vars: Mapping[str, Any]
    ) -> tuple[Any, ...]:
        return (
            str(Path(tfdir).resolve()),
            tuple(str(Path(v).resolve()) for v in tfvars),
            json.dumps(dict(tf_vars), sort_keys=True, default=str),
        )

    def setup(self, tfdir: Path | str) -> None:
        """`terraform init` once per directory per session (keeps .terraform for the next run)."""
        try:
            self.terraform.init(tfdir, "-upgrade")
        except TerraformError as exc:
            raise AssertionError(f"terraform init failed in {tfdir}:\n{exc}") from None

    def run(self, tfdir: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
        """Any terraform command in `tfdir` with this environment (init first when needed)."""
        self.setup(tfdir)
        return self.terraform.run(tfdir, *args, ok_codes=None)

    def plan(self, tfdir: Path | str, *tfvars: Path | str, **tf_vars: Any) -> PlanSummary:
        """Plan (cached by directory, tfvars files and variables) and summarise it."""
        key = self._key(tfdir, tfvars, tf_vars)
        if key in self._plans:
            return self._plans[key]
        self.setup(tfdir)
        try:
            raw = self.terraform.plan_json(tfdir, *var_args(tfvars, tf_vars))
        except TerraformError as exc:
            raise AssertionError(f"terraform plan failed in {tfdir}:\n{exc}") from None
        summary = summarize_plan(raw)
        self._plans[key] = summary
        return summary

    def plan_failure(self, tfdir: Path | str, *tfvars: Path | str, **tf_vars: Any) -> PlanFailure:
        """Run a plan that must fail and return its diagnostics; fail the test if it succeeds."""
        result = self.run(
            tfdir,
            "plan",
            "-input=false",
            "-no-color",
            "-lock=false",
            "-json",
            *var_args(tfvars, tf_vars),
        )
        diagnostics = []
        for line in result.stdout.splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("type") != "diagnostic":
                continue
            diag = message["diagnostic"]
            rng = diag.get("range") or {}
            diagnostics.append(
                Diagnostic(
                    severity=diag.get("severity", ""),
                    summary=diag.get("summary", ""),
                    detail=diag.get("detail", ""),
                    context=(diag.get("snippet") or {}).get("context") or "",
                    filename=rng.get("filename", ""),
                    line=(rng.get("start") or {}).get("line"),
                )
            )
        text = result.stdout + result.stderr
        if result.returncode == 0:
            raise AssertionError(f"terraform plan in {tfdir} succeeded; expected it to fail")
        return PlanFailure(diagnostics=diagnostics, text=text)


def free_env(extra: Mapping[str, str]) -> dict[str, str]:
    """os.environ without the user's AWS settings, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "TF_VAR_", "TF_LOG", "TF_CLI_ARGS")) or k == "AWS_CA_BUNDLE"
    }
    env.update(extra)
    return env
