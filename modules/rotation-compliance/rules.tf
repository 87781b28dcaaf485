# AWS Config managed rules for Secrets Manager rotation. They need a configuration recorder that
# records AWS::SecretsManager::Secret in this account and region: this module creates none.
# https://docs.aws.amazon.com/config/latest/developerguide/secretsmanager-rotation-enabled-check.html
# https://docs.aws.amazon.com/config/latest/developerguide/secretsmanager-scheduled-rotation-success-check.html
# https://docs.aws.amazon.com/config/latest/developerguide/secretsmanager-secret-periodic-rotation.html
locals {
  # Managed rules take their parameters as a JSON object of strings.
  all_checks = {
    rotation-enabled = {
      enabled    = var.checks.rotation_enabled
      identifier = "SECRETSMANAGER_ROTATION_ENABLED_CHECK"
      parameters = var.max_rotation_interval_days == null ? {} : { maximumAllowedRotationFrequency = tostring(var.max_rotation_interval_days) }
      periodic   = false
    }
    rotation-success = {
      enabled    = var.checks.rotation_success
      identifier = "SECRETSMANAGER_SCHEDULED_ROTATION_SUCCESS_CHECK"
      parameters = {}
      periodic   = false
    }
    periodic-rotation = {
      enabled    = var.checks.periodic_rotation
      identifier = "SECRETSMANAGER_SECRET_PERIODIC_ROTATION"
      parameters = { maxDaysSinceRotation = tostring(var.max_days_since_rotation) }
      periodic   = true
    }
  }
  checks = { for name, check in local.all_checks : name => check if var.create && check.enabled }

  # A Config rule's scope holds one resource ID at most, so scoping by ARN takes one rule per
  # check and secret; scoping by tag takes one rule per check. Tag and resource type cannot be
  # combined in one scope; the managed rules evaluate secrets only either way.
  # https://docs.aws.amazon.com/config/latest/APIReference/API_Scope.html
  targets = var.tag != null ? { "" = null } : var.secret_arns

  rules = merge([
    for check_name, check in local.checks : {
      for target, arn in local.targets :
      (target == "" ? check_name : "${check_name}/${target}") => merge(check, {
        name   = target == "" ? "${var.name_prefix}-${check_name}" : "${var.name_prefix}-${check_name}-${target}"
        arn    = arn
        by_tag = var.tag != null
      })
    }
  ]...)
}

resource "aws_config_config_rule" "this" {
  for_each = local.rules

  name             = each.value.name
  description      = "${each.value.identifier} for ${each.value.by_tag ? "secrets tagged ${var.tag.key}${var.tag.value != null ? "=${var.tag.value}" : ""}" : each.value.arn}."
  input_parameters = length(each.value.parameters) > 0 ? jsonencode(each.value.parameters) : null

  # Only periodic rules take a frequency; Config rejects it on change-triggered managed rules.
  maximum_execution_frequency = each.value.periodic ? var.periodic_frequency : null

  source {
    owner             = "AWS"
    source_identifier = each.value.identifier
  }

  scope {
    compliance_resource_types = each.value.by_tag ? null : ["AWS::SecretsManager::Secret"]
    compliance_resource_id    = each.value.by_tag ? null : each.value.arn
    tag_key                   = each.value.by_tag ? var.tag.key : null
    tag_value                 = each.value.by_tag ? var.tag.value : null
  }

  tags = var.tags
}
