# iam-access-key without the users it may rotate: the plan must stop and say what to set.
provider "aws" {
  region = "us-east-1"
}

module "without_users" {
  source = "../../../../modules/rotation-function"

  name              = "iam-access-key-without-users"
  rotation_strategy = "iam-access-key"
}
