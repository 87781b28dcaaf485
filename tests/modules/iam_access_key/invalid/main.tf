# iam-access-key misconfigured: the plan must stop and say what to set.
provider "aws" {
  region = "us-east-1"
}

module "without_users" {
  source = "../../../../modules/rotation-function"

  name              = "iam-access-key-without-users"
  rotation_strategy = "iam-access-key"
}

# iam-access-key with enrolment: whoever may create and tag a secret under the prefix could name
# any user in iam_user_arns, so plan refuses the pairing.
module "with_enrolment" {
  source = "../../../../modules/rotation-function"

  name              = "iam-access-key-with-enrolment"
  rotation_strategy = "iam-access-key"
  iam_user_arns     = ["arn:aws:iam::123456789012:user/ci/*"]
  enrolled_secrets  = { name_prefix = "ci/" }
}

module "bindings_for_another_strategy" {
  source = "../../../../modules/rotation-function"

  name = "generic-with-bindings"
  iam_user_bindings = {
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/a-AbCdEf" = "ci-deployer"
  }
}

# The one-secret wrapper binds its secret to one user: exactly one ARN, no wildcard.
module "wrapper_two_users" {
  source = "../../../../modules/secret-rotation"

  rotation_rules = { automatically_after_days = 30 }

  name              = "ci/two-users"
  rotation_strategy = "iam-access-key"
  iam_user_arns     = ["arn:aws:iam::123456789012:user/ci/a", "arn:aws:iam::123456789012:user/ci/b"]
}

module "wrapper_wildcard" {
  source = "../../../../modules/secret-rotation"

  rotation_rules = { automatically_after_days = 30 }

  name              = "ci/wildcard"
  rotation_strategy = "iam-access-key"
  iam_user_arns     = ["arn:aws:iam::123456789012:user/ci/*"]
}
