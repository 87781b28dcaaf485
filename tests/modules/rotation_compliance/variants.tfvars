# Variants of modules/rotation-compliance, planned together.
instances = {
  # Scoped by ARN: one rule per check and secret, a schedule limit, custom periodic threshold.
  per_secret = {
    name_prefix = "orders"
    secret_arns = {
      api_key = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/api-key-AbC123"
      db      = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-XyZ789"
    }
    max_rotation_interval_days = 30
    max_days_since_rotation    = 45
    tags                       = { team = "orders" }
  }

  # Scoped by tag key and value: three rules, whatever the number of secrets.
  tagged = {
    name_prefix = "tagged"
    tag         = { key = "rotation-compliance", value = "orders" }
  }

  # Tag key only, one check, a shorter period.
  periodic_only = {
    name_prefix        = "periodic"
    tag                = { key = "rotation-compliance" }
    checks             = { rotation_enabled = false, rotation_success = false }
    periodic_frequency = "Twelve_Hours"
  }

  # Off: nothing at all.
  off = {
    create      = false
    secret_arns = { api_key = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/api-key-AbC123" }
  }
}
