terraform {
  # Lower bounds only: the root stack pins. Terraform 1.11 and aws 5.88 match the modules that use
  # this one (write-only arguments); archive 2.4 has the `source` blocks that build the zip.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4"
    }
  }
}
