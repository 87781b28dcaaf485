# Replicas: rotation runs in this (the primary) region only; Secrets Manager then copies each new
# version to every replica, decrypting with the primary key and encrypting with the replica's key.
# It does so with the permissions of the principal that changed the secret (after a rotation, the
# rotation role), so the role's grant (iam.tf) includes each replica's customer managed key,
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
    region => "arn:${local.partition}:secretsmanager:${region}:${local.account_id}:secret:${element(split(":secret:", aws_secretsmanager_secret.this.arn), 1)}"
  }
}
