variable "region" {
  description = "AWS region to create the database, the secret and its rotation function in."
  type        = string
  default     = "eu-west-1"
  nullable    = false
}

variable "name" {
  description = "Name of the application's database secret."
  type        = string
  default     = "example/orders/mysql-app"
  nullable    = false
}

variable "db_identifier" {
  description = "Identifier of the DB instance."
  type        = string
  default     = "example-orders"
  nullable    = false
}

variable "engine" {
  description = "RDS engine of the DB instance: mysql (MySQL 8.0) or mariadb. The secret's engine is the same, and the rotation checks the server is what it says."
  type        = string
  default     = "mysql"

  validation {
    condition     = contains(["mysql", "mariadb"], var.engine)
    error_message = "engine must be \"mysql\" or \"mariadb\"."
  }
}

variable "engine_version" {
  description = "Engine version of the DB instance (for mariadb, e.g. \"10.11\")."
  type        = string
  default     = "8.0"
  nullable    = false
}

variable "instance_class" {
  description = "Instance class of the DB instance."
  type        = string
  default     = "db.t4g.micro"
  nullable    = false
}

variable "db_port" {
  description = "Port the DB instance listens on."
  type        = number
  default     = 3306
  nullable    = false
}

variable "db_name" {
  description = "Database (schema) created in the instance; the secret's dbname."
  type        = string
  default     = "orders"
  nullable    = false
}

variable "master_username" {
  description = "Master user of the DB instance; RDS generates its password and keeps it in a secret of its own."
  type        = string
  default     = "orders_admin"
  nullable    = false
}

variable "master_kms_key_arn" {
  description = "ARN of a customer managed KMS key for the RDS-managed master secret (master_user_secret_kms_key_id). null uses aws/secretsmanager, which needs no grant."
  type        = string
  default     = null
}

variable "db_subnet_group_name" {
  description = "DB subnet group of the instance (private subnets). null uses the default VPC."
  type        = string
  default     = null
}

variable "db_security_group_ids" {
  description = "Security groups of the instance; one must allow the function's security group on the database port. Empty: the VPC's default security group."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "skip_final_snapshot" {
  description = "Whether destroying the stack deletes the database without a final snapshot. Keep false for data you want to keep."
  type        = bool
  default     = false
  nullable    = false
}

variable "deletion_protection" {
  description = "Whether RDS refuses to delete the database. Set false and apply before destroying the stack."
  type        = bool
  default     = true
  nullable    = false
}

variable "db_username" {
  description = "Application user whose password is rotated, alternating with <db_username>_clone. It must exist in db_name and log in with db_password before the first rotation (see README)."
  type        = string
  default     = "orders_app"
  nullable    = false
}

variable "db_password" {
  description = "The application user's current password, written once into the secret (write-only: never in plan or state). The first rotation replaces it."
  type        = string
  nullable    = false
  ephemeral   = true
  sensitive   = true
}

variable "rotate_immediately" {
  description = "Whether to rotate when the rotation is configured. false waits for the schedule, so the application user can be created after the database exists."
  type        = bool
  default     = false
  nullable    = false
}

variable "database_ca_bundle" {
  description = "Path inside the function of the CA bundle the database certificate is verified against (PG_CA_BUNDLE, read by the MySQL strategies too): build the layer with the RDS bundle and use \"/opt/certs/global-bundle.pem\"."
  type        = string
  default     = "/opt/certs/global-bundle.pem"
}

variable "vpc_config" {
  description = "Subnets and security groups for the function, which must reach the database and Secrets Manager (interface endpoint or NAT). null runs the function outside any VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "driver_layer_dir" {
  description = "Directory of a MySQL driver layer (PyMySQL) built beforehand by `make layer` (build/layers/mysql). null has the module build the layer with pip during apply (needs HTTPS access to PyPI or the org's package index)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource the stack creates."
  type        = map(string)
  default     = { stack = "examples/mysql-rds-multi-user" }
  nullable    = false
}
