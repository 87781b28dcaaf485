variable "region" {
  description = "AWS region to create the secret and its rotation function in."
  type        = string
  default     = "eu-west-1"
  nullable    = false
}

variable "name" {
  description = "Name of the secret."
  type        = string
  default     = "example/orders/mysql"
  nullable    = false
}

variable "db_host" {
  description = "Host name of the MySQL or MariaDB server, e.g. the RDS endpoint address. With db_ssl = true the server's certificate must name it."
  type        = string
  nullable    = false
}

variable "db_port" {
  description = "Port of the MySQL or MariaDB server."
  type        = number
  default     = 3306
  nullable    = false
}

variable "engine" {
  description = "The secret's \"engine\": mysql (also MySQL on RDS), aurora-mysql or mariadb. The rotation checks the server is what it says (the statements differ)."
  type        = string
  default     = "mysql"
  nullable    = false

  validation {
    condition     = contains(["mysql", "aurora-mysql", "mariadb"], var.engine)
    error_message = "engine must be \"mysql\", \"aurora-mysql\" or \"mariadb\"."
  }
}

variable "db_username" {
  description = "Database user whose password is rotated. It must exist and log in with db_password."
  type        = string
  nullable    = false
}

variable "db_password" {
  description = "The user's current password, written once into the secret (write-only: never in plan or state). The first rotation, right after apply, replaces it in the database and the secret."
  type        = string
  nullable    = false
  ephemeral   = true
  sensitive   = true
}

variable "db_ssl" {
  description = "The secret's \"ssl\" key: true requires TLS and verifies the server's certificate and host name, false never uses TLS. null leaves the key out, which the MySQL strategies read as true."
  type        = bool
  default     = true
}

variable "database_ca_bundle" {
  description = "Path inside the function of the CA bundle the database certificate is verified against (PG_CA_BUNDLE, read by the MySQL strategies too). For RDS, build the layer with the RDS bundle (see README) and use \"/opt/certs/global-bundle.pem\". null uses the Lambda runtime's bundle."
  type        = string
  default     = null
}

variable "vpc_config" {
  description = "Subnets and security groups for the function when the database is in a VPC (with a route to Secrets Manager: interface endpoint or NAT). null runs the function outside any VPC."
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
  default     = { stack = "examples/mysql" }
  nullable    = false
}
