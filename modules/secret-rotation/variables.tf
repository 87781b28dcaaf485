variable "name" {
  description = "Name of the secret, for example \"prod/orders/api-key\". The rotation function is named after it unless function_name is set."
  type        = string

  validation {
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#SecretsManager-CreateSecret-request-Name
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.name))
    error_message = "name must be 1 to 512 characters from A-Z, a-z, 0-9 and /_+=.@-, for example \"prod/orders/api-key\"."
  }
}

variable "description" {
  description = "Description of the secret."
  type        = string
  default     = null
}

variable "kms_key_id" {
  description = "Customer managed KMS key that encrypts the secret: key ARN, key ID, alias name or alias ARN. null uses the AWS managed key aws/secretsmanager. The rotation role is granted the key through Secrets Manager, for this secret only."
  type        = string
  default     = null
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can be restored: 0 (delete at once) or 7 to 30. null uses Secrets Manager's default (30)."
  type        = number
  default     = null
}

variable "secret_string_wo" {
  description = "Initial value of the secret, write-only: it never lands in plan or state. For a JSON secret, every key in rotate_keys must be present. Used only with secret_string_wo_version."
  type        = string
  default     = null
  ephemeral   = true
  sensitive   = true
}

variable "secret_string_wo_version" {
  description = "Version of secret_string_wo. Set it (1) to write the initial value; change it only to overwrite the current value deliberately. null writes no value."
  type        = number
  default     = null
}

variable "rotation_rules" {
  description = "When to rotate: exactly one of automatically_after_days (1 to 1000) or schedule_expression (rate() or cron(), UTC), and optionally the window duration (\"Nh\"). See AWS docs, \"Rotation schedules\"."
  type = object({
    automatically_after_days = optional(number)
    schedule_expression      = optional(string)
    duration                 = optional(string)
  })
  nullable = false
}

variable "rotate_immediately" {
  description = "Rotate as soon as rotation is configured (and whenever its configuration changes). false waits for the first window."
  type        = bool
  default     = true
  nullable    = false
}

variable "rotate_keys" {
  description = "JSON keys of the secret that each rotation regenerates. Every other key is kept as it is. A secret that is not JSON is replaced whole."
  type        = list(string)
  default     = ["password"]
  nullable    = false
}

variable "password_policy" {
  description = "How new values are generated. Each field left null takes the default of AWS's rotation templates: length 32, exclude_characters /@\"'\\, no class excluded, no space, each included class required."
  type = object({
    length                     = optional(number)
    exclude_characters         = optional(string)
    exclude_numbers            = optional(bool)
    exclude_punctuation        = optional(bool)
    exclude_uppercase          = optional(bool)
    exclude_lowercase          = optional(bool)
    include_space              = optional(bool)
    require_each_included_type = optional(bool)
  })
  default  = {}
  nullable = false
}

variable "tags" {
  description = "Tags for the secret, the function, its role and its log group."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "function_name" {
  description = "Name of the rotation function (and its role). null derives it from name: the name followed by \"-rotation\", every character other than A-Z, a-z, 0-9, - and _ replaced by -, shortened with a hash past 64 characters (\"prod/orders/api-key\" gives \"prod-orders-api-key-rotation\")."
  type        = string
  default     = null
}

variable "rotation_strategy" {
  description = "What setSecret and testSecret do. \"generic\" regenerates the keys in rotate_keys and has no downstream system to update."
  type        = string
  default     = "generic"
  nullable    = false
}

variable "log_level" {
  description = "Level of the rotator's JSON logs: DEBUG, INFO, WARNING, ERROR or CRITICAL. Secret values are never logged."
  type        = string
  default     = "INFO"
  nullable    = false
}

variable "log_retention_in_days" {
  description = "Days CloudWatch Logs keeps the function's logs. 0 keeps them forever."
  type        = number
  default     = 365
  nullable    = false
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key that encrypts the function's log group. null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "runtime" {
  description = "Lambda Python runtime (python3.11 or later)."
  type        = string
  default     = "python3.12"
  nullable    = false
}

variable "architecture" {
  description = "Instruction set of the function: arm64 or x86_64."
  type        = string
  default     = "arm64"
  nullable    = false
}

variable "timeout" {
  description = "Seconds one rotation step may run."
  type        = number
  default     = 30
  nullable    = false
}

variable "memory_size" {
  description = "Memory in MB for the function."
  type        = number
  default     = 128
  nullable    = false
}

variable "vpc_config" {
  description = "Subnets and security groups to run the function in; it then needs a route to Secrets Manager (interface endpoint or NAT). null runs it outside any VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "role_permissions_boundary" {
  description = "ARN of a managed policy to set as the execution role's permissions boundary."
  type        = string
  default     = null
}

variable "artifacts_dir" {
  description = "Directory the function's zip is written to during plan. null uses the builds directory of the root module."
  type        = string
  default     = null
}
