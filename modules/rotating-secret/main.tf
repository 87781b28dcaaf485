data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name

  # Used to name the grant policy and the permission statement after the secret, in the
  # characters those names allow.
  label = replace(coalesce(var.name, var.name_prefix), "/[^A-Za-z0-9_-]/", "-")

  # The staging label that keeps the initial version (secret.tf) from Secrets Manager's version
  # housekeeping. Labels prefixed AWS are the service's; this one is ours.
  initial_version_stage = "terraform-initial"
}

# A customer managed key given by ID or alias is resolved to its ARN: IAM policies match key ARNs
# only. The AWS managed key (null or alias/aws/secretsmanager) needs no grant.
locals {
  kms_key_is_customer_managed = var.kms_key_id != null && var.kms_key_id != "alias/aws/secretsmanager"
  kms_key_is_arn              = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_id))
}

data "aws_kms_key" "this" {
  count = local.kms_key_is_customer_managed && !local.kms_key_is_arn ? 1 : 0

  key_id = var.kms_key_id
}

locals {
  kms_key_arn = !local.kms_key_is_customer_managed ? null : (local.kms_key_is_arn ? var.kms_key_id : data.aws_kms_key.this[0].arn)
}
