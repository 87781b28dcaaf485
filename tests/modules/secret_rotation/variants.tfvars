# Variants of modules/secret-rotation (the fixed interface), planned together.
secrets = {
  # Everything of the fixed interface set.
  api = {
    name                     = "prod/orders/api-key"
    description              = "Orders API key."
    kms_key_id               = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    recovery_window_in_days  = 7
    secret_string_wo_version = 1
    rotation_rules           = { schedule_expression = "cron(0 2 ? * MON-FRI *)", duration = "2h" }
    rotate_immediately       = true
    rotate_keys              = ["api_key"]
    password_policy          = { length = 40, exclude_punctuation = true }
    tags                     = { team = "orders" }
  }

  # Only what is required; no initial value, so no immediate rotation.
  minimal = {
    name               = "prod/minimal"
    rotation_rules     = { automatically_after_days = 30 }
    rotate_immediately = false
  }

  # A name past Lambda's 64 characters: the function name keeps its start and gets a hash.
  long_name = {
    name               = "platform/shared-services/payments-gateway/production/eu-west-1/api-credentials"
    rotation_rules     = { schedule_expression = "rate(10 days)" }
    rotate_immediately = false
  }

  # The extra inputs: a given function name, log retention, a VPC.
  in_vpc = {
    name                  = "prod/db/app-user"
    function_name         = "db-app-user-rotation"
    log_retention_in_days = 90
    rotation_rules        = { schedule_expression = "rate(8 hours)", duration = "2h" }
    rotate_immediately    = false
    vpc_config = {
      subnet_ids         = ["subnet-0123456789abcdef0"]
      security_group_ids = ["sg-0123456789abcdef0"]
    }
  }

  # Switched off: no secret, function, topic or key; the alias exists nowhere (a read would fail).
  switched_off = {
    create         = false
    name           = "prod/switched-off"
    kms_key_id     = "alias/secret-rotation-tests-never-created"
    rotation_rules = { automatically_after_days = 30 }
    notifications  = { enabled = true }
  }
}

initial_values = {
  api = "{\"client_id\":\"orders\",\"api_key\":\"PLACEHOLDER-api-3c9b\"}"
}
