variable "create" {
  description = "Create the secret and everything with it. false creates nothing and reads nothing (every output is null), for stacks that switch a secret on per environment; the inputs are still validated, except that rotation_function_arn and rotation_role_name may then be null (a function switched off with the secret)."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name of the secret. Set this or name_prefix."
  type        = string
  default     = null

  validation {
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#SecretsManager-CreateSecret-request-Name
    condition     = var.name == null || can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.name))
    error_message = "name must be 1 to 512 characters from A-Z, a-z, 0-9 and /_+=.@-, for example \"prod/orders/api-key\"."
  }
}

variable "name_prefix" {
  description = "Prefix of the secret's name; Terraform appends a unique suffix. Set this or name."
  type        = string
  default     = null

  validation {
    # The provider appends 26 characters; the whole name stays within Secrets Manager's 512.
    condition     = var.name_prefix == null || can(regex("^[A-Za-z0-9/_+=.@-]{1,486}$", var.name_prefix))
    error_message = "name_prefix must be 1 to 486 characters from A-Z, a-z, 0-9 and /_+=.@-, for example \"prod/orders/api-key-\"."
  }

  validation {
    condition     = (var.name == null) != (var.name_prefix == null)
    error_message = "Set exactly one of name and name_prefix, for example name = \"prod/orders/api-key\"."
  }
}

variable "description" {
  description = "Description of the secret."
  type        = string
  default     = null

  validation {
    condition     = var.description == null ? true : length(var.description) <= 2048
    error_message = "description must be at most 2048 characters; shorten it."
  }
}

variable "kms_key_id" {
  description = "Customer managed KMS key that encrypts the secret: key ARN, key ID, alias name or alias ARN. null uses the AWS managed key aws/secretsmanager. The rotation role is granted this key through Secrets Manager only."
  type        = string
  default     = null

  validation {
    condition = var.kms_key_id == null || can(regex(join("|", [
      "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)$",
      "^alias/[A-Za-z0-9/_-]+$",
      "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$",
    ]), var.kms_key_id))
    error_message = "kms_key_id must be a KMS key ARN, key ID, alias name or alias ARN, for example \"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\" or \"alias/secrets\"."
  }

  validation {
    # With aws_context the module reads nothing per secret, and an alias needs a key lookup.
    condition     = var.aws_context == null || var.kms_key_id == null || !can(regex("^(arn:[^:]+:kms:[^:]+:[0-9]{12}:)?alias/", var.kms_key_id)) || can(regex("^(arn:[^:]+:kms:[^:]+:[0-9]{12}:)?alias/aws/", var.kms_key_id))
    error_message = "With aws_context set, kms_key_id must be the key's ARN or ID, not an alias (resolving an alias reads the key once per secret), for example aws_kms_key.secrets.arn."
  }
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can be restored. 0 deletes it at once. null uses Secrets Manager's default (30)."
  type        = number
  default     = null

  validation {
    condition     = var.recovery_window_in_days == null || try(var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30 && floor(var.recovery_window_in_days) == var.recovery_window_in_days), false)
    error_message = "recovery_window_in_days must be 0 (delete at once) or a whole number from 7 to 30, for example 7."
  }
}

variable "secret_string_wo" {
  description = "Initial value of the secret, write-only: it never lands in plan or state. The first rotation replaces the keys in rotate_keys. Used only with secret_string_wo_version."
  type        = string
  default     = null
  ephemeral   = true
  sensitive   = true
}

