# The floor for bench/module_plan.py: the three resources modules/rotating-secret creates per
# secret in examples/many-secrets (the secret, its labelled initial value, the rotation on a
# shared function), with the same inputs, and nothing else: no validation, no check, no data
# source, one output. Not a module to use: it checks nothing a caller can get wrong.

terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88"
    }
  }
}

variable "name" {
  description = "Name of the secret."
  type        = string
}

variable "description" {
  description = "Description of the secret."
  type        = string
  default     = null
}

variable "secret_string_wo" {
  description = "Initial value of the secret, write-only."
  type        = string
  ephemeral   = true
  sensitive   = true
}

variable "secret_string_wo_version" {
  description = "Version of secret_string_wo."
  type        = number
}

variable "rotation_function_arn" {
  description = "ARN of the rotation function."
  type        = string
}

variable "rotation_rules" {
  description = "automatically_after_days or schedule_expression, and duration."
  type = object({
    automatically_after_days = optional(number)
    schedule_expression      = optional(string)
    duration                 = optional(string)
  })
}

variable "rotate_immediately" {
  description = "Rotate as soon as rotation is configured."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the secret."
  type        = map(string)
  default     = {}
}

resource "aws_secretsmanager_secret" "this" {
  name        = var.name
  description = var.description
  tags        = var.tags
}

resource "aws_secretsmanager_secret_version" "initial_value" {
  secret_id                = aws_secretsmanager_secret.this.id
  secret_string_wo         = var.secret_string_wo
  secret_string_wo_version = var.secret_string_wo_version
  version_stages           = ["terraform-initial"]

  lifecycle {
    ignore_changes = [version_stages]
  }
}

resource "aws_secretsmanager_secret_rotation" "this" {
  secret_id           = aws_secretsmanager_secret_version.initial_value.secret_id
  rotation_lambda_arn = var.rotation_function_arn
  rotate_immediately  = var.rotate_immediately

  rotation_rules {
    automatically_after_days = var.rotation_rules.automatically_after_days
    schedule_expression      = var.rotation_rules.schedule_expression
    duration                 = var.rotation_rules.duration
  }
}

output "secret_arn" {
  description = "ARN of the secret."
  value       = aws_secretsmanager_secret.this.arn
}
