# iam_user_bindings malformed: plan stops at these checks of the input alone (the rules that
# compare it with other inputs are in ../invalid, which Terraform checks only once these pass).
provider "aws" {
  region = "us-east-1"
}

# Bindings by configuration: one user per secret, whole secret ARNs as keys, user names as values.
module "bindings_sharing_a_user" {
  source = "../../../../modules/rotation-function"

  name              = "iam-access-key-bindings-sharing"
  rotation_strategy = "iam-access-key"
  iam_user_arns     = ["arn:aws:iam::123456789012:user/ci/*"]
  iam_user_bindings = {
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/a-AbCdEf" = "ci-deployer"
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/b-AbCdEf" = "ci-deployer"
  }
}

module "bindings_malformed" {
  source = "../../../../modules/rotation-function"

  name              = "iam-access-key-bindings-malformed"
  rotation_strategy = "iam-access-key"
  iam_user_arns     = ["arn:aws:iam::123456789012:user/ci/*"]
  iam_user_bindings = {
    "ci/deployer" = "arn:aws:iam::123456789012:user/ci/ci-deployer"
  }
}