variable "secret_string_wo_version" {
  description = "Version of secret_string_wo. Set it (1) to write the initial value, labelled terraform-initial; it is AWSCURRENT only until the first rotation. Raising it stores a new initial value under that label and never moves AWSCURRENT (rotate to replace the live value). null writes no value."
  type        = number
  default     = null

  validation {
    condition     = var.secret_string_wo_version == null || try(var.secret_string_wo_version >= 1 && floor(var.secret_string_wo_version) == var.secret_string_wo_version, false)
    error_message = "secret_string_wo_version must be a whole number of at least 1, for example 1; raise it to write a new secret_string_wo."
  }

  validation {
    condition     = (var.secret_string_wo_version == null) == (var.secret_string_wo == null)
    error_message = "Set secret_string_wo and secret_string_wo_version together (for example secret_string_wo_version = 1), or neither."
  }
}

variable "rotation_function_arn" {
  description = "ARN of the Lambda function that rotates the secret (modules/rotation-function's rotation_function_arn)."
  type        = string

  validation {
    # With create = false it may be null: a composition passes the output of a function that is
    # switched off with the secret (modules/secret-rotation).
    condition     = !var.create || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$", var.rotation_function_arn))
    error_message = "rotation_function_arn must be a Lambda function ARN, for example \"arn:aws:lambda:eu-west-1:123456789012:function:orders-rotation\"."
  }
}

variable "rotation_role_name" {
  description = "Name of the rotation function's execution role (modules/rotation-function's rotation_role_name), which create_role_policy grants this secret and its KMS keys. May come from the same apply."
  type        = string
  default     = null

  validation {
    condition     = var.rotation_role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.rotation_role_name))
    error_message = "rotation_role_name must be an IAM role name (not an ARN): 1 to 64 characters from A-Z, a-z, 0-9 and +=,.@_-, for example \"orders-rotation\"."
  }
}

variable "create_role_policy" {
  description = "Attach to rotation_role_name an inline policy that lets the role rotate this secret and use its KMS keys. null decides from whether rotation_role_name is set; set true when the name comes from a resource in the same apply (unknown at plan), false when the function's own policy lists this secret (modules/rotation-function's secret_arns)."
  type        = bool
  default     = null

  validation {
    condition     = !var.create || var.create_role_policy != true || var.rotation_role_name != null
    error_message = "create_role_policy = true grants this secret to the rotation role: set rotation_role_name (modules/rotation-function's rotation_role_name)."
  }
}

variable "create_lambda_permission" {
  description = "Create a permission that lets Secrets Manager invoke the function for this secret only (source_arn and source_account). Set false when the function serves many secrets and has one account-wide permission instead: a function's resource policy is capped at 20 KB."
  type        = bool
  default     = true
  nullable    = false
}

