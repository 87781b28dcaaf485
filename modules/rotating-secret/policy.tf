# An optional resource policy: nobody reads the value but the rotation role and the listed
# principals, whatever their identity policies allow (an explicit Deny wins). aws:PrincipalArn is
# the role's ARN (not the session's) for assumed roles, so one entry covers every session.
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
#
# The rotation role is exempt by its ARN as given (modules/rotation-function's rotation_role_arn),
# never rebuilt from its name: a role with a path (role/service-roles/name) has an ARN that the
# name alone does not give, and a policy that missed it would fail every rotation.
locals {
  # The rotation role first and always: a policy that locked it out would fail every rotation.
  read_principal_arns = var.resource_policy == null ? [] : distinct(concat(compact([var.rotation_role_arn]), var.resource_policy.read_principal_arns))
}

data "aws_iam_policy_document" "resource_policy" {
  count = var.create && var.resource_policy != null ? 1 : 0

  statement {
    sid     = "DenyReadingExceptRotationAndListedPrincipals"
    effect  = "Deny"
    actions = ["secretsmanager:GetSecretValue"]
    # In a secret's resource policy, "*" is this secret.
    resources = ["*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.read_principal_arns
    }
  }

  # Cross-account rotation: "you must allow access both in a resource policy and in an identity
  # policy" (Secrets Manager user guide, "Access AWS Secrets Manager secrets from a different
  # account"); the identity policy is the rotation role's, in the function's account.
  # https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html
  dynamic "statement" {
    for_each = var.resource_policy.allow_rotation_role ? [var.rotation_role_arn] : []

    content {
      sid = "AllowRotationRoleToRotate"
      actions = [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
      ]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
    }
  }
}

resource "aws_secretsmanager_secret_policy" "this" {
  count = var.create && var.resource_policy != null ? 1 : 0

  secret_arn          = local.secret_arn
  policy              = data.aws_iam_policy_document.resource_policy[0].json
  block_public_policy = var.resource_policy.block_public_policy

  lifecycle {
    precondition {
      condition     = var.rotation_role_arn != null
      error_message = "resource_policy denies reading the secret to every principal but the listed ones and the rotation role: set rotation_role_arn to the role's ARN (modules/rotation-function's rotation_role_arn), which also covers a role with a path."
    }
  }
}
