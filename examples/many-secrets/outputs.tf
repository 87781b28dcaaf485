output "secret_arns" {
  description = "ARN of each secret, by the keys of var.secrets."
  value       = { for key, secret in module.secrets : key => secret.secret_arn }
}

output "rotation_function_name" {
  description = "Name of the shared rotation function."
  value       = module.function.rotation_function_name
}

output "rotation_role_arn" {
  description = "ARN of the shared function's execution role."
  value       = module.function.rotation_role_arn
}

output "rotation_log_group_name" {
  description = "Log group of the shared rotation function."
  value       = module.function.rotation_log_group_name
}
