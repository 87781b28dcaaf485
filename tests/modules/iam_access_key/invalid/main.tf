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
