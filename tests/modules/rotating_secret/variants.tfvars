# Variants of modules/rotating-secret, planned together. The initial values are placeholders: the
# tests check they appear nowhere in the plan (write-only).
secrets = {
  # One secret, one function: per-secret permission, the grant on the function's role, a key ARN.
  per_secret = {
    name                     = "orders/api-key"
    description              = "Orders API key."
    kms_key_id               = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    recovery_window_in_days  = 7
    secret_string_wo_version = 1
    rotation_role_name       = "shared-rotation"
    rotation_rules           = { schedule_expression = "cron(0 2 ? * MON-FRI *)", duration = "2h" }
    tags                     = { team = "orders" }
  }

  # A secret rotated by a shared function: no permission of its own, no grant, a name prefix.
  shared = {
    name_prefix              = "orders/shared-"
    create_lambda_permission = false
    rotation_rules           = { schedule_expression = "rate(12 hours)", duration = "4h" }
    rotate_immediately       = false
  }

  # A key given by alias: resolved to the key's ARN at plan (the test creates it in moto).
  alias_key = {
    name                     = "orders/alias-key"
    kms_key_id               = "alias/rotating-secret-tests"
    secret_string_wo_version = 1
    rotation_role_name       = "shared-rotation"
    rotation_rules           = { automatically_after_days = 30 }
  }

  # The caller passes what it read once (another account here, to tell it from the provider's):
  # no account, partition or region read in the module; a key ID becomes an ARN in that account.
  given_context = {
    name               = "orders/given-context"
    kms_key_id         = "1234abcd-12ab-34cd-56ef-1234567890ab"
    rotation_role_name = "shared-rotation"
    rotation_rules     = { automatically_after_days = 30 }
    rotate_immediately = false
    aws_context = {
      account_id = "210987654321"
      partition  = "aws"
      dns_suffix = "amazonaws.com"
      region     = "us-east-1"
    }
  }

  # The AWS managed key by alias: nothing to grant.
  aws_managed_key = {
    name               = "orders/aws-managed-key"
    kms_key_id         = "alias/aws/secretsmanager"
    rotation_role_name = "shared-rotation"
    rotation_rules     = { automatically_after_days = 30 }
    rotate_immediately = false
  }

  # Names that do not fit a policy name (128) or statement ID (100) are shortened with a hash.
  long_name = {
    name               = "teams/orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-orders-api"
    rotation_role_name = "shared-rotation"
    rotation_rules     = { automatically_after_days = 30 }
    rotate_immediately = false
  }

  # Warnings, not errors: a name ending like an ARN suffix; immediate rotation with no value.
  warn_name_suffix = {
    name                     = "orders/db-master"
    secret_string_wo_version = 1
    rotation_rules           = { automatically_after_days = 30 }
  }
  warn_no_initial_value = {
    name           = "orders/no-initial-value"
    rotation_rules = { automatically_after_days = 30 }
  }

  # Allowed edge values of the rotation rules (AWS docs, "Rotation schedules").
  edge_days_1 = {
    name               = "edges/edge_days_1"
    rotation_rules     = { automatically_after_days = 1 }
    rotate_immediately = false
  }
  edge_days_1000 = {
    name               = "edges/edge_days_1000"
    rotation_rules     = { automatically_after_days = 1000, duration = "24h" }
    rotate_immediately = false
  }
  edge_rate_4_hours = {
    name               = "edges/edge_rate_4_hours"
    rotation_rules     = { schedule_expression = "rate(4 hours)", duration = "4h" }
    rotate_immediately = false
  }
  edge_rate_23_hours = {
    name               = "edges/edge_rate_23_hours"
    rotation_rules     = { schedule_expression = "rate(23 hours)" }
    rotate_immediately = false
  }
  edge_rate_1_day = {
    name               = "edges/edge_rate_1_day"
    rotation_rules     = { schedule_expression = "rate(1 day)" }
    rotate_immediately = false
  }
  edge_rate_10_day_singular = {
    name               = "edges/edge_rate_10_day_singular"
    rotation_rules     = { schedule_expression = "rate(10 day)" }
    rotate_immediately = false
  }
  edge_rate_999_days = {
    name               = "edges/edge_rate_999_days"
    rotation_rules     = { schedule_expression = "rate(999 days)", duration = "1h" }
    rotate_immediately = false
  }
  edge_cron_every_4_hours = {
    name               = "edges/edge_cron_every_4_hours"
    rotation_rules     = { schedule_expression = "cron(0 0/4 * * ? *)", duration = "4h" }
    rotate_immediately = false
  }
  edge_cron_ends_at_midnight = {
    name               = "edges/edge_cron_ends_at_midnight"
    rotation_rules     = { schedule_expression = "cron(0 22 L * ? *)", duration = "2h" }
    rotate_immediately = false
  }
  edge_cron_twice_a_day = {
    name               = "edges/edge_cron_twice_a_day"
    rotation_rules     = { schedule_expression = "cron(0 4/12 * * ? *)" }
    rotate_immediately = false
  }
  edge_cron_first_sunday = {
    name               = "edges/edge_cron_first_sunday"
    rotation_rules     = { schedule_expression = "cron(0 0 ? * SUN#1 *)", duration = "24h" }
    rotate_immediately = false
  }
  edge_cron_weekly_from_day_1 = {
    name               = "edges/edge_cron_weekly_from_day_1"
    rotation_rules     = { schedule_expression = "cron(0 8 1/7 * ? *)" }
    rotate_immediately = false
  }
  edge_cron_list_lowercase_days = {
    name               = "edges/edge_cron_list_lowercase_days"
    rotation_rules     = { schedule_expression = "cron(0 2,14 ? * mon-fri *)", duration = "10h" }
    rotate_immediately = false
  }
  edge_cron_range_step_months = {
    name               = "edges/edge_cron_range_step_months"
    rotation_rules     = { schedule_expression = "cron(0 2-6/4 ? JAN,JUL 2 *)", duration = "4h" }
    rotate_immediately = false
  }

  # Switched off: nothing created and nothing read. The alias exists nowhere (a read would fail
  # the plan); the name (ending like an ARN's suffix) and rotate_immediately without an initial
  # value would each warn if the secret were created.
  switched_off = {
    create             = false
    name               = "orders/switched-off-AbC123"
    kms_key_id         = "alias/rotating-secret-tests-never-created"
    replica_regions    = { "eu-central-1" = { kms_key_id = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } }
    rotation_role_name = "shared-rotation"
    rotation_rules     = { automatically_after_days = 30 }
  }
}

initial_values = {
  per_secret       = "{\"api_key\":\"PLACEHOLDER-per-secret-7f3a\"}"
  alias_key        = "PLACEHOLDER-alias-key-91c2"
  warn_name_suffix = "PLACEHOLDER-warn-5d1e"
}
