terraform {
  # Lower bounds only: the root stack pins. Write-only arguments (`secret_string_wo`) need
  # Terraform 1.11 and hashicorp/aws 5.88; archive 2.7 for modules/rotation-function's
  # `archive_file` resource.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.7"
    }
  }
}
