output "secret_arn" {
  description = "ARN of the application's database secret: what applications read with GetSecretValue."
  value       = module.secret.secret_arn
}

output "master_secret_arn" {
  description = "ARN of the secret RDS manages for the master user (read by the rotation function, never changed by it)."
  value       = local.master_secret.secret_arn
}

output "db_instance_address" {
  description = "Endpoint address of the DB instance: the secret's host."
  value       = aws_db_instance.this.address
}

output "rotation_function_name" {
  description = "Name of the rotation function, for `aws lambda invoke` and its logs."
  value       = module.function.rotation_function_name
}

output "rotation_role_arn" {
  description = "ARN of the rotation function's execution role."
  value       = module.function.rotation_role_arn
}
