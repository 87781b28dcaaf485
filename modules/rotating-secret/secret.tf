resource "aws_secretsmanager_secret" "this" {
  count = var.create ? 1 : 0

  # checkov:skip=CKV2_AWS_57: rotation is configured: aws_secretsmanager_secret_rotation.this (rotation.tf) reaches this secret through local.secret_id_after_initial_value (main.tf says why through a local), which checkov's graph does not follow; the plan tests assert the rotation of every secret.

  name                    = var.name
  name_prefix             = var.name_prefix
  description             = var.description
  kms_key_id              = var.kms_key_id
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags

  # Secrets Manager copies every new version, the rotated ones included, to each replica.
  dynamic "replica" {
    for_each = var.replica_regions

    content {
      region     = replica.key
      kms_key_id = replica.value.kms_key_id
    }
  }
}

# The initial value, write-only: Terraform sends it once and keeps only secret_string_wo_version,
# so a later plan never sees the values the rotation function writes.
#
# The version carries its own staging label and only that one. Rotation takes AWSCURRENT and then
# AWSPREVIOUS away from it; without a label of its own it would become an "outdated" version, and
# Secrets Manager deletes those once a secret has more than 100 versions ("Secrets Manager
# quotas"). The provider would then drop it from state and write it again with PutSecretValue and
# no VersionStages, which moves AWSCURRENT back to the initial value (hashicorp/terraform-provider-aws
# #37302, #36607). With the label it is never deleted; and should it be written again anyway, a
# version written with VersionStages that exclude AWSCURRENT never becomes current, except as the
# secret's first version, which "automatically" gets AWSCURRENT (API_PutSecretValue, VersionStages).
# The labels the service and the rotation move (AWSCURRENT, AWSPREVIOUS) are not Terraform's to
# manage: ignore_changes keeps plans quiet about them.
resource "aws_secretsmanager_secret_version" "initial_value" {
  count = var.create && var.secret_string_wo_version != null ? 1 : 0

  secret_id                = local.secret_id
  secret_string_wo         = var.secret_string_wo
  secret_string_wo_version = var.secret_string_wo_version
  version_stages           = [local.initial_version_stage]

  lifecycle {
    ignore_changes = [version_stages]
  }
}

# `create` added a count: an object planned before it is instance zero now.
moved {
  from = aws_secretsmanager_secret.this
  to   = aws_secretsmanager_secret.this[0]
}

# 0.1.0 wrote the initial value as `initial`, without a label. Upgrading forgets that resource
# without touching the version (destroy would strip its labels, AWSPREVIOUS included) and writes
# the labelled `initial_value` once: labelled only, so AWSCURRENT stays where rotation put it.
removed {
  from = aws_secretsmanager_secret_version.initial

  lifecycle {
    destroy = false
  }
}

# AWS warns against names that end with a hyphen and six characters: a partial ARN ending that way
# can match another secret's generated suffix. A warning, not an error, since such names are valid.
# https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#SecretsManager-CreateSecret-request-Name
check "secret_name_suffix" {
  assert {
    condition     = !var.create || var.name == null ? true : !can(regex("-.{6}$", var.name))
    error_message = "The secret name ${coalesce(var.name, "-")} ends with a hyphen and six characters, which Secrets Manager confuses with the random suffix of an ARN when you look the secret up by partial ARN. Prefer a name such as \"prod/orders/api-key\"."
  }
}

# With rotate_immediately, the first rotation starts at apply and reads AWSCURRENT: without an
# initial value it has nothing to rotate and fails.
check "initial_value_for_immediate_rotation" {
  assert {
    condition     = !var.create || !var.rotate_immediately || var.secret_string_wo_version != null
    error_message = "rotate_immediately is true but no initial value is written: set secret_string_wo and secret_string_wo_version = 1, or rotate_immediately = false and put a value before the first window."
  }
}
