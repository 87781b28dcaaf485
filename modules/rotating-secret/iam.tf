# The grant that lets a given rotation function's role rotate this one secret, following
# "Permissions for rotation functions" in the Secrets Manager user guide:
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
data "aws_iam_policy_document" "rotation" {
  count = var.rotation_role_name != null ? 1 : 0

  # Each replica's customer managed key (replicas.tf).
  source_policy_documents = data.aws_iam_policy_document.replicas[*].json

  statement {
    sid = "RotateThisSecret"
    actions = [
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
      "secretsmanager:UpdateSecretVersionStage",
    ]
    resources = [aws_secretsmanager_secret.this.arn]
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
        values   = ["secretsmanager.${local.region}.${data.aws_partition.current.dns_suffix}"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:SecretARN"
        values   = [aws_secretsmanager_secret.this.arn]
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
        values   = ["secretsmanager.${local.region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }
}

locals {
  # Inline policy names allow 128 characters; a long name keeps its start and a hash of the rest.
  rotation_policy_name = "rotate-secret-${local.label}"
}

resource "aws_iam_role_policy" "rotation" {
  count = var.rotation_role_name != null ? 1 : 0

  # With name_prefix, two secrets on one role could share a prefix: let the provider add a suffix.
  name        = var.name != null ? (length(local.rotation_policy_name) <= 128 ? local.rotation_policy_name : "${substr(local.rotation_policy_name, 0, 119)}-${substr(sha1(var.name), 0, 8)}") : null
  name_prefix = var.name == null ? substr(local.rotation_policy_name, 0, 100) : null
  role        = var.rotation_role_name
  policy      = data.aws_iam_policy_document.rotation[0].json
}
