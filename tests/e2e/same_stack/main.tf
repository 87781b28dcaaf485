# An org stack applied to the sandbox in one `terraform apply` by test_e2e_same_stack.py: the KMS
# key, the alert topic and the reader role are created here, next to the modules that use them.
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

resource "aws_kms_key" "secrets" {
  description             = "Encrypts the secrets of the same-stack end-to-end test."
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

# A literal name: known at plan, while the alias exists only once this apply creates it.
resource "aws_kms_alias" "secrets" {
  name          = "alias/same-stack-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

resource "aws_sns_topic" "alerts" {
  name = "same-stack-alerts"
}

data "aws_iam_policy_document" "app_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name_prefix        = "same-stack-app-"
  assume_role_policy = data.aws_iam_policy_document.app_trust.json
}

# One secret with its own function: key, topic and reader from this apply.
module "api_key" {
  source = "../../modules/secret-rotation"

  name       = "same-stack/api-key"
  kms_key_id = aws_kms_key.secrets.arn
  secret_string_wo = jsonencode({
    client_id = "orders"
    api_key   = "replaced-by-the-first-rotation"
  })
  secret_string_wo_version = 1
  rotate_keys              = ["api_key"]
  rotation_rules           = { automatically_after_days = 30 }
  recovery_window_in_days  = 0

  notifications   = { sns_topic_arn = aws_sns_topic.alerts.arn, create_topic = false }
  resource_policy = { read_principal_arns = [aws_iam_role.app.arn, "arn:aws:iam::123456789012:*"] }
}

# A managed policy of this apply for the shared function's role (policy_arns, as a custom
# strategy that calls another AWS API would need it): its ARN is unknown at plan.
data "aws_iam_policy_document" "audit" {
  statement {
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "audit" {
  name_prefix = "same-stack-audit-"
  policy      = data.aws_iam_policy_document.audit.json
}

# A shared function and a secret on it, the key given by ID.
module "shared" {
  source = "../../modules/rotation-function"

  name         = "same-stack-shared"
  kms_key_arns = [aws_kms_key.secrets.arn]
  policy_arns  = { audit = aws_iam_policy.audit.arn }
}

module "shared_secret" {
  source = "../../modules/rotating-secret"

  name                     = "same-stack/shared"
  kms_key_id               = aws_kms_key.secrets.key_id
  secret_string_wo         = jsonencode({ username = "orders", password = "replaced-by-the-first-rotation" })
  secret_string_wo_version = 1
  rotation_function_arn    = module.shared.rotation_function_arn
  rotation_role_name       = module.shared.rotation_role_name
  rotation_rules           = { automatically_after_days = 30 }
  recovery_window_in_days  = 0
}

# Another secret on the shared function, the key given by that alias name: the module reads the
# alias during the apply, after it is created.
module "alias_secret" {
  source = "../../modules/rotating-secret"

  name                     = "same-stack/alias-named"
  kms_key_id               = aws_kms_alias.secrets.name
  secret_string_wo         = jsonencode({ username = "billing", password = "replaced-by-the-first-rotation" })
  secret_string_wo_version = 1
  rotation_function_arn    = module.shared.rotation_function_arn
  rotation_role_name       = module.shared.rotation_role_name
  rotation_rules           = { automatically_after_days = 30 }
  recovery_window_in_days  = 0
}

output "kms_key_arn" {
  value = aws_kms_key.secrets.arn
}

output "secret_arn" {
  value = module.api_key.secret_arn
}

output "shared_secret_arn" {
  value = module.shared_secret.secret_arn
}

output "shared_secret_kms_key_arn" {
  value = module.shared_secret.kms_key_arn
}

output "audit_policy_arn" {
  value = aws_iam_policy.audit.arn
}

output "shared_role_name" {
  value = module.shared.rotation_role_name
}

output "alias_secret_arn" {
  value = module.alias_secret.secret_arn
}

output "alias_secret_kms_key_arn" {
  value = module.alias_secret.kms_key_arn
}
