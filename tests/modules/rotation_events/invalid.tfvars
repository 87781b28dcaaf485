targets = {
  "bad key!" = { type = "sqs", arn = "arn:aws:sqs:us-east-1:123456789012:q" }
  kinesis    = { type = "kinesis", arn = "arn:aws:kinesis:us-east-1:123456789012:stream/s" }
  wrong_arn  = { type = "sqs", arn = "arn:aws:sns:us-east-1:123456789012:topic" }
  no_task    = { type = "ecs", arn = "arn:aws:ecs:us-east-1:123456789012:cluster/c" }
  sixth      = { type = "sqs", arn = "arn:aws:sqs:us-east-1:123456789012:q6" }
  lambda_role = {
    type     = "lambda"
    arn      = "arn:aws:lambda:us-east-1:123456789012:function:f"
    role_arn = "arn:aws:iam::123456789012:role/r"
  }
}