variable "rotation_rules" {
  description = "When to rotate: exactly one of automatically_after_days (1 to 1000) or schedule_expression (rate() or cron(), UTC), and optionally the window duration (\"Nh\"). See AWS docs, \"Rotation schedules\"."
  type = object({
    automatically_after_days = optional(number)
    schedule_expression      = optional(string)
    duration                 = optional(string)
  })
  nullable = false

  # https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
  validation {
    condition     = (var.rotation_rules.automatically_after_days == null) != (var.rotation_rules.schedule_expression == null)
    error_message = "Set exactly one of rotation_rules.automatically_after_days and rotation_rules.schedule_expression, for example schedule_expression = \"rate(30 days)\"."
  }

  validation {
    condition     = var.rotation_rules.automatically_after_days == null ? true : (var.rotation_rules.automatically_after_days >= 1 && var.rotation_rules.automatically_after_days <= 1000 && floor(var.rotation_rules.automatically_after_days) == var.rotation_rules.automatically_after_days)
    error_message = "rotation_rules.automatically_after_days must be a whole number from 1 to 1000, for example 30."
  }

  validation {
    condition     = var.rotation_rules.schedule_expression == null ? true : can(regex("^(rate|cron)\\(.*\\)$", var.rotation_rules.schedule_expression))
    error_message = "rotation_rules.schedule_expression must be a rate() or cron() expression, for example \"rate(30 days)\" or \"cron(0 2 ? * MON-FRI *)\"."
  }

  validation {
    condition     = !startswith(coalesce(var.rotation_rules.schedule_expression, "-"), "rate(") ? true : can(regex("^rate\\([1-9][0-9]* (hour|hours|day|days)\\)$", var.rotation_rules.schedule_expression))
    error_message = "rotation_rules.schedule_expression: write rate(N hours) or rate(N days) with N a whole number and one space, for example \"rate(12 hours)\" or \"rate(1 day)\"."
  }

  validation {
    # Secrets Manager rotates at most every four hours. A day or more is written in days.
    condition     = !can(regex("^rate\\([0-9]+ hours?\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : try(tonumber(regex("^rate\\(([0-9]+) ", var.rotation_rules.schedule_expression)[0]) >= 4 && tonumber(regex("^rate\\(([0-9]+) ", var.rotation_rules.schedule_expression)[0]) <= 23, false)
    error_message = "rotation_rules.schedule_expression: rate() in hours must be 4 to 23 hours (Secrets Manager rotates at most every four hours), for example \"rate(4 hours)\"; for a day or more write \"rate(N days)\"."
  }

  validation {
    condition     = !can(regex("^rate\\([0-9]+ days?\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : try(tonumber(regex("^rate\\(([0-9]+) ", var.rotation_rules.schedule_expression)[0]) <= 999, false)
    error_message = "rotation_rules.schedule_expression: rate() in days must be at most 999 days, for example \"rate(365 days)\"."
  }

  validation {
    condition     = !startswith(coalesce(var.rotation_rules.schedule_expression, "-"), "cron(") ? true : can(regex("^cron\\([^ ]+( [^ ]+){5}\\)$", var.rotation_rules.schedule_expression))
    error_message = "rotation_rules.schedule_expression: cron() takes six fields separated by single spaces, cron(Minutes Hours Day-of-month Month Day-of-week Year), for example \"cron(0 2 ? * MON-FRI *)\"."
  }

  validation {
    # Rotation windows open on the hour.
    condition     = !can(regex("^cron\\([^ ]+( [^ ]+){5}\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : startswith(var.rotation_rules.schedule_expression, "cron(0 ")
    error_message = "rotation_rules.schedule_expression: the minutes field of cron() must be 0 (rotation windows open on the hour), for example \"cron(0 2 ? * MON-FRI *)\"."
  }

  validation {
    # Secrets Manager does not support schedules more than a year apart.
    condition     = !can(regex("^cron\\([^ ]+( [^ ]+){5}\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : endswith(var.rotation_rules.schedule_expression, " *)")
    error_message = "rotation_rules.schedule_expression: the year field of cron() must be *, for example \"cron(0 2 ? * MON-FRI *)\"."
  }

  validation {
    # Hours: comma-separated items, each *, H or H-H, optionally /step; hours 0 to 23.
    condition = !can(regex("^cron\\([^ ]+( [^ ]+){5}\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : alltrue([
      for item in split(",", split(" ", var.rotation_rules.schedule_expression)[1]) :
      can(regex("^(\\*|([01]?[0-9]|2[0-3])(-([01]?[0-9]|2[0-3]))?)(/([1-9]|1[0-9]|2[0-3]))?$", item)) &&
      try(tonumber(split("-", split("/", item)[0])[0]) <= tonumber(split("-", split("/", item)[0])[1]), true)
    ])
    error_message = "rotation_rules.schedule_expression: the hours field of cron() takes hours 0 to 23 as H, H-H, H/step, * or */step, separated by commas, for example \"cron(0 2 ? * MON-FRI *)\" or \"cron(0 4/12 * * ? *)\"."
  }

  validation {
    # As in EventBridge, one of day-of-month and day-of-week is a value and the other is ?.
    condition     = !can(regex("^cron\\([^ ]+( [^ ]+){5}\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : ((split(" ", var.rotation_rules.schedule_expression)[2] == "?") != (split(" ", var.rotation_rules.schedule_expression)[4] == "?"))
    error_message = "rotation_rules.schedule_expression: exactly one of the day-of-month and day-of-week fields of cron() must be ?, for example \"cron(0 2 ? * MON-FRI *)\" (weekdays) or \"cron(0 2 1 * ? *)\" (first of the month)."
  }

  validation {
    condition = !can(regex("^cron\\([^ ]+( [^ ]+){5}\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : (
      can(regex("^[0-9L,*?/-]+$", split(" ", var.rotation_rules.schedule_expression)[2])) &&
      alltrue([for n in regexall("[0-9]+", split(" ", var.rotation_rules.schedule_expression)[2]) : tonumber(n) >= 1 && tonumber(n) <= 31])
    )
    error_message = "rotation_rules.schedule_expression: the day-of-month field of cron() takes days 1 to 31 with , - * ? / L, for example \"1\", \"1,15\", \"L\" or \"?\"."
  }

  validation {
    condition = !can(regex("^cron\\([^ ]+( [^ ]+){5}\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : (
      can(regex("(?i)^([0-9]+|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|[,*/-])+$", split(" ", var.rotation_rules.schedule_expression)[3])) &&
      alltrue([for n in regexall("[0-9]+", split(" ", var.rotation_rules.schedule_expression)[3]) : tonumber(n) >= 1 && tonumber(n) <= 12])
    )
    error_message = "rotation_rules.schedule_expression: the month field of cron() takes 1 to 12 or JAN to DEC with , - * /, for example \"*\" or \"JAN,JUL\"."
  }

  validation {
    condition = !can(regex("^cron\\([^ ]+( [^ ]+){5}\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) ? true : (
      can(regex("(?i)^([0-9]+|SUN|MON|TUE|WED|THU|FRI|SAT|[#,*?/L-])+$", split(" ", var.rotation_rules.schedule_expression)[4])) &&
      alltrue([for n in regexall("[0-9]+", split(" ", var.rotation_rules.schedule_expression)[4]) : tonumber(n) >= 1 && tonumber(n) <= 7])
    )
    error_message = "rotation_rules.schedule_expression: the day-of-week field of cron() takes 1 to 7 or SUN to SAT with # , - * ? / L, for example \"MON-FRI\", \"SUN#1\" or \"?\"."
  }

  validation {
    # Windows last at least an hour and end by midnight UTC.
    condition     = var.rotation_rules.duration == null ? true : can(regex("^([1-9]|1[0-9]|2[0-4])h$", var.rotation_rules.duration))
    error_message = "rotation_rules.duration must be a whole number of hours from 1 to 24 followed by h, for example \"2h\"."
  }

  validation {
    # A rate in hours: the window must close before the next one opens.
    condition = !can(regex("^rate\\([0-9]+ hours?\\)$", coalesce(var.rotation_rules.schedule_expression, "-"))) || var.rotation_rules.duration == null ? true : try(
      tonumber(trimsuffix(var.rotation_rules.duration, "h")) <= tonumber(regex("^rate\\(([0-9]+) ", var.rotation_rules.schedule_expression)[0]), true
    )
    error_message = "rotation_rules.duration must not reach the next rotation window: with rate(N hours) it must be at most N hours, for example rate(8 hours) with \"2h\"."
  }
}

variable "rotate_immediately" {
  description = "Rotate as soon as rotation is configured (and whenever its configuration changes), which also tests the function. false waits for the first window."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags for the secret."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "replica_regions" {
  description = "Regions to replicate the secret to, each with an optional customer managed key ARN in that region (null uses aws/secretsmanager there). Rotation runs in this region; Secrets Manager copies each new version to the replicas."
  type = map(object({
    kms_key_id = optional(string)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for region in keys(var.replica_regions) : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", region))])
    error_message = "Each key of replica_regions must be a region name, for example { \"eu-central-1\" = {} }."
  }

  validation {
    # IAM matches key ARNs only, so the rotation role can be granted a replica key only by its ARN.
    condition = alltrue([
      for region, replica in var.replica_regions :
      replica.kms_key_id == null || can(regex("^arn:aws[a-z-]*:kms:${region}:[0-9]{12}:key/[A-Za-z0-9-]+$", replica.kms_key_id))
    ])
    error_message = "Each replica's kms_key_id must be the ARN of a KMS key in that replica's region (not an alias or key ID: the rotation role is granted it by ARN), for example { \"eu-central-1\" = { kms_key_id = \"arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\" } }, or null for aws/secretsmanager."
  }
}

variable "resource_policy" {
  description = "A resource policy on the secret that denies secretsmanager:GetSecretValue to every principal except the rotation role and read_principal_arns (aws:PrincipalArn, wildcards allowed), with block_public_policy. allow_rotation_role also allows the rotation role the four rotation actions, which a role of another account needs (cross-account rotation). null attaches no policy. List the role Terraform runs as: the provider reads the secret's versions with GetSecretValue."
  type = object({
    read_principal_arns = list(string)
    block_public_policy = optional(bool, true)
    allow_rotation_role = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.resource_policy == null || try(alltrue([for arn in var.resource_policy.read_principal_arns : can(regex("^arn:aws[a-z-]*:(iam|sts)::([0-9]{12}|\\*):.+$", arn))]), false)
    error_message = "resource_policy.read_principal_arns must list IAM principal ARNs (roles, users; * and ? allowed), for example [\"arn:aws:iam::123456789012:role/orders-api\", \"arn:aws:iam::123456789012:role/terraform-deploy\"]."
  }
}

variable "rotation_role_arn" {
  description = "ARN of the rotation function's execution role (modules/rotation-function's rotation_role_arn), always exempt from resource_policy's deny; required with resource_policy. Taken as given, never rebuilt from the role's name, so a role with a path is matched."
  type        = string
  default     = null

  validation {
    condition     = var.rotation_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.rotation_role_arn))
    error_message = "rotation_role_arn must be an IAM role ARN, for example \"arn:aws:iam::123456789012:role/orders-rotation\" (modules/rotation-function's rotation_role_arn)."
  }
}

variable "aws_context" {
  description = "The account ID, partition, partition DNS suffix and region of the provider, when the caller already knows them: a stack with many secrets reads them once and passes them to every instance, which then reads nothing (kms_key_id must then be a key ARN or ID, not an alias). null reads them here."
  type = object({
    account_id = string
    partition  = string
    dns_suffix = string
    region     = string
  })
  default = null

  validation {
    condition     = var.aws_context == null || can(regex("^[0-9]{12}$", var.aws_context.account_id))
    error_message = "aws_context.account_id must be a 12-digit account ID, for example data.aws_caller_identity.current.account_id."
  }
}

variable "rotation_events" {
  description = "Send this secret's RotationSucceeded events (with include_failures, RotationFailed and RotationAbandoned too) to your targets, so that consumers reload or redeploy when a new value is AWSCURRENT: an EventBridge rule for this secret and, per target, the permission it needs (see modules/rotation-events for each target's fields). null creates nothing."
  type = object({
    include_failures = optional(bool, false)
    targets = map(object({
      type                   = string
      arn                    = string
      create_resource_policy = optional(bool, true)
      queue_url              = optional(string)
      message_group_id       = optional(string)
      role_arn               = optional(string)
      create_role            = optional(bool)
      dead_letter_queue_arn  = optional(string)
      ecs = optional(object({
        task_definition_arn = string
        launch_type         = optional(string, "FARGATE")
        task_count          = optional(number, 1)
        subnets             = optional(list(string), [])
        security_groups     = optional(list(string), [])
        assign_public_ip    = optional(bool, false)
        pass_role_arns      = optional(list(string), [])
      }))
    }))
  })
  default = null
}
