# The database strategies' settings, next to the rotator's others (local.environment, main.tf).
locals {
  # PG_CA_BUNDLE only when set: the rotator then uses the Lambda runtime's bundle.
  # PG_CLONE_SET_ROLE only when true: unset is the rotator's default (false).
  database_environment = { for name, value in {
    PG_CA_BUNDLE      = var.database_ca_bundle
    PG_CLONE_SET_ROLE = var.database_clone_set_role ? "true" : null
    # MYSQL_DUAL_PASSWORD only when true, likewise (RETAIN CURRENT PASSWORD, MySQL 8.0.14+).
    MYSQL_DUAL_PASSWORD = var.mysql_dual_password ? "true" : null
    # The packed bundle (package.tf) wins over PG_CA_BUNDLE (rotator/strategies/database).
    DATABASE_CA_BUNDLE   = var.database_ca_bundle_file != null ? "/var/task/${local.packed_ca_bundle}" : null
    DATABASE_TLS_DEFAULT = contains(local.database_strategies, var.rotation_strategy) ? var.database_tls_default : null
    # The tag binding an IAM user to its secret (rotator/strategies/iam_access_key.py).
    IAM_USER_SECRET_TAG_KEY = var.rotation_strategy == "iam-access-key" ? var.iam_user_secret_tag_key : null
  } : name => value if value != null }
  # Secret ARN => IAM user, the binding set by configuration rather than by the user's tag
  # (rotator/config.py); present whenever the strategy is iam-access-key ("{}": the tag binds).
  # The ARNs may be unknown until apply (modules/secret-rotation's own secret); the provider then
  # plans the whole environment as known after apply, as with master_environment below.
  iam_user_environment = { for name, value in { IAM_USER_BINDINGS = jsonencode(var.iam_user_bindings) } : name => value if var.rotation_strategy == "iam-access-key" }
  # The only secrets a database secret's "masterarn" may name (rotator/strategies/database); empty
  # allows none. Its presence is decided by the strategy, known at plan. The ARNs may be unknown
  # until apply (an RDS-managed master of the same stack); the provider then plans the whole
  # environment as known after apply.
  master_environment = { for name, value in { MASTER_SECRET_ARNS = join(",", var.master_secret_arns) } : name => value if contains(local.database_strategies, var.rotation_strategy) }
}

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  # checkov:skip=CKV_AWS_116: Secrets Manager invokes the function synchronously (RequestResponse) and records a failed step itself (RotationFailed, see notifications); a dead-letter queue only receives failed asynchronous invocations, so it would stay empty.
  # checkov:skip=CKV_AWS_272: optional (code_signing_config_arn): the zip is built by Terraform at apply, so a signing profile can only apply where a pipeline signs it with AWS Signer.
  # checkov:skip=CKV_AWS_173: optional (environment_kms_key_arn): the environment holds only settings (password policy, keys to rotate, log level), never a secret, and Lambda encrypts it at rest anyway.
  # checkov:skip=CKV_AWS_115: optional (reserved_concurrent_executions): a fixed reservation either throttles rotations of many secrets in one window (a throttled step fails the rotation) or takes from the account's unreserved pool.
  function_name = var.name
  description   = var.description
  role          = aws_iam_role.this[0].arn
  handler       = "rotator.handler.lambda_handler"
  runtime       = var.runtime
  architectures = [var.architecture]
  timeout       = var.timeout
  memory_size   = var.memory_size
  # Written by archive_file.this during the apply that creates or replaces it (package.tf).
  filename         = archive_file.this[0].output_path
  source_code_hash = archive_file.this[0].output_base64sha256
  # The database driver, for the strategies that need it (layer.tf); then the user's own.
  layers = concat(local.driver_layer_arns, var.layers)

  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.environment_kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  # PassThrough is Lambda's default (trace only requests that arrive sampled); Active samples every
  # invocation and needs the X-Ray permissions in tracing.tf.
  tracing_config {
    mode = var.tracing_mode
  }

  environment {
    variables = merge(local.environment, local.database_environment, local.master_environment, local.iam_user_environment, local.custom_strategy_environment)
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config != null ? [var.vpc_config] : []

    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  # The log group first, or the first invocation creates it without retention. The policy first,
  # so the first invocation can log and, in a VPC, CreateFunction finds the ENI permissions.
  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.this,
    aws_iam_role_policy.rds_managed_master,
    aws_iam_role_policy.iam_access_keys,
    aws_iam_role_policy.additional,
    aws_iam_role_policy_attachment.additional,
  ]
}

# `create` added a count: an object planned before it is instance zero now.
moved {
  from = aws_lambda_function.this
  to   = aws_lambda_function.this[0]
}
