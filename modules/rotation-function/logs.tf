# Created before the function: otherwise Lambda creates /aws/lambda/<name> itself on the first
# invocation, with no retention and outside Terraform.
resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# `create` added a count: an object planned before it is instance zero now.
moved {
  from = aws_cloudwatch_log_group.this
  to   = aws_cloudwatch_log_group.this[0]
}
