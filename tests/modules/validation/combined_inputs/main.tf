# Invalid inputs whose rule combines inputs or needs the cron() hours expanded (checked while
# Terraform plans, so only once no single-input rule fails: hence a separate fixture). One rule
# broken per module block; test_module_validation.py maps each block to its message.
provider "aws" {
  region = "us-east-1"
}

module "cron_window_past_midnight" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_window_past_midnight"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 22 ? * MON-FRI *)", duration = "3h" }
  rotate_immediately    = false
}

module "cron_windows_2_hours_apart" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_windows_2_hours_apart"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 1,3 ? * MON-FRI *)" }
  rotate_immediately    = false
}

module "cron_windows_3_hours_apart_over_midnight" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_windows_3_hours_apart_over_midnight"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 1,22 * * ? *)" }
  rotate_immediately    = false
}

module "cron_window_reaches_next" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/cron_window_reaches_next"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { schedule_expression = "cron(0 2,8 * * ? *)", duration = "7h" }
  rotate_immediately    = false
}

module "name_and_name_prefix" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/name_and_name_prefix"
  name_prefix           = "orders/"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

module "wo_version_without_value" {
  source = "../../../../modules/rotating-secret"

  name                     = "validation/wo_version_without_value"
  secret_string_wo_version = 1
  rotation_function_arn    = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules           = { automatically_after_days = 30 }
  rotate_immediately       = false
}

module "wo_value_without_version" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/wo_value_without_version"
  secret_string_wo      = "PLACEHOLDER-validation-1"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

module "composed_cron_minutes" {
  source = "../../../../modules/secret-rotation"

  name               = "validation/composed-cron-minutes"
  rotation_rules     = { schedule_expression = "cron(15 3 ? * SUN *)" }
  rotate_immediately = false
}

module "composed_name_with_space" {
  source = "../../../../modules/secret-rotation"

  name               = "orders api key"
  rotation_rules     = { automatically_after_days = 30 }
  rotate_immediately = false
}

module "fn_driver_layer_arn_and_dir" {
  source = "../../../../modules/rotation-function"

  name             = "fn-driver-layer-arn-and-dir"
  driver_layer_arn = "arn:aws:lambda:us-east-1:123456789012:layer:rotation-pg8000:1"
  driver_layer_dir = "build/layers/postgres"
}

module "composed_password_length" {
  source = "../../../../modules/secret-rotation"

  name               = "validation/composed-password"
  rotation_rules     = { automatically_after_days = 30 }
  rotate_immediately = false
  password_policy    = { length = 2, require_each_included_type = false }
}

module "aws_context_with_alias" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/aws_context_with_alias"
  kms_key_id            = "alias/payments-secrets"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
  aws_context           = { account_id = "123456789012", partition = "aws", dns_suffix = "amazonaws.com", region = "us-east-1" }
}

module "kms_key_in_another_region" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/kms_key_in_another_region"
  kms_key_id            = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}

# Combined: the rule reads create too (a switched-off secret may take a null ARN).
module "function_arn_is_a_name" {
  source = "../../../../modules/rotating-secret"

  name                  = "validation/function_arn_is_a_name"
  rotation_function_arn = "orders-rotation"
  rotation_rules        = { automatically_after_days = 30 }
  rotate_immediately    = false
}
