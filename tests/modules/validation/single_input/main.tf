# Invalid inputs whose rule reads one input only (checked before Terraform plans anything), one
# rule broken per module block. test_module_validation.py maps each block to its message.
provider "aws" {
  region = "us-east-1"
}

module "rules_days_and_schedule" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/rules_days_and_schedule"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30, schedule_expression = "rate(30 days)" }
  rotate_immediately    = false
}

module "rules_neither_days_nor_schedule" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/rules_neither_days_nor_schedule"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { duration = "2h" }
  rotate_immediately    = false
}

module "days_zero" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/days_zero"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 0 }
  rotate_immediately    = false
}

module "days_1001" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/days_1001"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 1001 }
  rotate_immediately    = false
}

module "days_fraction" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/days_fraction"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 1.5 }
  rotate_immediately    = false
}

module "schedule_neither_rate_nor_cron" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/schedule_neither_rate_nor_cron"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "every 30 days" }
  rotate_immediately    = false
}

module "rate_unit_weeks" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/rate_unit_weeks"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "rate(4 weeks)" }
  rotate_immediately    = false
}

module "rate_zero" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/rate_zero"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "rate(0 days)" }
  rotate_immediately    = false
}

module "rate_3_hours" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/rate_3_hours"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "rate(3 hours)" }
  rotate_immediately    = false
}

module "rate_24_hours" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/rate_24_hours"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "rate(24 hours)" }
  rotate_immediately    = false
}

module "rate_1000_days" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/rate_1000_days"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "rate(1000 days)" }
  rotate_immediately    = false
}

module "cron_five_fields" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_five_fields"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 2 ? * MON-FRI)" }
  rotate_immediately    = false
}

module "cron_minutes_not_0" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_minutes_not_0"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(30 2 ? * MON-FRI *)" }
  rotate_immediately    = false
}

module "cron_year_not_star" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_year_not_star"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 2 ? * MON-FRI 2030)" }
  rotate_immediately    = false
}

module "cron_hour_24" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_hour_24"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 24 ? * MON-FRI *)" }
  rotate_immediately    = false
}

module "cron_hour_range_reversed" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_hour_range_reversed"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 10-2 ? * MON-FRI *)" }
  rotate_immediately    = false
}

module "cron_both_day_fields" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_both_day_fields"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 2 * * MON *)" }
  rotate_immediately    = false
}

module "cron_no_day_field" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_no_day_field"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 2 ? * ? *)" }
  rotate_immediately    = false
}

module "cron_day_of_month_32" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_day_of_month_32"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 2 32 * ? *)" }
  rotate_immediately    = false
}

module "cron_month_13" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_month_13"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 2 1 13 ? *)" }
  rotate_immediately    = false
}

module "cron_day_of_week_8" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_day_of_week_8"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 2 ? * 8 *)" }
  rotate_immediately    = false
}

module "duration_in_minutes" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/duration_in_minutes"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "rate(10 days)", duration = "90m" }
  rotate_immediately    = false
}

module "duration_25h" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/duration_25h"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30, duration = "25h" }
  rotate_immediately    = false
}

module "duration_0h" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/duration_0h"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30, duration = "0h" }
  rotate_immediately    = false
}

module "rate_window_reaches_next" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/rate_window_reaches_next"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "rate(6 hours)", duration = "7h" }
  rotate_immediately    = false
}

module "name_bad_characters" {
  source = "../../../../modules/rotating-secret"

  name                  = "orders/api key!"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

module "name_too_long" {
  source = "../../../../modules/rotating-secret"

  name                  = join("", [for i in range(513) : "a"])
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

module "kms_key_id_not_a_key" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/kms_key_id_not_a_key"
  kms_key_id            = "my-key"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

module "recovery_window_5" {
  source = "../../../../modules/rotating-secret"

  name                    = "validation/recovery_window_5"
  recovery_window_in_days = 5
  rotation_function_arn   = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules          = { automatically_after_days = 30 }
  rotate_immediately      = false
}

module "role_name_is_an_arn" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/role_name_is_an_arn"
  rotation_role_name    = "arn:aws:iam::123456789012:role/rotation"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

module "aws_context_account_name" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/aws_context_account_name"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
  aws_context           = { account_id = "payments", partition = "aws", dns_suffix = "amazonaws.com", region = "us-east-1" }
}

module "wo_version_zero" {
  source = "../../../../modules/rotating-secret"

  name                     = "validation/wo_version_zero"
  secret_string_wo         = "PLACEHOLDER-validation-2"
  secret_string_wo_version = 0
  rotation_function_arn    = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules           = { automatically_after_days = 30 }
  rotate_immediately       = false
}

module "fn_name_with_dot" {
  source = "../../../../modules/rotation-function"

  name = "orders.rotation"
}

module "fn_runtime_python39" {
  source = "../../../../modules/rotation-function"

  name    = "fn-runtime-python39"
  runtime = "python3.9"
}

module "fn_timeout_901" {
  source = "../../../../modules/rotation-function"

