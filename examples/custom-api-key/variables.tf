variable "region" {
  description = "AWS region to create the secret and its rotation function in."
  type        = string
  default     = "eu-west-1"
  nullable    = false
}

variable "name" {
  description = "Name of the secret."
  type        = string
  default     = "example/vendor/api-key"
  nullable    = false
}

variable "service_url" {
  description = "Base URL of the key service that issues the API key (https://; plain http only to 127.0.0.1 or localhost). Stored in the secret beside the key, so clients and the rotation read it from there."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^https://[^/]+", var.service_url)) || can(regex("^http://(127\\.0\\.0\\.1|localhost)(:[0-9]+)?(/|$)", var.service_url))
    error_message = "service_url must be an https:// URL, for example \"https://keys.example.com\" (plain http only to 127.0.0.1 or localhost)."
  }
}

variable "initial_key_id" {
  description = "Id of the key the service issued by hand for the first rotation to authenticate with; the second rotation revokes it."
  type        = string
  nullable    = false
}

variable "initial_api_key" {
  description = "That key. Ephemeral: it reaches the secret through a write-only argument and never the plan or the state."
  type        = string
  ephemeral   = true
  nullable    = false
}

variable "schedule_expression" {
  description = "When to rotate, in UTC: a rate() or cron() expression. Clients must read the secret again within one interval: the key before the previous one is revoked at each rotation."
  type        = string
  default     = "rate(30 days)"
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource the stack creates."
  type        = map(string)
  default     = { stack = "examples/custom-api-key" }
  nullable    = false
}
