# No endpoint settings: against real AWS this block works as it is, and the local sandbox points it
# elsewhere through AWS_ENDPOINT_URL.
provider "aws" {
  region = var.region
}

# The IAM user whose access key is rotated: a deploy job outside AWS that signs its calls with a
# key pair (one that can assume a role through OIDC needs no key and no rotation).
resource "aws_iam_user" "this" {
  # checkov:skip=CKV_AWS_273: a system outside AWS that cannot use IAM Identity Center or assume a role needs an IAM user; its key is the one this stack rotates
  name = var.user_name
  path = var.user_path
  # The keys are the rotation's, not Terraform's: destroy deletes them with the user.
  force_destroy = true

  tags = var.tags
}

module "access_key" {
  source = "../../modules/secret-rotation"

  name        = var.name
  description = "Access key pair of IAM user ${var.user_name}, rotated every ${var.rotation_days} days."

  # The function may list, create and delete access keys of this user only, and its
  # configuration binds the user to this secret: the user needs no tag naming it.
  rotation_strategy = "iam-access-key"
  iam_user_arns     = [aws_iam_user.this.arn]

  # No key passes through Terraform: the key fields start empty, and the first rotation, right
  # after apply, creates the user's first key. Each later rotation creates a new key and deletes
  # the one before the previous, so the user never holds more than two.
  secret_string_wo = jsonencode({
    UserName        = aws_iam_user.this.name
    AccessKeyId     = ""
    SecretAccessKey = ""
  })
  secret_string_wo_version = 1

  rotation_rules = {
    automatically_after_days = var.rotation_days
  }
  rotate_immediately = true

  tags = var.tags
}
