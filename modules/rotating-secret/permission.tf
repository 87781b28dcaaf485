# Lets Secrets Manager invoke the function for this secret only. AWS recommends source_account
# against the confused-deputy problem; source_arn narrows it to this secret.
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
locals {
  statement_id = "SecretsManagerRotation-${local.label}"
}

resource "aws_lambda_permission" "this" {
  count = var.create && var.create_lambda_permission ? 1 : 0

  # Statement IDs allow 100 characters; names of up to 512 keep their start and a hash.
  statement_id        = var.name != null ? (length(local.statement_id) <= 100 ? local.statement_id : "${substr(local.statement_id, 0, 91)}-${substr(sha1(var.name), 0, 8)}") : null
  statement_id_prefix = var.name == null ? substr(local.statement_id, 0, 74) : null
  action              = "lambda:InvokeFunction"
  function_name       = var.rotation_function_arn
  principal           = "secretsmanager.amazonaws.com"
  source_account      = local.account_id
  source_arn          = local.secret_arn
}
