# A secret with the operations features on, applied to the sandbox by test_e2e_operations.py.
terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

module "alerted" {
  source = "../../modules/secret-rotation"

  name = "ops/alerted"
  secret_string_wo = jsonencode({
    username = "orders"
    password = "replaced-by-the-first-rotation"
  })
  secret_string_wo_version = 1
  rotation_rules           = { automatically_after_days = 30 }
  recovery_window_in_days  = 0

  notifications = {}
  resource_policy = {
    read_principal_arns = ["arn:aws:iam::123456789012:role/terraform-*"]
  }
}

output "secret_arn" {
  value = module.alerted.secret_arn
}

output "rotation_function_name" {
  value = module.alerted.rotation_function_name
}

output "rotation_role_arn" {
  value = module.alerted.rotation_role_arn
}

output "notifications_topic_arn" {
  value = module.alerted.notifications_topic_arn
}

output "rotation_failed_rule_arn" {
  value = module.alerted.rotation_failed_rule_arn
}
