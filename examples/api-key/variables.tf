variable "region" {
  description = "AWS region to create the secret and its rotation function in."
  type        = string
  default     = "eu-west-1"
  nullable    = false
}

variable "name" {
  description = "Name of the secret."
  type        = string
  default     = "example/orders/api-key"
  nullable    = false
}

variable "client_id" {
  description = "Client ID stored next to the API key. Not secret; rotation keeps it as it is."
  type        = string
  default     = "orders-service"
  nullable    = false
}

variable "schedule_expression" {
  description = "When to rotate, in UTC: a rate() or cron() expression with windows at least four hours apart (each window lasts 2h; rate() accepts 4 hours or more)."
  type        = string
  default     = "cron(0 2 ? * MON-FRI *)"
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource the stack creates."
  type        = map(string)
  default     = { stack = "examples/api-key" }
  nullable    = false
}
