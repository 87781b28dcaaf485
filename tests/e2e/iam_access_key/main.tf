# The iam-access-key strategy on the sandbox (test_e2e_iam_access_key.py): a CI user under the
# /ci/ path whose key pair the function rotates, granted by path, and a user outside that path
# whose secret the same function must fail to rotate. No key pair passes through Terraform: the
# secrets start with empty key fields and the first rotation creates the first key. Each user is
# bound to its secret by the tag rotation-secret-arn (the module's iam_user_secret_tag_key), as an
# administrator would set it; the function refuses a user whose tag names another secret.
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

data "aws_caller_identity" "current" {}

locals {
  # Literal names: the users' tags name the secrets, so the secrets cannot refer to the users.
  deployer_name = "ci-deployer"
  outsider_name = "not-rotated"
}

resource "aws_iam_user" "deployer" {
  name = local.deployer_name
  path = "/ci/"
  # The keys are the rotation's, not Terraform's: let destroy delete them.
  force_destroy = true
  tags          = { rotation-secret-arn = module.deployer_key.secret_arn }
}

resource "aws_iam_user" "outsider" {
  name          = local.outsider_name
  force_destroy = true
  tags          = { rotation-secret-arn = module.outsider_key.secret_arn }
}

# The first rotation starts when the rotation is configured: only after the users carry their tags.
resource "terraform_data" "function_after_user_tags" {
  input      = module.function.rotation_function_arn
  depends_on = [aws_iam_user.deployer, aws_iam_user.outsider]
}

module "function" {
  source = "../../modules/rotation-function"

  name              = "iam-access-key-rotation"
  rotation_strategy = "iam-access-key"
  iam_user_arns     = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:user/ci/*"]
}

module "deployer_key" {
  source = "../../modules/rotating-secret"

  name                     = "ci/deployer-access-key"
  secret_string_wo         = jsonencode({ UserName = local.deployer_name, AccessKeyId = "", SecretAccessKey = "", Purpose = "deploys" })
  secret_string_wo_version = 1
  rotation_function_arn    = terraform_data.function_after_user_tags.output
  rotation_role_name       = module.function.rotation_role_name
  rotation_rules           = { automatically_after_days = 30 }
  recovery_window_in_days  = 0
}

module "outsider_key" {
  source = "../../modules/rotating-secret"

  name                     = "ci/outsider-access-key"
  secret_string_wo         = jsonencode({ UserName = local.outsider_name, AccessKeyId = "", SecretAccessKey = "" })
  secret_string_wo_version = 1
  rotation_function_arn    = terraform_data.function_after_user_tags.output
  rotation_role_name       = module.function.rotation_role_name
  rotation_rules           = { automatically_after_days = 30 }
  recovery_window_in_days  = 0
}

output "deployer_secret_arn" {
  description = "The CI user's key pair, rotated."
  value       = module.deployer_key.secret_arn
}

output "outsider_secret_arn" {
  description = "A key pair of a user outside iam_user_arns: its rotation is denied."
  value       = module.outsider_key.secret_arn
}

output "deployer_user_arn" {
  description = "The CI user."
  value       = aws_iam_user.deployer.arn
}
