output "secret_arn" {
  description = "ARN of the secret, or null with create = false."
  value       = one(aws_secretsmanager_secret.this[*].arn)
}

output "secret_id" {
  description = "ID of the secret (its ARN), for secret_id arguments."
  value       = one(aws_secretsmanager_secret.this[*].id)
}

output "secret_name" {
  description = "Name of the secret."
  value       = one(aws_secretsmanager_secret.this[*].name)
}

output "secret_version_id" {
  description = "Version ID of the initial value, or null when none was written. Rotation moves AWSCURRENT to newer versions."
  value       = one(aws_secretsmanager_secret_version.initial_value[*].version_id)
}

output "kms_key_arn" {
  description = "ARN of the customer managed key the rotation role is granted (resolved from kms_key_id), or null with the AWS managed key."
  value       = local.kms_key_arn
}

output "rotation_role_policy_name" {
  description = "Name of the inline policy granting the rotation role this secret, or null when create_role_policy is false."
  value       = one(aws_iam_role_policy.rotation[*].name)
}

output "rotation_permission_statement_id" {
  description = "Statement ID of this secret's invoke permission, or null when create_lambda_permission is false."
  value       = one(aws_lambda_permission.this[*].statement_id)
}

output "rotation_events_rule_arn" {
  description = "ARN of the EventBridge rule that sends this secret's rotation events to rotation_events' targets, or null without rotation_events."
  value       = one(module.rotation_events[*].rule_arn)
}
