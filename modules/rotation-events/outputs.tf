output "rule_arn" {
  description = "ARN of the EventBridge rule matching the secrets' rotation events."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "rule_name" {
  description = "Name of the EventBridge rule."
  value       = aws_cloudwatch_event_rule.this.name
}

output "target_role_arns" {
  description = "ARN of the role created for each sfn or ecs target, by key (targets with role_arn are not listed)."
  value       = { for key, role in aws_iam_role.target : key => role.arn }
}

output "resource_policy_statements" {
  description = "For each sqs and sns target, by key: a policy document (JSON) letting this rule send to it, to merge into the queue's or topic's own policy when create_resource_policy is false."
  value       = { for key, document in data.aws_iam_policy_document.resource_policy : key => document.json }
}
