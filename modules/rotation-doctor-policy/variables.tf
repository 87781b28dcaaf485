variable "create" {
  description = "Create the managed policy (and its attachments). false creates nothing; policy_json is output either way."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name of the managed policy."
  type        = string
  default     = "rotation-doctor"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.name))
    error_message = "name must be an IAM policy name: 1 to 128 characters from A-Z, a-z, 0-9 and +=,.@_-, for example \"rotation-doctor\"."
  }
}

variable "role_names" {
  description = "Names of roles (an operators' or a CI role) to attach the policy to, by a stable key. Empty attaches it nowhere."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for name in values(var.role_names) : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", name))])
    error_message = "Each value of role_names must be an IAM role name (not an ARN), for example { operators = \"platform-operators\" }."
  }
}

variable "tags" {
  description = "Tags for the managed policy."
  type        = map(string)
  default     = {}
  nullable    = false
}
