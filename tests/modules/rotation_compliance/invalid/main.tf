# Every module call here is invalid in one way; one plan reports every validation failure.
provider "aws" {
  region = "us-east-1"
}

locals {
  arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/api-key-AbC123"
}

module "secret_name_not_arn" {
  source      = "../../../../modules/rotation-compliance"
  secret_arns = { api_key = "prod/orders/api-key" }
}

module "partial_arn" {
  source      = "../../../../modules/rotation-compliance"
  secret_arns = { api_key = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/api-key" }
}

module "bad_key" {
  source      = "../../../../modules/rotation-compliance"
  secret_arns = { "prod/orders" = local.arn }
}

module "bad_prefix" {
  source      = "../../../../modules/rotation-compliance"
  name_prefix = "orders secrets"
  secret_arns = { api_key = local.arn }
}

module "zero_days" {
  source                  = "../../../../modules/rotation-compliance"
  secret_arns             = { api_key = local.arn }
  max_days_since_rotation = 0
}

module "fractional_interval" {
  source                     = "../../../../modules/rotation-compliance"
  secret_arns                = { api_key = local.arn }
  max_rotation_interval_days = 7.5
}

module "bad_frequency" {
  source             = "../../../../modules/rotation-compliance"
  secret_arns        = { api_key = local.arn }
  periodic_frequency = "Daily"
}

module "empty_tag_key" {
  source = "../../../../modules/rotation-compliance"
  tag    = { key = "" }
}
