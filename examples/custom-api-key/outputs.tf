output "secret_arn" {
  description = "ARN of the API-key secret: what clients read with GetSecretValue (service_url, key_id, api_key)."
  value       = module.api_key.secret_arn
}

output "rotation_function_name" {
  description = "Name of the rotation function, for `aws lambda invoke` and its logs."
  value       = module.api_key.rotation_function_name
}

output "rotation_log_group_name" {
  description = "Log group of the rotation function: one JSON line per rotation step, key ids but never keys."
  value       = module.api_key.rotation_log_group_name
}
