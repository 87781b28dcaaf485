output "secret_arn" {
  description = "ARN of the database secret: what applications read with GetSecretValue."
  value       = module.secret.secret_arn
}

output "secret_name" {
  description = "Name of the database secret."
  value       = module.secret.secret_name
}

output "rotation_function_name" {
  description = "Name of the rotation function, for `aws lambda invoke` and its logs."
  value       = module.function.rotation_function_name
}

output "rotation_role_arn" {
  description = "ARN of the rotation function's execution role."
  value       = module.function.rotation_role_arn
}

output "rotation_log_group_name" {
  description = "Log group of the rotation function: one JSON line per rotation step."
  value       = module.function.rotation_log_group_name
}
