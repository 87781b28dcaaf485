"""modules/secret-rotation passes through every input of its parts that a user of one secret may
need; the parts validate them, the wrapper does not validate them again.

Reads the three modules' variables.tf and the wrapper's two module calls (no Terraform run). A new
input of rotation-function or rotating-secret fails this test until the wrapper passes it
through (`x = var.x`, with the same type and default) or INTERNAL below says why not.
"""

from __future__ import annotations

import re

import pytest
from planhelpers import MODULES

WRAPPER = MODULES / "secret-rotation"
# The wrapper's module call for each part.
PARTS = {"function": "rotation-function", "secret": "rotating-secret"}

# Inputs of the parts the wrapper does not take from its user, and why.
FUNCTION, SECRET = "rotation-function", "rotating-secret"
INTERNAL: dict[tuple[str, str], str] = {
    (FUNCTION, "name"): "derived from the secret's name (function_name overrides it)",
    (FUNCTION, "description"): "names the secret the function rotates",
    (FUNCTION, "errors_alarm"): "built from notifications (one topic for every alert)",
    (FUNCTION, "secret_arns"): (
        "one function per secret: module.secret grants it this secret by ARN "
        "(create_role_policy); a function for more secrets is rotation-function itself"
    ),
    (FUNCTION, "enrolled_secrets"): (
        "grants the function other secrets by name prefix and tag; the wrapper's function "
        "rotates its own secret only, granted by ARN"
    ),
    (FUNCTION, "kms_key_arns"): "the secret's key (kms_key_id) is granted by module.secret",
    (FUNCTION, "iam_user_bindings"): (
        "set by the wrapper for iam-access-key: its own secret's ARN => the user its one "
        "iam_user_arns entry names, so the first rotation needs no tag on the user"
    ),
    (SECRET, "name_prefix"): (
        "the function's name is derived from the secret's name, which a prefix leaves open"
    ),
    (SECRET, "rotation_function_arn"): "module.function's",
    (SECRET, "rotation_role_name"): "module.function's",
    (SECRET, "rotation_role_arn"): "module.function's",
    (SECRET, "create_role_policy"): "always true: the secret grants its function access",
    (SECRET, "create_lambda_permission"): "always true: the function is this secret's alone",
    (SECRET, "aws_context"): (
        "for stacks with many rotating-secret instances; rotation-function reads it anyway"
    ),
}

# Where a pass-through deliberately differs from the part's declaration: (module, input,
# attribute) and why. A type whose optional() attributes carry no defaults needs no entry: the
# wrapper then passes null and the part applies its own default (one place for each default).
DIFFERENCES: dict[tuple[str, str, str], str] = {
    (SECRET, "name", "default"): (
        "required here: the function's name is derived from it (no name_prefix here)"
    ),
    (SECRET, "resource_policy", "type"): (
        "no allow_rotation_role, which only a rotation role of another account needs; the "
        "wrapper's role is in the secret's account"
    ),
}

# Pass-throughs the wrapper checks further than the part does, because only one secret is the
# wrapper's: input -> why. Its own rule, not the part's repeated.
WRAPPER_RULES: dict[str, str] = {
    "iam_user_arns": (
        "iam-access-key: exactly one ARN without wildcards, the user the wrapper binds its one "
        "secret to (iam_user_bindings)"
    ),
}

_VARIABLE = re.compile(r'^variable "([^"]+)" \{\n(.*?)^\}', re.M | re.S)
_ATTRIBUTE = re.compile(r"^  (\w+)\s*=\s*", re.M)


def _without_comments(text: str) -> str:
    """Drop `#` comments (whole lines, or after a value outside any string)."""
    kept = []
    for line in text.splitlines():
        code = line
        for match in re.finditer(r"\s#", line):
            if line[: match.start()].count('"') % 2 == 0:
                code = line[: match.start()]
                break
        if not code.lstrip().startswith("#"):
            kept.append(code)
    return "\n".join(kept) + "\n"


def _without_optional_defaults(type_text: str) -> str:
    """`optional(T, default)` as `optional(T)`, for the flat attribute types used here."""
    return re.sub(
        r"optional\(([^(),]+(?:\([^()]*\))?), [^()]*?(?:\([^()]*\))?[^()]*?\)",
        r"optional(\1)",
        type_text,
    )


def _attributes(body: str) -> dict[str, str]:
    """Top-level attributes of a block body (two-space indent), values with whitespace folded."""
    body = _without_comments(body)
    starts = [(m.group(1), m.start(), m.end()) for m in _ATTRIBUTE.finditer(body)]
    nested = [m.start() for m in re.finditer(r"^  \w+ \{", body, re.M)]
    found = {}
    for index, (name, _, value_start) in enumerate(starts):
        ends = [s for _, s, _ in starts[index + 1 :]] + [s for s in nested if s > value_start]
        value = body[value_start : min(ends, default=len(body))]
        found[name] = " ".join(value.split())
    return found


