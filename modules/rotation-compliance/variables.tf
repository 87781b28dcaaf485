variable "create" {
  description = "Create the rules. false creates nothing, for stacks that turn compliance on per environment."
  type        = bool
  default     = true
  nullable    = false
}

variable "name_prefix" {
  description = "Start of each rule's name, followed by the check (rotation-enabled, rotation-success, periodic-rotation) and, per secret, the key in secret_arns."
  type        = string
  default     = "secret-rotation"
  nullable    = false

  validation {
    # Config rule names allow 128 characters: prefix (40) + check (17) + key (64) + two hyphens.
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 1 to 40 characters from A-Z, a-z, 0-9, _ and -, for example \"orders-secrets\"."
  }
}

variable "secret_arns" {
  description = "Secrets to check, by a short key used in the rule names: one rule per check and secret, scoped to that secret's ARN. Set this or tag."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for key in keys(var.secret_arns) : can(regex("^[A-Za-z0-9_-]{1,64}$", key))])
    error_message = "Each key of secret_arns must be 1 to 64 characters from A-Z, a-z, 0-9, _ and -, for example { orders_api_key = module.secret.secret_arn }."
  }

  validation {
    # Config identifies a secret by its full ARN (with the six-character suffix); a name or a
    # partial ARN would scope the rule to nothing.
    condition     = alltrue([for arn in values(var.secret_arns) : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$", arn))])
    error_message = "Each value of secret_arns must be a secret's full ARN, for example \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders/api-key-AbC123\" (the secret module's secret_arn output)."
  }
}

variable "tag" {
  description = "Scope the rules by a tag instead of by ARN: three rules in all, evaluating every secret that carries this tag key (and value, when set). Set this or secret_arns."
  type = object({
    key   = string
    value = optional(string)
  })
  default = null

  validation {
    condition     = var.tag == null || try(length(var.tag.key) >= 1 && length(var.tag.key) <= 128 && try(length(var.tag.value), 0) <= 256, false)
    error_message = "tag.key must be 1 to 128 characters and tag.value at most 256, for example { key = \"rotation-compliance\", value = \"orders\" }."
  }

  validation {
    condition     = (length(var.secret_arns) > 0) != (var.tag != null)
    error_message = "Set exactly one of secret_arns (one rule per check and secret) and tag (three rules for every secret with the tag), for example secret_arns = { api_key = module.secret.secret_arn }."
  }
}

variable "checks" {
  description = "Which managed rules to create: rotation_enabled (SECRETSMANAGER_ROTATION_ENABLED_CHECK), rotation_success (SECRETSMANAGER_SCHEDULED_ROTATION_SUCCESS_CHECK), periodic_rotation (SECRETSMANAGER_SECRET_PERIODIC_ROTATION)."
  type = object({
    rotation_enabled  = optional(bool, true)
    rotation_success  = optional(bool, true)
    periodic_rotation = optional(bool, true)
  })
  default  = {}
  nullable = false
}

variable "max_days_since_rotation" {
  description = "periodic_rotation: a secret not rotated for more than this many days is NON_COMPLIANT (the rule's maxDaysSinceRotation)."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.max_days_since_rotation >= 1 && var.max_days_since_rotation <= 1000 && floor(var.max_days_since_rotation) == var.max_days_since_rotation
    error_message = "max_days_since_rotation must be a whole number of days from 1 to 1000, for example 90; set it at least as long as the rotation interval plus the window."
  }
}

variable "max_rotation_interval_days" {
  description = "rotation_enabled: also flag a secret whose rotation schedule is longer than this many days (the rule's maximumAllowedRotationFrequency). null checks only that rotation is enabled."
  type        = number
  default     = null

  validation {
    condition     = var.max_rotation_interval_days == null || try(var.max_rotation_interval_days >= 1 && var.max_rotation_interval_days <= 1000 && floor(var.max_rotation_interval_days) == var.max_rotation_interval_days, false)
    error_message = "max_rotation_interval_days must be a whole number of days from 1 to 1000 (Secrets Manager's limit for a schedule), for example 30, or null."
  }
}

variable "periodic_frequency" {
  description = "How often Config runs the periodic_rotation rule (its MaximumExecutionFrequency). Config bills each run per secret it evaluates."
  type        = string
  default     = "TwentyFour_Hours"
  nullable    = false

  validation {
    # https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html
    condition     = contains(["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"], var.periodic_frequency)
    error_message = "periodic_frequency must be One_Hour, Three_Hours, Six_Hours, Twelve_Hours or TwentyFour_Hours; TwentyFour_Hours is plenty for a check counted in days."
  }
}

variable "tags" {
  description = "Tags for the Config rules."
  type        = map(string)
  default     = {}
  nullable    = false
}
