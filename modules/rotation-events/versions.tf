terraform {
  # Lower bounds only: the root stack pins. Terraform 1.11 and aws 5.88 match the other modules
  # (write-only arguments), so one root stack can use them all.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88"
    }
  }
}
