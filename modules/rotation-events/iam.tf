# Step Functions and ECS targets: EventBridge assumes a role that may start this state machine or
# run this task, for this rule only (aws:SourceArn in the trust policy).
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html
data "aws_iam_policy_document" "target_trust" {
  for_each = local.role_targets

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.this.arn]
    }
  }
}

data "aws_iam_policy_document" "target_role" {
  for_each = local.role_targets

  dynamic "statement" {
    for_each = each.value.type == "sfn" ? [each.value.arn] : []

    content {
      sid       = "StartThisStateMachine"
      actions   = ["states:StartExecution"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = each.value.type == "ecs" ? [each.value] : []

    content {
      sid       = "RunThisTaskOnThisCluster"
      actions   = ["ecs:RunTask"]
      resources = [statement.value.ecs.task_definition_arn]

      condition {
        test     = "ArnEquals"
        variable = "ecs:cluster"
        values   = [statement.value.arn]
      }
    }
  }

  dynamic "statement" {
    for_each = each.value.type == "ecs" && length(try(each.value.ecs.pass_role_arns, [])) > 0 ? [each.value.ecs.pass_role_arns] : []

    content {
      sid       = "PassTheTaskRoles"
      actions   = ["iam:PassRole"]
      resources = statement.value

      condition {
        test     = "StringLike"
        variable = "iam:PassedToService"
        values   = ["ecs-tasks.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "target" {
  for_each = local.role_targets

  # Role name prefixes allow 38 characters.
  name_prefix        = "${substr(local.rule_base, 0, 28)}-${substr(each.key, 0, 8)}-"
  assume_role_policy = data.aws_iam_policy_document.target_trust[each.key].json
  tags               = var.tags
}

resource "aws_iam_role_policy" "target" {
  for_each = local.role_targets

  name   = "deliver-rotation-events"
  role   = aws_iam_role.target[each.key].id
  policy = data.aws_iam_policy_document.target_role[each.key].json
}
