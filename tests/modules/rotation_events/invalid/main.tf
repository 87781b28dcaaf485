# modules/rotation-events with inputs a user can get wrong (invalid.tfvars): every message at once.
provider "aws" {
  region = "us-east-1"
}

variable "targets" {
  type = any
}

module "events" {
  source = "../../../../modules/rotation-events"

  name        = "orders/db"
  secret_arns = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-AbCdEf"]
  targets     = var.targets
}
