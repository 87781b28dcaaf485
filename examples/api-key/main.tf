# No endpoint settings: against real AWS this block works as it is, and the local sandbox points it
# elsewhere through AWS_ENDPOINT_URL.
provider "aws" {
  region = var.region
}

module "api_key" {
  source = "../../modules/secret-rotation"

  name        = var.name
  description = "API key of ${var.client_id}, rotated on weekdays at 02:00 UTC."

  # The initial value is write-only (never in plan or state) and holds no secret: the first
  # rotation, right after apply, replaces api_key and keeps client_id.
  secret_string_wo = jsonencode({
    client_id = var.client_id
    api_key   = "replaced-by-the-first-rotation"
  })
  secret_string_wo_version = 1

  # By default Monday to Friday, in a window from 02:00 to 04:00 UTC.
  rotation_rules = {
    schedule_expression = var.schedule_expression
    duration            = "2h"
  }
  rotate_immediately = true
  rotate_keys        = ["api_key"]
  rotation_strategy  = "generic"

  # API keys are often pasted into headers and URLs: letters and digits only.
  password_policy = {
    length              = 40
    exclude_punctuation = true
  }

  tags = var.tags
}
