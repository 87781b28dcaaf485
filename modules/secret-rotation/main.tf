locals {
  # Lambda function names: 1 to 64 of A-Z, a-z, 0-9, - and _. Long names keep their start and get a
  # hash of the full secret name, so two long names sharing a start do not collide.
  derived_function_name = "${replace(var.name, "/[^A-Za-z0-9_-]/", "-")}-rotation"
  function_name         = coalesce(var.function_name, length(local.derived_function_name) <= 64 ? local.derived_function_name : "${substr(local.derived_function_name, 0, 55)}-${substr(sha1(var.name), 0, 8)}")

  # iam-access-key: the function's configuration binds the one user (iam_user_arns, one ARN, its
  # name the last path segment) to this module's secret, so the first rotation, which starts in
  # this apply, needs no tag on the user naming a secret ARN only known once the secret exists.
  # module.secret's secret does not depend on the function, so this makes no cycle.
  iam_user_bindings = var.create && var.rotation_strategy == "iam-access-key" && length(var.iam_user_arns) == 1 ? {
    (module.secret.secret_arn) = element(split("/", var.iam_user_arns[0]), length(split("/", var.iam_user_arns[0])) - 1)
  } : {}
}

# A function for this one secret. Its own policy grants only its logs (and ENIs with vpc_config);
# the secret (and its KMS key) are granted by module.secret, scoped to this secret's ARN.
module "function" {
  source = "../rotation-function"

  create                    = var.create
  name                      = local.function_name
  description               = "Rotates the Secrets Manager secret ${var.name}."
  runtime                   = var.runtime
  architecture              = var.architecture
  timeout                   = var.timeout
  memory_size               = var.memory_size
  rotation_strategy         = var.rotation_strategy
  rotate_keys               = var.rotate_keys
  password_policy           = var.password_policy
  log_level                 = var.log_level
  secrets_manager_endpoint  = var.secrets_manager_endpoint
  vpc_config                = var.vpc_config
  log_retention_in_days     = var.log_retention_in_days
  log_kms_key_arn           = var.log_kms_key_arn
  role_name                 = var.role_name
  role_permissions_boundary = var.role_permissions_boundary
  environment_kms_key_arn   = var.environment_kms_key_arn
  code_signing_config_arn   = var.code_signing_config_arn
  artifacts_dir             = var.artifacts_dir
  tags                      = var.tags

  reserved_concurrent_executions  = var.reserved_concurrent_executions
  tracing_mode                    = var.tracing_mode
  restrict_assume_role_to_account = var.restrict_assume_role_to_account

  driver_layer_dir    = var.driver_layer_dir
  driver_layer_arn    = var.driver_layer_arn
  driver_layer_python = var.driver_layer_python
  database_ca_bundle  = var.database_ca_bundle
  # What binds a database login to a verified server and an IAM user to its secret.
  database_ca_bundle_file = var.database_ca_bundle_file
  database_tls_default    = var.database_tls_default
  iam_user_secret_tag_key = var.iam_user_secret_tag_key
  master_secret_arns      = var.master_secret_arns
  master_kms_key_arns     = var.master_kms_key_arns
  rds_managed_master      = var.rds_managed_master
  iam_user_arns           = var.iam_user_arns
  iam_user_bindings       = local.iam_user_bindings
  errors_alarm            = local.notify && var.notifications.errors_alarm ? { sns_topic_arn = local.notifications_topic_arn } : null

  database_clone_set_role = var.database_clone_set_role
  mysql_dual_password     = var.mysql_dual_password

  custom_strategy   = var.custom_strategy
  layers            = var.layers
  policy_statements = var.policy_statements
  policy_arns       = var.policy_arns
}

module "secret" {
  source = "../rotating-secret"

  create                   = var.create
  name                     = var.name
  description              = var.description
  kms_key_id               = var.kms_key_id
  recovery_window_in_days  = var.recovery_window_in_days
  secret_string_wo         = var.secret_string_wo
  secret_string_wo_version = var.secret_string_wo_version
  rotation_function_arn    = module.function.rotation_function_arn
  rotation_role_name       = module.function.rotation_role_name
  create_role_policy       = true
  # One function per secret: the invoke permission names this secret (source_arn).
  create_lambda_permission = true
  rotation_rules           = var.rotation_rules
  rotate_immediately       = var.rotate_immediately
  tags                     = var.tags

  replica_regions   = var.replica_regions
  resource_policy   = var.resource_policy
  rotation_role_arn = module.function.rotation_role_arn
  rotation_events   = var.rotation_events
}
