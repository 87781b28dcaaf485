# With Active tracing, Lambda sends the function's trace segments with the execution role. X-Ray
# actions support no resource-level permissions, hence "*".
# https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
data "aws_iam_policy_document" "tracing" {
  count = var.create && var.tracing_mode == "Active" ? 1 : 0

  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "tracing" {
  count = var.create && var.tracing_mode == "Active" ? 1 : 0

  name   = "rotation-function-tracing"
  role   = aws_iam_role.this[0].name
  policy = data.aws_iam_policy_document.tracing[0].json
}
