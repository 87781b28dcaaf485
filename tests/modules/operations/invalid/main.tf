# Every module call here is invalid in one way; one plan reports every validation failure.
provider "aws" {
  region = "us-east-1"
}

locals {
  rules = { automatically_after_days = 30 }
}

module "replica_key_alias" {
  source                = "../../../../modules/rotating-secret"
  name                  = "ops/replica-key-alias"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = local.rules
  rotate_immediately    = false
  replica_regions       = { "eu-west-1" = { kms_key_id = "alias/secrets" } }
}

module "replica_key_other_region" {
  source                = "../../../../modules/rotating-secret"
  name                  = "ops/replica-key-other-region"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = local.rules
  rotate_immediately    = false
  replica_regions       = { "eu-west-1" = { kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } }
}

module "replica_bad_region" {
  source                = "../../../../modules/rotating-secret"
  name                  = "ops/replica-bad-region"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = local.rules
  rotate_immediately    = false
  replica_regions       = { "Europe" = {} }
}

module "topic_not_arn" {
  source             = "../../../../modules/secret-rotation"
  name               = "ops/topic-not-arn"
  rotation_rules     = local.rules
  rotate_immediately = false
  notifications      = { sns_topic_arn = "platform-alerts" }
}

module "key_with_existing_topic" {
  source             = "../../../../modules/secret-rotation"
  name               = "ops/key-with-existing-topic"
  rotation_rules     = local.rules
  rotate_immediately = false
  notifications = {
    sns_topic_arn = "arn:aws:sns:us-east-1:123456789012:platform-alerts"
    kms_key_arn   = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
}

module "reader_not_arn" {
  source                = "../../../../modules/rotating-secret"
  name                  = "ops/reader-not-arn"
  rotation_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-rotation"
  rotation_rules        = local.rules
  rotate_immediately    = false
  resource_policy       = { read_principal_arns = ["orders-api"] }
}

module "tracing_on" {
  source       = "../../../../modules/rotation-function"
  name         = "ops-tracing-on"
  tracing_mode = "On"
}

module "alarm_period_seconds" {
  source       = "../../../../modules/rotation-function"
  name         = "ops-alarm-period"
  errors_alarm = { sns_topic_arn = "arn:aws:sns:us-east-1:123456789012:platform-alerts", period = 90 }
}

module "negative_concurrency" {
  source                         = "../../../../modules/rotation-function"
  name                           = "ops-negative-concurrency"
  reserved_concurrent_executions = -1
}
