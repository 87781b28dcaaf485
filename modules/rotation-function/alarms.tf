# A rotation step that raises counts as a Lambda error. Secrets Manager also reports the failed
# rotation itself (RotationFailed): this alarm catches errors the event does not name, such as a
# function that fails for every secret it serves.
# https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
resource "aws_cloudwatch_metric_alarm" "errors" {
  count = var.create && var.errors_alarm != null ? 1 : 0

  alarm_name        = "${var.name}-errors"
  alarm_description = "The rotation function ${var.name} raised an error: a rotation step failed. Its log group ${local.log_group_name} has one JSON line per step with the secret ARN, the step and the error."
  namespace         = "AWS/Lambda"
  metric_name       = "Errors"
  dimensions        = { FunctionName = aws_lambda_function.this[0].function_name }

  statistic           = "Sum"
  period              = var.errors_alarm.period
  evaluation_periods  = var.errors_alarm.evaluation_periods
  threshold           = var.errors_alarm.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # Rotations are rare: no invocation means no error, not an unknown state.
  treat_missing_data = "notBreaching"

  alarm_actions = [var.errors_alarm.sns_topic_arn]
  tags          = var.tags
}

# A database strategy that fell back from verified TLS (the secret or database_tls_default says
# "try") writes one embedded-metric-format log line per fallback; CloudWatch Logs turns it into
# this metric, no API call needed (rotator/strategies/database: emit_tls_fallback_metric).
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
resource "aws_cloudwatch_metric_alarm" "tls_fallback" {
  count = var.create && var.errors_alarm != null && contains(local.database_strategies, var.rotation_strategy) ? 1 : 0

  alarm_name        = "${var.name}-tls-fallback"
  alarm_description = "The rotation function ${var.name} connected to a database without a verified TLS certificate (a fallback). Give it the server's CA bundle (database_ca_bundle_file) or write the TLS mode down in the secret. Its log group ${local.log_group_name} names host, port and secret."
  namespace         = "SecretsManagerRotation"
  metric_name       = "DatabaseTlsFallback"
  dimensions        = { FunctionName = var.name }

  statistic           = "Sum"
  period              = var.errors_alarm.period
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"

  alarm_actions = [var.errors_alarm.sns_topic_arn]
  tags          = var.tags
}
