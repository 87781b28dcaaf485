variable "region" {
  description = "AWS region to create the secret and its rotation function in."
  type        = string
  default     = "eu-west-1"
  nullable    = false
}

variable "name" {
  description = "Name of the secret that holds the user's key pair."
  type        = string
  default     = "example/ci/deployer-access-key"
  nullable    = false
}

variable "user_name" {
  description = "Name of the IAM user the stack creates and whose access key is rotated."
  type        = string
  default     = "example-ci-deployer"
  nullable    = false
}

variable "user_path" {
  description = "IAM path of the user."
  type        = string
  default     = "/ci/"
  nullable    = false
}

variable "rotation_days" {
  description = "Days between rotations (1 to 1000). A client that reads the secret at least this often never holds a deleted key."
  type        = number
  default     = 30
  nullable    = false
}

variable "tags" {
  description = "Tags for every resource the stack creates."
  type        = map(string)
  default     = { stack = "examples/iam-access-key" }
  nullable    = false
}
