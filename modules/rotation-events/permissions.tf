# What lets EventBridge deliver to each target, only for this rule (aws:SourceArn, against the
# confused deputy): a resource policy for Lambda, SQS and SNS; a role for Step Functions and ECS.
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html
locals {
  policy_targets = { for key, target in var.targets : key => target if contains(["lambda", "sqs", "sns"], target.type) }
  role_targets   = { for key, target in var.targets : key => target if contains(["sfn", "ecs"], target.type) && (target.create_role != null ? target.create_role : target.role_arn == null) }
}

resource "aws_lambda_permission" "target" {
  for_each = { for key, target in local.policy_targets : key => target if target.type == "lambda" && target.create_resource_policy }

  # Statement IDs allow 100 characters: the rule's name (64) and the key (32).
  statement_id  = "${aws_cloudwatch_event_rule.this.name}-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.arn
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this.arn
}

# The statement each queue or topic needs; its whole policy when create_resource_policy is true,
# else an output to merge into a policy of your own.
data "aws_iam_policy_document" "resource_policy" {
  for_each = { for key, target in local.policy_targets : key => target if target.type != "lambda" }

  statement {
    sid       = "RotationEventsFrom${replace(title(replace(each.key, "/[_-]/", " ")), " ", "")}"
    actions   = [each.value.type == "sqs" ? "sqs:SendMessage" : "sns:Publish"]
    resources = [each.value.arn]

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

resource "aws_sqs_queue_policy" "target" {
  for_each = { for key, target in local.policy_targets : key => target if target.type == "sqs" && target.create_resource_policy }

  # The queue's URL from its ARN (arn:<partition>:sqs:<region>:<account>:<name>) unless given.
  queue_url = each.value.queue_url != null ? each.value.queue_url : format(
    "https://sqs.%s.%s/%s/%s",
    split(":", each.value.arn)[3],
    split(":", each.value.arn)[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
    split(":", each.value.arn)[4],
    split(":", each.value.arn)[5],
  )
  policy = data.aws_iam_policy_document.resource_policy[each.key].json
}

resource "aws_sns_topic_policy" "target" {
  for_each = { for key, target in local.policy_targets : key => target if target.type == "sns" && target.create_resource_policy }

  arn    = each.value.arn
  policy = data.aws_iam_policy_document.resource_policy[each.key].json
}
