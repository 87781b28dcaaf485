# The grant that lets a given rotation function's role rotate this one secret, following
# "Permissions for rotation functions" in the Secrets Manager user guide:
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
#
# A count cannot depend on a value unknown at plan (a role created in the same apply): with such a
# rotation_role_name, create_role_policy = true decides. Everything that depends on the inputs'
# values is inside the policy document, which may be unknown until apply.
locals {
  create_role_policy = var.create && (var.create_role_policy != null ? var.create_role_policy : var.rotation_role_name != null)
}

# Replicas: rotation runs in this (the primary) region only; Secrets Manager then copies each new
# version to every replica, decrypting with the primary key and encrypting with the replica's key.
# It does so with the permissions of the principal that changed the secret (after a rotation, the
# rotation role), so the role's grant (below) includes each replica's customer managed key,
# through Secrets Manager in that region only.
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets_troubleshoot.html
locals {
  # A statement per replica with a customer managed key. A key from the same apply makes this map
  # unknown at plan, which a dynamic block (unlike a count) accepts.
  replica_kms_key_arns = { for region, replica in var.replica_regions : region => replica.kms_key_id if replica.kms_key_id != null }
  # arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<suffix>, in each replica region.
  replica_secret_arns = {
    for region in keys(var.replica_regions) :
    region => "arn:${local.partition}:secretsmanager:${region}:${local.account_id}:secret:${element(split(":secret:", local.secret_arn), 1)}"
    if local.create_role_policy # only the grant uses them; without it there may be no secret
  }
}

data "aws_iam_policy_document" "rotation" {
  count = local.create_role_policy ? 1 : 0

  statement {
    sid = "RotateThisSecret"
    actions = [
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
      "secretsmanager:UpdateSecretVersionStage",
    ]
    resources = [local.secret_arn]
  }

  # The key only through Secrets Manager and only for this secret (Secrets Manager passes the
  # secret's ARN as encryption context).
  # https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
  dynamic "statement" {
    for_each = local.kms_key_arn != null ? [local.kms_key_arn] : []

    content {
      sid       = "UseThisSecretKeyThroughSecretsManager"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.${local.dns_suffix}"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:SecretARN"
        values   = [local.secret_arn]
      }
    }
  }

  # DescribeKey carries no encryption context, so it gets the service condition only.
  dynamic "statement" {
    for_each = local.kms_key_arn != null ? [local.kms_key_arn] : []

    content {
      sid       = "DescribeThisSecretKeyThroughSecretsManager"
      actions   = ["kms:DescribeKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${local.region}.${local.dns_suffix}"]
      }
    }
  }

  # Each replica's customer managed key (replica_kms_key_arns above).
  dynamic "statement" {
    for_each = local.replica_kms_key_arns

    content {
      sid       = "EncryptReplicaIn${join("", [for part in split("-", statement.key) : title(part)])}"
      actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${statement.key}.${local.dns_suffix}"]
      }

      # As for the primary key: only for this secret, whose replica's ARN differs only in its
      # region (Secrets Manager passes the replica's ARN as encryption context in its region).
      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:SecretARN"
        values   = [local.replica_secret_arns[statement.key]]
      }
    }
  }
}

locals {
  # Inline policy names allow 128 characters; a long name keeps its start and a hash of the rest.
  rotation_policy_name = "rotate-secret-${local.label}"
}

resource "aws_iam_role_policy" "rotation" {
  count = local.create_role_policy ? 1 : 0

  # With name_prefix, two secrets on one role could share a prefix: let the provider add a suffix.
  name        = var.name != null ? (length(local.rotation_policy_name) <= 128 ? local.rotation_policy_name : "${substr(local.rotation_policy_name, 0, 119)}-${substr(sha1(var.name), 0, 8)}") : null
  name_prefix = var.name == null ? substr(local.rotation_policy_name, 0, 100) : null
  role        = var.rotation_role_name
  policy      = data.aws_iam_policy_document.rotation[0].json
}
