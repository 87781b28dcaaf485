# iam-access-key bound by configuration: a shared function with known bindings, and the one-secret
# wrapper, which binds its own secret (unknown until apply) to the user its one ARN names.
provider "aws" {
  region = "us-east-1"
}

module "shared" {
  source = "../../../../modules/rotation-function"

  name              = "iam-access-key-bound-by-configuration"
  rotation_strategy = "iam-access-key"
  iam_user_arns     = ["arn:aws:iam::123456789012:user/ci/*"]
  secret_arns       = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/deployer-AbCdEf"]
  iam_user_bindings = {
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/deployer-AbCdEf" = "ci-deployer"
  }
}

module "tag_only" {
  source = "../../../../modules/rotation-function"

  name              = "iam-access-key-bound-by-tag"
  rotation_strategy = "iam-access-key"
  iam_user_arns     = ["arn:aws:iam::123456789012:user/ci/*"]
}

module "generic" {
  source = "../../../../modules/rotation-function"

  name = "generic-without-bindings"
}

module "wrapper" {
  source = "../../../../modules/secret-rotation"

  rotation_rules = { automatically_after_days = 30 }

  name                     = "ci/deployer-access-key"
  rotation_strategy        = "iam-access-key"
  iam_user_arns            = ["arn:aws:iam::123456789012:user/ci/ci-deployer"]
  secret_string_wo         = jsonencode({ UserName = "ci-deployer", AccessKeyId = "", SecretAccessKey = "" })
  secret_string_wo_version = 1
}
