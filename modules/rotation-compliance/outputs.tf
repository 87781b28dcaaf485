output "config_rule_names" {
  description = "Names of the Config rules, by check (rotation-enabled, rotation-success, periodic-rotation), followed by /<key of secret_arns> when scoped by ARN."
  value       = { for key, rule in aws_config_config_rule.this : key => rule.name }
}

output "config_rule_arns" {
  description = "ARNs of the Config rules, by the same keys as config_rule_names."
  value       = { for key, rule in aws_config_config_rule.this : key => rule.arn }
}
