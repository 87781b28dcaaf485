terraform {
  # Lower bounds only: the root stack pins. Write-only arguments (`secret_string_wo`) need
  # Terraform 1.11 and hashicorp/aws 5.88.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88"
    }
  }
}
