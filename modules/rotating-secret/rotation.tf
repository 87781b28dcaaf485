# Window rules that need the cron() hours expanded. Preconditions rather than variable validation,
# because a validation cannot use locals computed from its own variable. They still fail the plan.
locals {
  cron_fields = try(split(" ", regex("^cron\\((.*)\\)$", var.rotation_rules.schedule_expression)[0]), [])
  cron_hour_items = length(local.cron_fields) == 6 ? [
    for item in split(",", local.cron_fields[1]) :
    try(regex("^(\\*|([0-9]{1,2})(?:-([0-9]{1,2}))?)(?:/([0-9]{1,2}))?$", item), null)
  ] : []
  # Each item as {start, end, step}: "*" is 0-23, "H/S" runs to 23, "H-H" is a range.
  cron_hour_ranges = [for p in local.cron_hour_items : try({
    start = p[0] == "*" ? 0 : tonumber(p[1])
    end   = p[2] != null ? tonumber(p[2]) : (p[0] == "*" || p[3] != null ? 23 : tonumber(p[1]))
    step  = p[3] != null ? tonumber(p[3]) : 1
  }, null)]
  # The hours, in order, at which a window opens each day (a cron() in hours restarts every day).
  cron_hours = alltrue([for r in local.cron_hour_ranges : r != null]) ? [
    for h in range(24) : h
    if anytrue([for r in local.cron_hour_ranges : h >= r.start && h <= r.end && (h - r.start) % r.step == 0])
  ] : []
  cron_hour_gaps = [for i in range(max(length(local.cron_hours) - 1, 0)) : local.cron_hours[i + 1] - local.cron_hours[i]]
  cron_min_gap   = length(local.cron_hour_gaps) > 0 ? min(local.cron_hour_gaps...) : 24
  cron_last_hour = length(local.cron_hours) > 0 ? max(local.cron_hours...) : 0
  # Hours restart every day, so the last window of a day is also followed by the first of the next.
  cron_min_interval = length(local.cron_hours) > 1 ? min(local.cron_min_gap, 24 - local.cron_last_hour + local.cron_hours[0]) : 24
  duration_hours    = try(tonumber(regex("^([0-9]+)h$", var.rotation_rules.duration)[0]), null)
}

resource "aws_secretsmanager_secret_rotation" "this" {
  count = var.create ? 1 : 0

  # checkov:skip=CKV_AWS_304: the schedule is the caller's rotation_rules (validated against Secrets Manager's limits); a 90-day ceiling is a policy choice, audited by modules/rotation-compliance (max_rotation_interval_days, max_days_since_rotation).
  secret_id           = local.secret_id_after_initial_value
  rotation_lambda_arn = var.rotation_function_arn
  rotate_immediately  = var.rotate_immediately

  rotation_rules {
    automatically_after_days = var.rotation_rules.automatically_after_days
    schedule_expression      = var.rotation_rules.schedule_expression
    duration                 = var.rotation_rules.duration
  }

  # Otherwise the first rotation (immediate by default) can start before Secrets Manager may invoke
  # the function or before the role may touch the secret. That it starts after the secret has a
  # value follows from secret_id (local.secret_id_after_initial_value, main.tf). With
  # rotation_events, after the rule and its targets, so the first rotation's event reaches them.
  depends_on = [
    aws_lambda_permission.this,
    aws_iam_role_policy.rotation,
    module.rotation_events,
  ]

  lifecycle {
    # https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
    precondition {
      condition     = local.cron_min_interval >= 4
      error_message = "rotation_rules.schedule_expression ${coalesce(var.rotation_rules.schedule_expression, "-")} opens windows less than four hours apart (counting from the last hour of a day to the first of the next); Secrets Manager rotates at most every four hours. Space the hours at least 4 apart, for example \"cron(0 0/4 * * ? *)\"."
    }

    precondition {
      condition     = local.duration_hours == null ? true : local.cron_last_hour + local.duration_hours <= 24
      error_message = "rotation_rules.duration ${coalesce(var.rotation_rules.duration, "-")} runs the window that opens at ${local.cron_last_hour}:00 past the end of the UTC day: the start hour plus the duration must be at most 24, so use at most \"${max(24 - local.cron_last_hour, 1)}h\" or an earlier hour."
    }

    precondition {
      condition     = local.duration_hours == null ? true : local.duration_hours <= local.cron_min_gap
      error_message = "rotation_rules.duration ${coalesce(var.rotation_rules.duration, "-")} reaches the next rotation window, which opens ${local.cron_min_gap} hours later: use at most \"${local.cron_min_gap}h\"."
    }
  }
}

# `create` added a count: an object planned before it is instance zero now.
moved {
  from = aws_secretsmanager_secret_rotation.this
  to   = aws_secretsmanager_secret_rotation.this[0]
}
