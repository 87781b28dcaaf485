output "secret_arn" {
  description = "ARN of the secret."
  value       = module.secret.secret_arn
}

output "secret_id" {
  description = "ID of the secret (its ARN), for secret_id arguments."
  value       = module.secret.secret_id
}

output "secret_name" {
  description = "Name of the secret."
  value       = module.secret.secret_name
}

output "rotation_function_arn" {
  description = "ARN of the rotation function."
  value       = module.function.rotation_function_arn
}

output "rotation_function_name" {
  description = "Name of the rotation function."
  value       = module.function.rotation_function_name
}

output "rotation_role_arn" {
  description = "ARN of the rotation function's execution role."
  value       = module.function.rotation_role_arn
}

output "rotation_role_name" {
  description = "Name of the rotation function's execution role."
  value       = module.function.rotation_role_name
}

output "rotation_log_group_name" {
  description = "Name of the rotation function's log group, where each rotation step logs one JSON line."
  value       = module.function.rotation_log_group_name
}

output "notifications_topic_arn" {
  description = "ARN of the SNS topic that receives rotation failures and function errors (created or given), or null without notifications."
  value       = local.notifications_topic_arn
}

output "rotation_failed_rule_arn" {
  description = "ARN of the EventBridge rule matching this secret's RotationFailed and RotationAbandoned events, or null without notifications."
  value       = one(aws_cloudwatch_event_rule.rotation_failed[*].arn)
}

output "rotation_events_rule_arn" {
  description = "ARN of the EventBridge rule that sends this secret's rotation events to rotation_events' targets, or null without rotation_events."
  value       = module.secret.rotation_events_rule_arn
}
