terraform {
  # Lower bounds only: the root stack pins. terraform_data needs Terraform 1.4; 1.11 matches the
  # other modules of this repository.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.88"
    }
  }
}
