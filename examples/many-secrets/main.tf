# No endpoint settings: against real AWS this block works as it is, and the local sandbox points it
# elsewhere through AWS_ENDPOINT_URL.
provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  # Read once here and passed to every secret (aws_context), instead of three reads per secret.
  aws_context = {
    account_id = data.aws_caller_identity.current.account_id
    partition  = data.aws_partition.current.partition
    dns_suffix = data.aws_partition.current.dns_suffix
    region     = data.aws_region.current.id
  }
}

# One function for every secret. Its policy has one statement for all of them, of a size that does
# not grow with their number: secrets whose name starts with name_prefix and that carry the tag
# enrolling them with this function (module.function.secret_enrolment_tags, merged into each
# secret's tags below). A list of ARNs would grow by one entry per secret, and a role's inline
# policies share a 10,240-character limit (reached at about 110 secrets).
module "function" {
  source = "../../modules/rotation-function"

  name        = var.function_name
  description = "Rotates the API keys under ${var.name_prefix}."
  rotate_keys = ["api_key"]
  enrolled_secrets = {
    name_prefix = var.name_prefix
  }

  password_policy = {
    length              = 40
    exclude_punctuation = true
  }

  tags = var.tags
}

# One permission for every enrolled secret instead of one per secret: a function's resource
# policy is capped at 20 KB, which per-secret statements exhaust at a few dozen secrets. source_arn
# with a wildcard is matched with ArnLike, so only secrets under the enrolment prefix (in this
# account and region) can make Secrets Manager invoke the function; which of them it may touch is
# enforced by its role's policy (module.function above).
# https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
resource "aws_lambda_permission" "secretsmanager" {
  statement_id   = "SecretsManagerRotation"
  action         = "lambda:InvokeFunction"
  function_name  = module.function.rotation_function_arn
  principal      = "secretsmanager.amazonaws.com"
  source_account = data.aws_caller_identity.current.account_id
  source_arn     = "arn:${data.aws_partition.current.partition}:secretsmanager:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:secret:${var.name_prefix}*"
}

module "secrets" {
  source   = "../../modules/rotating-secret"
  for_each = var.secrets

  name        = "${var.name_prefix}${each.key}"
  description = each.value.description

  secret_string_wo = jsonencode({
    client_id = each.value.client_id
    api_key   = "replaced-by-the-first-rotation"
  })
  secret_string_wo_version = 1

  # Read from the permission, not from module.function: this orders each rotation after the shared
  # permission exists (module-level depends_on would make a cycle through the role's policy).
  rotation_function_arn    = aws_lambda_permission.secretsmanager.function_name
  create_lambda_permission = false

  rotation_rules = {
    schedule_expression = each.value.schedule_expression
    duration            = each.value.duration
  }

  # The tag that enrols the secret with the shared function: without it the function may not
  # touch the secret, whatever its name.
  tags        = merge(var.tags, module.function.secret_enrolment_tags)
  aws_context = local.aws_context
}
