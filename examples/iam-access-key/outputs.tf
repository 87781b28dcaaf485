output "secret_arn" {
  description = "ARN of the secret holding the user's key pair: what the deploy job reads with GetSecretValue."
  value       = module.access_key.secret_arn
}

output "secret_name" {
  description = "Name of the secret holding the user's key pair."
  value       = module.access_key.secret_name
}

output "user_arn" {
  description = "ARN of the IAM user whose access key is rotated."
  value       = aws_iam_user.this.arn
}

output "rotation_function_name" {
  description = "Name of the rotation function, for `aws lambda invoke` and its logs."
  value       = module.access_key.rotation_function_name
}

output "rotation_log_group_name" {
  description = "Log group of the rotation function: one JSON line per rotation step."
  value       = module.access_key.rotation_log_group_name
}
