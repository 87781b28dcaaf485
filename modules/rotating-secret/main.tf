# Read only when the caller does not pass them (aws_context): at a thousand instances, three reads
# each are a large part of the plan. The count depends on whether the object is set, never on its
# values, which may be unknown at plan.
data "aws_caller_identity" "current" {
  count = var.aws_context == null ? 1 : 0
}

data "aws_partition" "current" {
  count = var.aws_context == null ? 1 : 0
}

data "aws_region" "current" {
  count = var.aws_context == null ? 1 : 0
}

locals {
  account_id = var.aws_context != null ? var.aws_context.account_id : data.aws_caller_identity.current[0].account_id
  partition  = var.aws_context != null ? var.aws_context.partition : data.aws_partition.current[0].partition
  dns_suffix = var.aws_context != null ? var.aws_context.dns_suffix : data.aws_partition.current[0].dns_suffix
  # `id` is the region's name in hashicorp/aws 5 and 6; `name` is deprecated in 6 (in favour of
  # `region`, which 5 lacks), and the modules accept both majors.
  region = var.aws_context != null ? var.aws_context.region : data.aws_region.current[0].id

  # Used to name the grant policy and the permission statement after the secret, in the
  # characters those names allow.
  label = replace(coalesce(var.name, var.name_prefix), "/[^A-Za-z0-9_-]/", "-")

  # The staging label that keeps the initial version (secret.tf) from Secrets Manager's version
  # housekeeping. Labels prefixed AWS are the service's; this one is ours.
  initial_version_stage = "terraform-initial"
}

# The key the rotation role is granted: IAM policies match key ARNs only.
#
# kms_key_id may come from a resource created in the same apply, when its value is unknown at
# plan, and a `count` whose value is unknown fails the plan ("Invalid count argument"). So no
# count or for_each below depends on what kms_key_id holds: a key ARN is used as it is, a key ID
# becomes its ARN without a lookup, and only an alias (name or ARN) is resolved by reading the key.
# The data source therefore always exists and reads one key: the alias when kms_key_id is one,
# else Secrets Manager's AWS managed key, whose result is not used (DescribeKey on an AWS alias
# that has no key yet creates that AWS managed key, as Secrets Manager would on first use:
# https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html). A kms_key_id unknown
# at plan defers the read to apply, after the key exists. An alias name known at plan whose key is
# created in the same apply cannot be read at plan: pass the key's ARN instead (README).
locals {
  kms_key_is_alias = can(regex("^(arn:[^:]+:kms:[^:]+:[0-9]{12}:)?alias/", var.kms_key_id))
  kms_key_is_arn   = can(regex("^arn:[^:]+:kms:[^:]+:[0-9]{12}:key/", var.kms_key_id))
  # "The alias/aws/ prefix is reserved for AWS managed keys" (KMS, CreateAlias): nothing to grant.
  kms_key_is_aws_managed = var.kms_key_id == null || can(regex("^(arn:[^:]+:kms:[^:]+:[0-9]{12}:)?alias/aws/", var.kms_key_id))
}

# With aws_context the caller has said it passes what it knows, so nothing is read per secret:
# kms_key_id is then a key ARN or ID (or an AWS managed alias), which needs no lookup (validated
# in variables.tf). The count depends on whether aws_context is set, never on kms_key_id.
data "aws_kms_key" "this" {
  count = var.aws_context == null ? 1 : 0

  key_id = local.kms_key_is_alias ? var.kms_key_id : "alias/aws/secretsmanager"
}

locals {
  # null with the AWS managed key.
  kms_key_arn = local.kms_key_is_aws_managed ? null : (
    local.kms_key_is_alias ? one(data.aws_kms_key.this[*].arn) : (
      local.kms_key_is_arn ? var.kms_key_id : "arn:${local.partition}:kms:${local.region}:${local.account_id}:key/${var.kms_key_id}"
    )
  )
}
