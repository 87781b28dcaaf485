terraform {
  # Lower bounds only: the root stack pins. Terraform 1.11 and aws 5.88 match the modules that use
  # this one (write-only arguments); archive 2.7 has the `archive_file` resource without a
  # deprecation warning (it builds the zip at apply; 2.5 brought the glob excludes the layer uses).
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
