# What a strategy calls beyond Secrets Manager (a custom strategy's own service, an SSM parameter,
# a KMS key), granted by the user: their statements in an inline policy of their own, their
# managed policies attached. Nothing here without those inputs. IAM quotas
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a role's inline
# policies share 10,240 characters, and a role takes 10 managed policies by default.
data "aws_iam_policy_document" "additional" {
  count = var.create && length(var.policy_statements) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = var.policy_statements

    content {
      sid       = statement.key
      effect    = statement.value.effect
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "additional" {
  count = var.create && length(var.policy_statements) > 0 ? 1 : 0

  name   = "rotation-function-additional"
  role   = aws_iam_role.this[0].name
  policy = data.aws_iam_policy_document.additional[0].json
}

# Keyed by the caller's names, so an ARN known only at apply still plans (for_each needs keys).
resource "aws_iam_role_policy_attachment" "additional" {
  for_each = var.create ? var.policy_arns : {}

  role       = aws_iam_role.this[0].name
  policy_arn = each.value
}
