# Rotation events for consumers, applied to the sandbox by test_e2e_rotation_events.py: a secret
# whose RotationSucceeded events go to a queue created here, and another secret on the same
# function whose events must not.
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

resource "aws_sqs_queue" "reload" {
  name = "orders-reload"
}

module "watched" {
  source = "../../modules/secret-rotation"

  name = "events/watched"
  secret_string_wo = jsonencode({
    client_id = "orders"
    api_key   = "replaced-by-the-first-rotation"
  })
  secret_string_wo_version = 1
  rotate_keys              = ["api_key"]
  rotation_rules           = { automatically_after_days = 30 }
  recovery_window_in_days  = 0

  # The queue's policy is written by the module (create_resource_policy defaults to true).
  rotation_events = {
    targets = {
      reload = { type = "sqs", arn = aws_sqs_queue.reload.arn, queue_url = aws_sqs_queue.reload.url }
    }
  }
}

# Rotated by the same function, without rotation_events.
module "other" {
  source = "../../modules/rotating-secret"

  name = "events/other"
  secret_string_wo = jsonencode({
    client_id = "billing"
    api_key   = "replaced-by-the-first-rotation"
  })
  secret_string_wo_version = 1
  rotation_function_arn    = module.watched.rotation_function_arn
  rotation_role_name       = module.watched.rotation_role_name
  create_role_policy       = true
  rotation_rules           = { automatically_after_days = 30 }
  recovery_window_in_days  = 0
}

output "watched_secret_arn" {
  value = module.watched.secret_arn
}

output "other_secret_arn" {
  value = module.other.secret_arn
}

output "rotation_function_name" {
  value = module.watched.rotation_function_name
}

output "rotation_events_rule_arn" {
  value = module.watched.rotation_events_rule_arn
}

output "queue_url" {
  value = aws_sqs_queue.reload.url
}

output "queue_arn" {
  value = aws_sqs_queue.reload.arn
}
