# Secrets Manager records each rotation's outcome as a CloudTrail service event (RotationSucceeded,
# RotationFailed, RotationAbandoned), which EventBridge's default bus receives with detail-type
# "AWS Service Event via CloudTrail" and the secret's ARN in detail.additionalEventData.SecretId.
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieve-ct-entries.html
locals {
  # Rule names: 1 to 64 of A-Z, a-z, 0-9, . _ -.
  rule_base = replace(var.name, "/[^A-Za-z0-9._-]/", "-")
  rule_name = length(local.rule_base) <= 56 ? "${local.rule_base}-rotated" : "${substr(local.rule_base, 0, 47)}-${substr(sha1(var.name), 0, 8)}-rotated"

  event_names = var.include_failures ? ["RotationSucceeded", "RotationFailed", "RotationAbandoned"] : ["RotationSucceeded"]
  # A list of ARNs, or one prefix matcher (the two have different types, hence through JSON).
  secret_matchers = jsondecode(var.secret_arn_prefix != null ? jsonencode([{ prefix = var.secret_arn_prefix }]) : jsonencode(var.secret_arns))
}

resource "aws_cloudwatch_event_rule" "this" {
  name        = local.rule_name
  description = "Rotation events (${join(", ", local.event_names)}) of ${var.name}."
  event_pattern = jsonencode({
    source        = ["aws.secretsmanager"]
    "detail-type" = ["AWS Service Event via CloudTrail"]
    detail = {
      eventSource         = ["secretsmanager.amazonaws.com"]
      eventName           = local.event_names
      additionalEventData = { SecretId = local.secret_matchers }
    }
  })
  tags = var.tags
}

# The event as EventBridge delivers it: the secret's ARN and the event's name, never a value.
resource "aws_cloudwatch_event_target" "this" {
  for_each = var.targets

  rule      = aws_cloudwatch_event_rule.this.name
  target_id = each.key
  arn       = each.value.arn
  # Lambda, SQS and SNS are reached through their resource policies; a role there can make
  # delivery fail (EventBridge user guide, "Using resource-based policies for Amazon EventBridge").
  role_arn = contains(["sfn", "ecs"], each.value.type) ? (each.value.role_arn != null ? each.value.role_arn : aws_iam_role.target[each.key].arn) : null

  dynamic "sqs_target" {
    for_each = each.value.message_group_id != null ? [each.value.message_group_id] : []

    content {
      message_group_id = sqs_target.value
    }
  }

  dynamic "ecs_target" {
    for_each = each.value.ecs != null ? [each.value.ecs] : []

    content {
      task_definition_arn = ecs_target.value.task_definition_arn
      launch_type         = ecs_target.value.launch_type
      task_count          = ecs_target.value.task_count

      dynamic "network_configuration" {
        for_each = length(ecs_target.value.subnets) > 0 ? [1] : []

        content {
          subnets          = ecs_target.value.subnets
          security_groups  = ecs_target.value.security_groups
          assign_public_ip = ecs_target.value.assign_public_ip
        }
      }
    }
  }

  dynamic "dead_letter_config" {
    for_each = each.value.dead_letter_queue_arn != null ? [each.value.dead_letter_queue_arn] : []

    content {
      arn = dead_letter_config.value
    }
  }
}
