# Read only when the caller does not pass them (aws_context): at a thousand instances, three reads
# each are a large part of the plan. The count depends on whether the object is set, never on its
# values, which may be unknown at plan. With create = false nothing is read: every local below
# that needs them is then null and unused.
locals {
  read_aws_context = var.create && var.aws_context == null
}

data "aws_caller_identity" "current" {
  count = local.read_aws_context ? 1 : 0
}

data "aws_partition" "current" {
  count = local.read_aws_context ? 1 : 0
}

data "aws_region" "current" {
  count = local.read_aws_context ? 1 : 0
}

locals {
  account_id = var.aws_context != null ? var.aws_context.account_id : one(data.aws_caller_identity.current[*].account_id)
  partition  = var.aws_context != null ? var.aws_context.partition : one(data.aws_partition.current[*].partition)
  dns_suffix = var.aws_context != null ? var.aws_context.dns_suffix : one(data.aws_partition.current[*].dns_suffix)
  # `id` is the region's name in hashicorp/aws 5 and 6; `name` is deprecated in 6 (in favour of
  # `region`, which 5 lacks), and the modules accept both majors.
  region = var.aws_context != null ? var.aws_context.region : one(data.aws_region.current[*].id)

  # Used to name the grant policy and the permission statement after the secret, in the
  # characters those names allow.
  label = replace(coalesce(var.name, var.name_prefix), "/[^A-Za-z0-9_-]/", "-")

  # What other resources here use of the secret, through locals rather than by referring to the
  # resource directly. When the module is called with for_each, the apply graph Terraform builds
  # (at the end of every plan too, to check it) matches each direct reference between two of its
  # resources against that resource's instances in *every* instance of the module, and formats
  # each candidate's address before dropping the other instances' ones (Terraform 1.11,
  # internal/terraform/transform_reference.go): work that grows with the square of the number of
  # instances, a third of the plan's time at a thousand secrets (bench/sandbox_scale.py). A local is a
  # single node for the whole call, so each instance's reference to it is one edge. The price: in
  # a for_each call, a resource waits for the secrets of all instances, not only its own.
  secret_arn = one(aws_secretsmanager_secret.this[*].arn)
  secret_id  = one(aws_secretsmanager_secret.this[*].id)
  # The same id, read from the initial value when one is written (a version's secret_id is its
  # secret's id): referring to it orders the rotation, whose first run reads AWSCURRENT, after the
  # value is stored. Without an initial version, indexing it fails and try() gives the secret's.
  secret_id_after_initial_value = try(aws_secretsmanager_secret_version.initial_value[0].secret_id, local.secret_id)

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
# https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html).
locals {
  kms_key_is_alias = can(regex("^(arn:[^:]+:kms:[^:]+:[0-9]{12}:)?alias/", var.kms_key_id))
  kms_key_is_arn   = can(regex("^arn:[^:]+:kms:[^:]+:[0-9]{12}:key/", var.kms_key_id))
  # "The alias/aws/ prefix is reserved for AWS managed keys" (KMS, CreateAlias): nothing to grant.
  kms_key_is_aws_managed = var.kms_key_id == null || can(regex("^(arn:[^:]+:kms:[^:]+:[0-9]{12}:)?alias/aws/", var.kms_key_id))
}

# With aws_context the caller has said it passes what it knows, so nothing is read per secret:
# kms_key_id is then a key ARN or ID (or an AWS managed alias), which needs no lookup (validated
# in variables.tf). The count depends on whether aws_context is set, never on kms_key_id.
#
# When the alias comes from the same apply (kms_key_id = aws_kms_alias.x.name, or .arn) it does
# not exist at plan. A kms_key_id unknown at plan defers the read to apply by itself; a known name
# (aws_kms_alias.x.name with a literal name) would be read at plan and fail with KMS's
# NotFoundException. The precondition defers that read too: Terraform reads a data resource during
# apply when "the data resource has custom conditions and they depend directly or indirectly on a
# managed resource that itself has planned changes in the current plan"
# (https://developer.hashicorp.com/terraform/language/data-sources#data-resource-behavior), and
# the reference to the alias orders the read after the alias is created. An alias that already
# exists and is unchanged is still read at plan, and an alias moved to another key in the same
# apply is read after the move, so the grant names the key the secret will use.
data "aws_kms_key" "this" {
  count = local.read_aws_context ? 1 : 0

  key_id = local.kms_key_is_alias ? var.kms_key_id : "alias/aws/secretsmanager"

  lifecycle {
    # A KMS call goes to one region's endpoint, which knows that region's keys and aliases only;
    # even a multi-Region key has another ARN (its replica's) in each region:
    # https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html
    # An ARN of another region would fail the read, and Secrets Manager; say so before either.
    precondition {
      condition     = !startswith(coalesce(var.kms_key_id, "-"), "arn:") || try(split(":", var.kms_key_id)[3] == local.region, true)
      error_message = "kms_key_id ${coalesce(var.kms_key_id, "-")} is in another region than the secret (${coalesce(local.region, "-")}): KMS keys and aliases are regional. Pass a key of ${coalesce(local.region, "-")} (a key ARN, key ID or alias), for example aws_kms_key.secrets.arn from a provider of that region."
    }
  }
}

locals {
  # null with the AWS managed key, and when nothing is created.
  kms_key_arn = !var.create || local.kms_key_is_aws_managed ? null : (
    local.kms_key_is_alias ? one(data.aws_kms_key.this[*].arn) : (
      local.kms_key_is_arn ? var.kms_key_id : "arn:${local.partition}:kms:${local.region}:${local.account_id}:key/${var.kms_key_id}"
    )
  )
}
