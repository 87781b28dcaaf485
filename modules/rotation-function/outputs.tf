output "rotation_function_arn" {
  description = "ARN of the rotation function: the rotation_lambda_arn of the secrets it rotates."
  value       = one(aws_lambda_function.this[*].arn)
}

output "rotation_function_name" {
  description = "Name of the rotation function."
  value       = one(aws_lambda_function.this[*].function_name)
}

output "rotation_function_source_code_hash" {
  description = "Base64 SHA-256 of the deployed zip; it changes only when the rotator's Python files do."
  value       = one(archive_file.this[*].output_base64sha256)
}

output "rotation_role_arn" {
  description = "ARN of the function's execution role: give it to modules/rotating-secret as rotation_role_arn when the secret has a resource_policy."
  value       = one(aws_iam_role.this[*].arn)
}

output "rotation_role_name" {
  description = "Name of the function's execution role: give it to modules/rotating-secret as rotation_role_name so each secret grants itself (create_role_policy)."
  value       = one(aws_iam_role.this[*].name)
}

output "rotation_log_group_name" {
  description = "Name of the function's log group."
  value       = one(aws_cloudwatch_log_group.this[*].name)
}

output "errors_alarm_arn" {
  description = "ARN of the CloudWatch alarm on the function's Errors metric, or null without errors_alarm."
  value       = one(aws_cloudwatch_metric_alarm.errors[*].arn)
}

output "tls_fallback_alarm_arn" {
  description = "ARN of the CloudWatch alarm on the DatabaseTlsFallback metric (PostgreSQL strategies with errors_alarm), or null."
  value       = one(aws_cloudwatch_metric_alarm.tls_fallback[*].arn)
}

output "secret_enrolment_tags" {
  description = "Tags that enrol a secret under enrolled_secrets.name_prefix with this function: merge them into the secret's tags. Empty without enrolled_secrets."
  value       = var.create && var.enrolled_secrets != null ? { (var.enrolled_secrets.tag_key) = var.name } : {}
}