def variables(module: str) -> dict[str, str]:
    """Each variable's body, by name."""
    text = (MODULES / module / "variables.tf").read_text()
    return {m.group(1): m.group(2) for m in _VARIABLE.finditer(text)}


def module_call(name: str) -> dict[str, str]:
    """Arguments of the wrapper's `module "<name>"` block, values with whitespace folded."""
    text = (WRAPPER / "main.tf").read_text()
    block = re.search(rf'^module "{name}" \{{\n(.*?)^\}}', text, re.M | re.S)
    assert block, f'modules/secret-rotation/main.tf has no module "{name}"'
    return _attributes(block.group(1))


def pass_throughs() -> list[tuple[str, str]]:
    return [
        (module, name)
        for call, module in PARTS.items()
        for name, value in module_call(call).items()
        if value == f"var.{name}"
    ]


@pytest.mark.parametrize(("call", "module"), PARTS.items())
def test_every_input_of_a_part_is_passed_through_or_internal_with_a_reason(
    call: str, module: str
) -> None:
    arguments = module_call(call)
    missing = [
        name
        for name in variables(module)
        if arguments.get(name) != f"var.{name}" and (module, name) not in INTERNAL
    ]
    assert missing == [], (
        f"inputs of modules/{module} that modules/secret-rotation neither passes through "
        f'(`name = var.name` in module "{call}") nor lists in INTERNAL with a reason: {missing}'
    )


def test_internal_inputs_exist_and_are_not_also_passed_through() -> None:
    for module, name in INTERNAL:
        assert name in variables(module), f"INTERNAL names {module}.{name}, which is no input"
        call = next(c for c, m in PARTS.items() if m == module)
        assert module_call(call).get(name) != f"var.{name}", f"{module}.{name} is passed through"


@pytest.mark.parametrize(("module", "name"), pass_throughs())
def test_pass_through_has_the_parts_type_and_default_and_no_validation_of_its_own(
    module: str, name: str
) -> None:
    wrapper = variables("secret-rotation")
    assert name in wrapper, f"modules/secret-rotation passes var.{name} but declares no {name}"
    ours, theirs = _attributes(wrapper[name]), _attributes(variables(module)[name])
    if name in WRAPPER_RULES:
        assert "validation {" in wrapper[name], f"stale entry in WRAPPER_RULES: {name}"
    else:
        assert "validation {" not in wrapper[name], (
            f"modules/secret-rotation validates {name}, which modules/{module} validates: "
            "remove the wrapper's validation block (one place only)"
        )
    for attribute in ("type", "default", "nullable", "sensitive", "ephemeral"):
        if (module, name, attribute) in DIFFERENCES:
            assert ours.get(attribute) != theirs.get(attribute), "stale entry in DIFFERENCES"
            continue
        if attribute == "type" and ours["type"] == _without_optional_defaults(theirs["type"]):
            continue  # null attributes: the part's defaults apply
        assert ours.get(attribute) == theirs.get(attribute), (
            f"{name}: {attribute} is {ours.get(attribute)!r} in modules/secret-rotation and "
            f"{theirs.get(attribute)!r} in modules/{module}"
        )


def test_the_new_inputs_of_issue_21_are_passed_through() -> None:
    passed = {name for _, name in pass_throughs()}
    assert {
        "rds_managed_master",
        "environment_kms_key_arn",
        "code_signing_config_arn",
        "role_name",
        "restrict_assume_role_to_account",
        "driver_layer_arn",
    } <= passed


def test_the_parser_reads_nested_types_and_stops_at_validation_blocks() -> None:
    # The comparison above is only as good as this: a multi-line object type, then a block.
    body = variables("rotation-function")["rds_managed_master"]
    attributes = _attributes(body)
    assert attributes["type"] == (
        "object({ db_instance_arns = optional(list(string), []) "
        "db_cluster_arns = optional(list(string), []) })"
    )
    assert attributes["default"] == "null"
    assert "validation" not in attributes["default"]
    assert _without_optional_defaults(
        "object({ a = optional(number, 32) b = optional(string) })"
    ) == ("object({ a = optional(number) b = optional(string) })")
    assert _without_optional_defaults("object({ c = optional(list(string), []) })") == (
        "object({ c = optional(list(string)) })"
    )
    assert _attributes("  nullable = false # why\n")["nullable"] == "false"
