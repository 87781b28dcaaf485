output "secret_arn" {
  description = "ARN of the API-key secret: what applications read with GetSecretValue."
  value       = module.api_key.secret_arn
}

output "secret_name" {
  description = "Name of the API-key secret."
  value       = module.api_key.secret_name
}

output "rotation_function_name" {
  description = "Name of the rotation function, for `aws lambda invoke` and its logs."
  value       = module.api_key.rotation_function_name
}

output "rotation_role_arn" {
  description = "ARN of the rotation function's execution role."
  value       = module.api_key.rotation_role_arn
}

output "rotation_log_group_name" {
  description = "Log group of the rotation function: one JSON line per rotation step."
  value       = module.api_key.rotation_log_group_name
}