  name    = "fn-timeout-901"
  timeout = 901
}

module "fn_memory_64" {
  source = "../../../../modules/rotation-function"

  name        = "fn-memory-64"
  memory_size = 64
}

module "fn_rotate_keys_empty" {
  source = "../../../../modules/rotation-function"

  name        = "fn-rotate-keys-empty"
  rotate_keys = []
}

module "fn_rotate_keys_comma" {
  source = "../../../../modules/rotation-function"

  name        = "fn-rotate-keys-comma"
  rotate_keys = ["api_key,secret"]
}

module "fn_password_length_3" {
  source = "../../../../modules/rotation-function"

  name            = "fn-password-length-3"
  password_policy = { length = 3, require_each_included_type = false }
}

module "fn_password_length_4097" {
  source = "../../../../modules/rotation-function"

  name            = "fn-password-length-4097"
  password_policy = { length = 4097 }
}

module "fn_password_excludes_everything" {
  source = "../../../../modules/rotation-function"

  name            = "fn-password-excludes-everything"
  password_policy = { exclude_numbers = true, exclude_punctuation = true, exclude_uppercase = true, exclude_lowercase = true }
}

module "fn_password_shorter_than_classes" {
  source = "../../../../modules/rotation-function"

  name            = "fn-password-shorter-than-classes"
  password_policy = { length = 4, include_space = true }
}

module "fn_log_level_trace" {
  source = "../../../../modules/rotation-function"

  name      = "fn-log-level-trace"
  log_level = "TRACE"
}

module "fn_secret_arns_names" {
  source = "../../../../modules/rotation-function"

  name        = "fn-secret-arns-names"
  secret_arns = ["orders/api-key"]
}

module "fn_enrolled_prefix_wildcard" {
  source = "../../../../modules/rotation-function"

  name             = "fn-enrolled-prefix-wildcard"
  enrolled_secrets = { name_prefix = "team-payments/*" }
}

module "fn_enrolled_tag_key_aws" {
  source = "../../../../modules/rotation-function"

  name             = "fn-enrolled-tag-key-aws"
  enrolled_secrets = { name_prefix = "team-payments/prod/", tag_key = "aws:rotation" }
}

module "fn_kms_key_arns_alias" {
  source = "../../../../modules/rotation-function"

  name         = "fn-kms-key-arns-alias"
  kms_key_arns = ["alias/secrets"]
}

module "fn_vpc_without_subnets" {
  source = "../../../../modules/rotation-function"

  name       = "fn-vpc-without-subnets"
  vpc_config = { subnet_ids = [], security_group_ids = ["sg-0123456789abcdef0"] }
}

module "fn_vpc_security_group_name" {
  source = "../../../../modules/rotation-function"

  name       = "fn-vpc-security-group-name"
  vpc_config = { subnet_ids = ["subnet-0123456789abcdef0"], security_group_ids = ["default"] }
}

module "fn_log_retention_10" {
  source = "../../../../modules/rotation-function"

  name                  = "fn-log-retention-10"
  log_retention_in_days = 10
}

module "fn_log_kms_alias" {
  source = "../../../../modules/rotation-function"

  name            = "fn-log-kms-alias"
  log_kms_key_arn = "alias/logs"
}

module "fn_role_name_65" {
  source = "../../../../modules/rotation-function"

  name      = "fn-role-name-65"
  role_name = join("", [for i in range(65) : "r"])
}

module "fn_boundary_name" {
  source = "../../../../modules/rotation-function"

  name                      = "fn-boundary-name"
  role_permissions_boundary = "boundary"
}

module "fn_strategy_unknown" {
  source = "../../../../modules/rotation-function"

  name              = "fn-strategy-unknown"
  rotation_strategy = "postgres"
}

module "fn_driver_layer_arn_unversioned" {
  source = "../../../../modules/rotation-function"

  name             = "fn-driver-layer-arn-unversioned"
  driver_layer_arn = "arn:aws:lambda:us-east-1:123456789012:layer:rotation-pg8000"
}

module "description_too_long" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/description_too_long"
  description           = format("%2049s", "too long")
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

module "name_prefix_bad_characters" {
  source = "../../../../modules/rotating-secret"

  name_prefix           = "orders/api key "
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

module "fn_description_too_long" {
  source = "../../../../modules/rotation-function"

  name        = "fn-description-too-long"
  description = join("", [for i in range(257) : "d"])
}

module "fn_architecture_arm" {
  source = "../../../../modules/rotation-function"

  name         = "fn-architecture-arm"
  architecture = "arm"
}

module "fn_endpoint_without_scheme" {
  source = "../../../../modules/rotation-function"

  name                     = "fn-endpoint-without-scheme"
  secrets_manager_endpoint = "vpce-0123456789abcdef0-abcdefgh.secretsmanager.us-east-1.vpce.amazonaws.com"
}

module "fn_iam_user_arn_is_a_name" {
  source = "../../../../modules/rotation-function"

  name          = "fn-iam-user-arn-is-a-name"
  iam_user_arns = ["ci-deployer"]
}
