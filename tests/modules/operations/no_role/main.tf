# A resource policy without the rotation role's ARN must fail the plan: it would lock the role out
# of the secret it rotates. The role's name is not enough (a role with a path has another ARN).
provider "aws" {
  region = "us-east-1"
}

module "no_role" {
  source                   = "../../../../modules/rotating-secret"
  name                     = "ops/no-role"
  rotation_function_arn    = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  create_lambda_permission = false
  rotation_role_name       = "shared-rotation"
  rotation_rules           = { automatically_after_days = 30 }
  rotate_immediately       = false
  resource_policy          = { read_principal_arns = ["arn:aws:iam::123456789012:role/orders-api"] }
}
