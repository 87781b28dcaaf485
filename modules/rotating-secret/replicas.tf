# Replicas: rotation runs in this (the primary) region only; Secrets Manager then copies each new
# version to every replica, decrypting with the primary key and encrypting with the replica's key.
# It does so with the permissions of the principal that changed the secret (after a rotation, the
# rotation role), so the role's grant (iam.tf) includes each replica's customer managed key,
# through Secrets Manager in that region only.
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets_troubleshoot.html
locals {
  replica_kms_key_arns = { for region, replica in var.replica_regions : region => replica.kms_key_id if replica.kms_key_id != null }
}

data "aws_iam_policy_document" "replicas" {
  count = var.rotation_role_name != null && length(local.replica_kms_key_arns) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = local.replica_kms_key_arns

    content {
      sid       = "EncryptReplicaIn${join("", [for part in split("-", statement.key) : title(part)])}"
      actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${statement.key}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }
}
