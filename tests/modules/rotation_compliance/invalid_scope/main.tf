# The scope rule compares two variables; Terraform 1.11 did not report it in a plan where other
# variables' validations failed, so it has a fixture of its own.
provider "aws" {
  region = "us-east-1"
}

locals {
  arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/api-key-AbC123"
}

module "both_scopes" {
  source      = "../../../../modules/rotation-compliance"
  secret_arns = { api_key = local.arn }
  tag         = { key = "rotation-compliance" }
}

module "no_scope" {
  source = "../../../../modules/rotation-compliance"
}
