# Alerts when a rotation fails: Secrets Manager records RotationFailed (a step raised or timed out)
# and RotationAbandoned (a new value was written while a rotation was pending) as CloudTrail service
# events, which reach EventBridge with detail-type "AWS Service Event via CloudTrail" and the secret
# in detail.additionalEventData.SecretId.
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieve-ct-entries.html
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  notify = var.create && var.notifications.enabled
  # Whether to create the topic and its key: the flags when set, else whether an ARN was given. A
  # count cannot depend on a value unknown at plan, so an ARN from the same apply needs the flag.
  create_topic            = local.notify && (var.notifications.create_topic != null ? var.notifications.create_topic : var.notifications.sns_topic_arn == null)
  create_topic_key        = local.create_topic && (var.notifications.create_kms_key != null ? var.notifications.create_kms_key : var.notifications.kms_key_arn == null)
  notifications_topic_arn = !local.notify ? null : (local.create_topic ? aws_sns_topic.notifications[0].arn : var.notifications.sns_topic_arn)
  # EventBridge rule names allow 64 characters: with "-failed", the function's name keeps 57.
  notifications_name = length(local.function_name) <= 57 ? local.function_name : "${substr(local.function_name, 0, 48)}-${substr(sha1(local.function_name), 0, 8)}"
  # Built from their names rather than read from the resources: the key is created before the
  # topic, the rule and the alarm, and its policy names all three.
  arn_region_account  = "${data.aws_partition.current.partition}:%s:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}"
  notifications_rule  = "${local.notifications_name}-failed"
  notifications_topic = "${local.notifications_name}-alerts"
  created_topic_arn   = "arn:${format(local.arn_region_account, "sns")}:${local.notifications_topic}"
  created_rule_arn    = "arn:${format(local.arn_region_account, "events")}:rule/${local.notifications_rule}"
  function_alarm_arn  = "arn:${format(local.arn_region_account, "cloudwatch")}:alarm:${local.function_name}-errors"
  # The database strategies' alarm on TLS fallbacks (modules/rotation-function, alarms.tf).
  tls_alarm_arns = contains(["postgres-single-user", "postgres-multi-user"], var.rotation_strategy) ? ["arn:${format(local.arn_region_account, "cloudwatch")}:alarm:${local.function_name}-tls-fallback"] : []

  rotation_failure_event_pattern = {
    source        = ["aws.secretsmanager"]
    "detail-type" = ["AWS Service Event via CloudTrail"]
    detail = {
      eventSource         = ["secretsmanager.amazonaws.com"]
      eventName           = ["RotationFailed", "RotationAbandoned"]
      additionalEventData = { SecretId = [module.secret.secret_arn] }
    }
  }
}

resource "aws_cloudwatch_event_rule" "rotation_failed" {
  count = local.notify ? 1 : 0

  name          = local.notifications_rule
  description   = "RotationFailed and RotationAbandoned events of the secret ${var.name}."
  event_pattern = jsonencode(local.rotation_failure_event_pattern)
  tags          = var.tags
}

# The event as it is: the secret's ARN, the event name, and for RotationFailed the errorMessage
# that names the failed step ("... during createSecret step"). Never a secret value.
resource "aws_cloudwatch_event_target" "rotation_failed" {
  count = local.notify ? 1 : 0

  rule      = aws_cloudwatch_event_rule.rotation_failed[0].name
  target_id = "sns"
  arn       = local.notifications_topic_arn
}

# A topic of our own, encrypted with a customer managed key: EventBridge and CloudWatch alarms
# cannot publish to a topic encrypted with the AWS managed key aws/sns, whose key policy the
# account cannot change to let them use it.
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
data "aws_iam_policy_document" "notifications_key" {
  # checkov:skip=CKV_AWS_109: a key policy's "*" resource is this key; the account statement is AWS's default key policy, without which nobody could administer the key.
  # checkov:skip=CKV_AWS_111: a key policy's "*" resource is this key; see CKV_AWS_109.
  # checkov:skip=CKV_AWS_356: a key policy's "*" resource is this key; see CKV_AWS_109.
  count = local.create_topic_key ? 1 : 0

  # AWS's default key policy: the account administers the key through IAM policies.
  # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
  statement {
    sid       = "EnableIamPolicies"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # EventBridge and CloudWatch publish through SNS, which uses the key on their behalf. Each only
  # for this rule or this alarm (aws:SourceArn, against the confused deputy) and only for this
  # topic (SNS's encryption context, aws:sns:topicArn), as SNS documents for encrypted topics:
  # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
  # https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
  statement {
    sid       = "PublishFromThisRule"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [local.created_rule_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:sns:topicArn"
      values   = [local.created_topic_arn]
    }
  }

  dynamic "statement" {
    for_each = var.notifications.errors_alarm ? [1] : []

    content {
      sid       = "PublishFromThisAlarm"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["cloudwatch.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = concat([local.function_alarm_arn], local.tls_alarm_arns)
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:sns:topicArn"
        values   = [local.created_topic_arn]
      }
    }
  }
}

resource "aws_kms_key" "notifications" {
  count = local.create_topic_key ? 1 : 0

  description         = "Encrypts the rotation alerts topic of the secret ${var.name}."
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.notifications_key[0].json
  tags                = var.tags
}

resource "aws_sns_topic" "notifications" {
  count = local.create_topic ? 1 : 0

  name              = local.notifications_topic
  kms_master_key_id = local.create_topic_key ? aws_kms_key.notifications[0].arn : var.notifications.kms_key_arn
  tags              = var.tags
}

# Only this rule and this alarm may publish (aws:SourceArn), against the confused-deputy problem.
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
data "aws_iam_policy_document" "notifications_topic" {
  count = local.create_topic ? 1 : 0

  statement {
    sid       = "PublishRotationEvents"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.notifications[0].arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.rotation_failed[0].arn]
    }
  }

  dynamic "statement" {
    for_each = var.notifications.errors_alarm ? [1] : []

    content {
      sid       = "PublishErrorsAlarm"
      actions   = ["sns:Publish"]
      resources = [aws_sns_topic.notifications[0].arn]

      principals {
        type        = "Service"
        identifiers = ["cloudwatch.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = compact([module.function.errors_alarm_arn, module.function.tls_fallback_alarm_arn])
      }
    }
  }
}

resource "aws_sns_topic_policy" "notifications" {
  count = local.create_topic ? 1 : 0

  arn    = aws_sns_topic.notifications[0].arn
  policy = data.aws_iam_policy_document.notifications_topic[0].json
}
