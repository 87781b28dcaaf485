"""Each documented rule rejects a bad input at `terraform plan` with a message saying what to write.

Each module block of validation/*/main.tf breaks one rule; one plan per fixture reports them all
(a plan costs seconds). Terraform checks rules that read a single input before planning anything
and stops there when one fails, so rules that combine inputs, or need the cron() hours expanded
(resource preconditions), have their own fixture. Allowed edge values are planned successfully in
rotating_secret/variants.tfvars.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tfharness

SUITE = Path(__file__).parent / "validation"
SINGLE = SUITE / "single_input"
COMBINED = SUITE / "combined_inputs"

ONE_OF_DAYS_OR_SCHEDULE = (
    r"Set exactly one of rotation_rules\.automatically_after_days"
    r" and rotation_rules\.schedule_expression"
)
DAYS = r"automatically_after_days must be a whole number from 1 to 1000"
RATE_SYNTAX = r"write rate\(N hours\) or rate\(N days\)"
RATE_HOURS = r"rate\(\) in hours must be 4 to 23 hours"
CRON_HOURS = r"the hours field of cron\(\) takes hours 0 to 23"
DAY_FIELDS = r"exactly one of the day-of-month and day-of-week fields of cron\(\) must be \?"
DURATION = r"duration must be a whole number of hours from 1 to 24 followed by h"
PASSWORD_LENGTH = r"password_policy\.length must be a whole number from 4 to 4096"
SECRET_NAME = r"name must be 1 to 512 characters from A-Z, a-z, 0-9 and /_\+=\.@-"
WO_PAIR = r"Set secret_string_wo and secret_string_wo_version together"

# module block -> message its rule must give (rules of a single input).
SINGLE_INPUT_RULES = {
    # rotation_rules (AWS docs, "Rotation schedules")
    "rules_days_and_schedule": ONE_OF_DAYS_OR_SCHEDULE,
    "rules_neither_days_nor_schedule": ONE_OF_DAYS_OR_SCHEDULE,
    "days_zero": DAYS,
    "days_1001": DAYS,
    "days_fraction": DAYS,
    "schedule_neither_rate_nor_cron": r"must be a rate\(\) or cron\(\) expression",
    "rate_unit_weeks": RATE_SYNTAX,
    "rate_zero": RATE_SYNTAX,
    "rate_3_hours": RATE_HOURS,
    "rate_24_hours": RATE_HOURS,
    "rate_1000_days": r"rate\(\) in days must be at most 999 days",
    "cron_five_fields": r"cron\(\) takes six fields separated by single spaces",
    "cron_minutes_not_0": r"the minutes field of cron\(\) must be 0",
    "cron_year_not_star": r"the year field of cron\(\) must be \*",
    "cron_hour_24": CRON_HOURS,
    "cron_hour_range_reversed": CRON_HOURS,
    "cron_both_day_fields": DAY_FIELDS,
    "cron_no_day_field": DAY_FIELDS,
    "cron_day_of_month_32": r"the day-of-month field of cron\(\) takes days 1 to 31",
    "cron_month_13": r"the month field of cron\(\) takes 1 to 12 or JAN to DEC",
    "cron_day_of_week_8": r"the day-of-week field of cron\(\) takes 1 to 7 or SUN to SAT",
    "duration_in_minutes": DURATION,
    "duration_25h": DURATION,
    "duration_0h": DURATION,
    "rate_window_reaches_next": (
        r"duration must not reach the next rotation window:"
        r" with rate\(N hours\) it must be at most N hours"
    ),
    # the secret
    "name_bad_characters": SECRET_NAME,
    "name_too_long": SECRET_NAME,
    "kms_key_id_not_a_key": r"kms_key_id must be a KMS key ARN, key ID, alias name or alias ARN",
    "recovery_window_5": (
        r"recovery_window_in_days must be 0 \(delete at once\) or a whole number from 7 to 30"
    ),
    "fn_endpoint_without_scheme": r"secrets_manager_endpoint must be a URL with scheme and host",
    "fn_iam_user_arn_is_a_name": r"Each entry of iam_user_arns must be an IAM user ARN",
    "role_name_is_an_arn": r"rotation_role_name must be an IAM role name \(not an ARN\)",
    "aws_context_account_name": r"aws_context\.account_id must be a 12-digit account ID",
    "wo_version_zero": r"secret_string_wo_version must be a whole number of at least 1",
    "description_too_long": r"description must be at most 2048 characters",
    "name_prefix_bad_characters": r"name_prefix must be 1 to 486 characters from A-Z, a-z, 0-9",
    # the function
    "fn_name_with_dot": r"name must be 1 to 64 characters from A-Z, a-z, 0-9, hyphen and under",
    "fn_runtime_python39": r'runtime must be one of "python3\.11", "python3\.12" or "python3\.13"',
    "fn_timeout_901": r"timeout must be a whole number of seconds from 3 to 900",
    "fn_memory_64": r"memory_size must be a whole number of MB from 128 to 10240",
    "fn_rotate_keys_empty": r"rotate_keys must name at least one JSON key",
    "fn_rotate_keys_comma": r"Each entry of rotate_keys must be a non-empty JSON key with no comma",
    "fn_password_length_3": PASSWORD_LENGTH,
    "fn_password_length_4097": PASSWORD_LENGTH,
    "fn_password_excludes_everything": r"password_policy excludes every character class",
    "fn_password_shorter_than_classes": (
        r"password_policy\.length is shorter than the number of character classes"
    ),
    "fn_log_level_trace": r"log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "fn_secret_arns_names": r"Each entry of secret_arns must be a secret ARN",
    "fn_enrolled_prefix_wildcard": r"enrolled_secrets\.name_prefix must be the start of the",
    "fn_enrolled_tag_key_aws": r"enrolled_secrets\.tag_key must be a tag key of 1 to 128",
    "fn_kms_key_arns_alias": r"Each entry of kms_key_arns must be a KMS key ARN \(not an alias\)",
    "fn_vpc_without_subnets": r"vpc_config\.subnet_ids must list at least one subnet ID",
    "fn_vpc_security_group_name": (
        r"vpc_config\.security_group_ids must list at least one security group ID"
    ),
    "fn_log_retention_10": r"log_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30",
    "fn_log_kms_alias": r"log_kms_key_arn must be a KMS key ARN \(CloudWatch Logs accepts no",
    "fn_role_name_65": r"role_name must be 1 to 64 characters",
    "fn_boundary_name": r"role_permissions_boundary must be an IAM policy ARN",
    "fn_strategy_unknown": r"rotation_strategy must be one of: generic",
    "fn_description_too_long": r"description must be at most 256 characters",
    "fn_architecture_arm": r'architecture must be "arm64" or "x86_64"',
    "fn_driver_layer_arn_unversioned": r"driver_layer_arn must be a layer version ARN",
}

# module block -> (where the error points, message) for rules that combine inputs.
COMBINED_INPUT_RULES = {
    "name_and_name_prefix": (
        'module "name_and_name_prefix"',
        r"Set exactly one of name and name_prefix",
    ),
    "wo_version_without_value": ('module "wo_version_without_value"', WO_PAIR),
    "aws_context_with_alias": (
        'module "aws_context_with_alias"',
        r"With aws_context set, kms_key_id must be the key's ARN or ID",
    ),
    # Terraform omits the source snippet of an ephemeral input: the error has no context.
    "wo_value_without_version": ("", WO_PAIR),
    "cron_window_past_midnight": (
        'resource "aws_secretsmanager_secret_rotation" "this"',
        r"duration 3h runs the window that opens at 22:00 past the end of the UTC day"
        r".*at most \"2h\"",
    ),
    "cron_windows_2_hours_apart": (
        'resource "aws_secretsmanager_secret_rotation" "this"',
        r"cron\(0 1,3 \? \* MON-FRI \*\) opens windows less than four hours apart",
    ),
    "cron_windows_3_hours_apart_over_midnight": (
        'resource "aws_secretsmanager_secret_rotation" "this"',
        r"cron\(0 1,22 \* \* \? \*\) opens windows less than four hours apart",
    ),
    "cron_window_reaches_next": (
        'resource "aws_secretsmanager_secret_rotation" "this"',
        r"duration 7h reaches the next rotation window, which opens 6 hours later:"
        r" use at most \"6h\"",
    ),
    "function_arn_is_a_name": (
        'module "function_arn_is_a_name"',
        r"rotation_function_arn must be a Lambda function ARN",
    ),
    "kms_key_in_another_region": (
        'data "aws_kms_key" "this"',
        r"kms_key_id arn:aws:kms:eu-west-1:\S+ is in another region than the secret \(us-east-1\)",
    ),
    # A building block's rule, reached through modules/secret-rotation.
    "composed_cron_minutes": ('module "secret"', r"the minutes field of cron\(\) must be 0"),
    "fn_driver_layer_arn_and_dir": (
        'module "fn_driver_layer_arn_and_dir"',
        r"driver_layer_arn and driver_layer_dir exclude each other",
    ),
    # The secret's name, validated once: by rotating-secret, which the wrapper passes it to.
    "composed_name_with_space": ('module "secret"', SECRET_NAME),
    "composed_password_length": ('module "function"', PASSWORD_LENGTH),
}


def _module_blocks(fixture: Path) -> set[str]:
    return set(re.findall(r'^module "([^"]+)"', (fixture / "main.tf").read_text(), re.MULTILINE))


@pytest.fixture(scope="module")
def single_input_failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(SINGLE)


@pytest.fixture(scope="module")
def combined_inputs_failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(COMBINED)


def test_every_invalid_block_has_an_expected_message() -> None:
    assert _module_blocks(SINGLE) == set(SINGLE_INPUT_RULES)
    assert _module_blocks(COMBINED) == set(COMBINED_INPUT_RULES)


@pytest.mark.parametrize(
    ("block", "message"), SINGLE_INPUT_RULES.items(), ids=list(SINGLE_INPUT_RULES)
)
def test_single_input_rule_fails_the_plan_with_its_message(
    single_input_failure: tfharness.PlanFailure, block: str, message: str
) -> None:
    context = f'module "{block}"'
    single_input_failure.assert_error(message, context=context)
    # Exactly the intended rule is broken: every error of this block says the same.
    for error in single_input_failure.errors_in(context):
        assert re.search(message, error.detail), f"{block}: unexpected error {error}"


def test_single_input_fixture_fails_only_where_a_rule_is_broken(
    single_input_failure: tfharness.PlanFailure,
) -> None:
    contexts = {error.context for error in single_input_failure.errors}
    assert contexts == {f'module "{block}"' for block in SINGLE_INPUT_RULES}


@pytest.mark.parametrize(
    ("block", "where", "message"),
    [(block, where, message) for block, (where, message) in COMBINED_INPUT_RULES.items()],
    ids=list(COMBINED_INPUT_RULES),
)
def test_combined_input_rule_fails_the_plan_with_its_message(
    combined_inputs_failure: tfharness.PlanFailure, block: str, where: str, message: str
) -> None:
    matching = [
        error
        for error in combined_inputs_failure.errors
        if error.context == where and re.search(message, error.detail, re.DOTALL)
    ]
    assert matching, f"{block}: no error at {where!r} matching {message!r}"


def test_combined_inputs_fixture_reports_one_error_per_block(
    combined_inputs_failure: tfharness.PlanFailure,
) -> None:
    assert len(combined_inputs_failure.errors) == len(COMBINED_INPUT_RULES)
