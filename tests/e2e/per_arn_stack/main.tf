# The per-ARN design examples/many-secrets had before enrolled_secrets: the shared function's own
# policy lists every secret's ARN (built from its name, "-??????" for the random suffix). At 150
# secrets its one inline policy passes IAM's 10,240-character quota on a role's inline policies, so
# the apply fails. tests/e2e/test_e2e_many_secrets_at_scale.py applies it to the sandbox.
provider "aws" {
  region = "eu-west-1"
}

variable "secret_names" {
  description = "Names of the secrets the function is granted, one ARN each."
  type        = list(string)
}

variable "function_name" {
  description = "Name of the rotation function."
  type        = string
}

data "aws_caller_identity" "current" {}

module "function" {
  source = "../../modules/rotation-function"

  name        = var.function_name
  rotate_keys = ["api_key"]
  secret_arns = [
    for name in var.secret_names :
    "arn:aws:secretsmanager:eu-west-1:${data.aws_caller_identity.current.account_id}:secret:${name}-??????"
  ]
}
