variable "region" {
  description = "AWS region to create the secrets and the rotation function in."
  type        = string
  default     = "eu-west-1"
  nullable    = false
}

variable "function_name" {
  description = "Name of the one rotation function shared by every secret."
  type        = string
  default     = "example-api-keys-rotation"
  nullable    = false
}

variable "name_prefix" {
  description = "Prefix of every secret's name; the map key of secrets follows it."
  type        = string
  default     = "example/api-keys/"
  nullable    = false
}

variable "secrets" {
  description = "Secrets to create and rotate, by a stable key (a map, so adding one never renames another)."
  type = map(object({
    description         = optional(string)
    client_id           = string
    schedule_expression = optional(string, "rate(30 days)")
    duration            = optional(string)
  }))
  default = {
    payments = { client_id = "payments-service", description = "Payments provider API key." }
    search   = { client_id = "search-service", schedule_expression = "cron(0 3 ? * SUN *)", duration = "3h" }
    mail     = { client_id = "mail-service", schedule_expression = "rate(7 days)" }
  }
  nullable = false
}

variable "tags" {
  description = "Tags for every resource the stack creates."
  type        = map(string)
  default     = { stack = "examples/many-secrets" }
  nullable    = false
}
