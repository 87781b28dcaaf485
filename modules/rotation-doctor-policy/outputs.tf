output "policy_json" {
  description = "The policy document rotation-doctor needs (JSON), for a policy or permission set of your own."
  value       = local.policy_json
}

output "policy_arn" {
  description = "ARN of the managed policy; null when create is false."
  value       = one(aws_iam_policy.this[*].arn)
}

output "connect_policy_json" {
  description = "What rotation-doctor --connect needs on top (secretsmanager:GetSecretValue, to log in with AWSCURRENT), as JSON; not attached by this module."
  value       = file("${path.module}/../../rotation_doctor/connect-policy.json")
}
