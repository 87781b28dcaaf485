# No endpoint settings: against real AWS this block works as it is, and the local sandbox points it
# elsewhere through AWS_ENDPOINT_URL.
provider "aws" {
  region = var.region
}

module "api_key" {
  source = "../../modules/secret-rotation"

  name        = var.name
  description = "API key issued by the key service at ${var.service_url}, rotated by a custom strategy."

  # Write-only: the key issued by hand never lands in the plan or in state. The first rotation,
  # right after apply, registers a new key with it.
  secret_string_wo = jsonencode({
    service_url = var.service_url
    key_id      = var.initial_key_id
    api_key     = var.initial_api_key
  })
  secret_string_wo_version = 1

  rotation_rules     = { schedule_expression = var.schedule_expression }
  rotate_immediately = true

  # The strategy lives in this stack's own directory, as a user's would: rotation/api_key_service.py,
  # class ServiceApiKey. The module packs it beside the rotator in the function's zip.
  rotation_strategy = "custom"
  custom_strategy = {
    source_dir = "${path.root}/rotation"
    class      = "api_key_service:ServiceApiKey"
  }

  # New keys are generated in the function with this policy (ctx.new_password()): letters and
  # digits, since API keys end up in headers.
  password_policy = {
    length              = 40
    exclude_punctuation = true
  }

  tags = var.tags
}
