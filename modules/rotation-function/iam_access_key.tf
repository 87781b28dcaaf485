# The iam-access-key strategy creates and deletes access keys of the users named in iam_user_arns,
# and of no one else. ListUserTags reads the tag that binds a user to its one secret;
# GetAccessKeyLastUsed tells whether a key no secret version holds is still in use. These three actions take the user as their resource ("Actions, resources and
# condition keys for AWS Identity and Access Management": resource type user), so an ARN, or a
# path wildcard such as arn:aws:iam::123456789012:user/ci/*, limits them. testSecret calls
# sts:GetCallerIdentity with the new key, which "no permissions are required to perform"
# (API_GetCallerIdentity).
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
data "aws_iam_policy_document" "iam_access_keys" {
  count = var.create && length(var.iam_user_arns) > 0 ? 1 : 0

  statement {
    sid       = "RotateAccessKeysOfTheseUsers"
    actions   = ["iam:ListUserTags", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:CreateAccessKey", "iam:DeleteAccessKey"]
    resources = var.iam_user_arns
  }
}

resource "aws_iam_role_policy" "iam_access_keys" {
  count = var.create && length(var.iam_user_arns) > 0 ? 1 : 0

  name   = "rotation-function-iam-access-keys"
  role   = aws_iam_role.this[0].name
  policy = data.aws_iam_policy_document.iam_access_keys[0].json
}
