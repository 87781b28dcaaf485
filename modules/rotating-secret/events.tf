# Rotation events for the secret's consumers (modules/rotation-events): a rule for this secret and
# the permission each target needs. Nothing is evaluated per secret unless the input is set.
module "rotation_events" {
  source = "../rotation-events"
  count  = var.create && var.rotation_events != null ? 1 : 0

  # The secret's name, or with name_prefix its ARN's name part (suffix included, so unique).
  name             = var.name != null ? var.name : element(split(":secret:", local.secret_arn), 1)
  secret_arns      = [local.secret_arn]
  include_failures = var.rotation_events.include_failures
  targets          = var.rotation_events.targets
  tags             = var.tags
}
