functions = {
  # Every default: no secret in the function's own policy (each secret grants itself).
  basic = {}

  # Everything set: secrets and a customer key in the function's policy, a VPC, a custom policy.
  scoped = {
    description  = "Rotates the orders secrets."
    runtime      = "python3.13"
    architecture = "x86_64"
    timeout      = 60
    memory_size  = 256
    rotate_keys  = ["api_key", "client_secret"]
    password_policy = {
      length                     = 64
      exclude_characters         = ""
      exclude_punctuation        = true
      include_space              = false
      require_each_included_type = false
    }
    log_level = "DEBUG"
    secret_arns = [
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/api-key-AbCdEf",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-??????",
    ]
    # And every secret under orders/bulk/ that carries rotation-function = scoped.
    enrolled_secrets = { name_prefix = "orders/bulk/" }
    kms_key_arns     = ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    vpc_config = {
      subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
      security_group_ids = ["sg-0123456789abcdef0"]
    }
    log_retention_in_days           = 30
    log_kms_key_arn                 = "arn:aws:kms:us-east-1:123456789012:key/abcd1234-12ab-34cd-56ef-1234567890ab"
    role_name                       = "orders-rotation-role"
    role_permissions_boundary       = "arn:aws:iam::123456789012:policy/boundary"
    restrict_assume_role_to_account = true
    tags                            = { team = "orders" }
  }

  # Switched off: nothing created, no zip written. A PostgreSQL strategy with no driver layer in
  # driver_layer_dir would fail the plan if the function were created.
  switched_off = {
    create            = false
    rotation_strategy = "postgres-single-user"
    driver_layer_dir  = "no-such-layer"
  }
}
