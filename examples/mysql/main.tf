# No endpoint settings: against real AWS this block works as it is, and the local sandbox points it
# elsewhere through AWS_ENDPOINT_URL.
provider "aws" {
  region = var.region
}

locals {
  function_name = "${replace(var.name, "/[^A-Za-z0-9_-]/", "-")}-rotation"
}

# The rotation function with the mysql-single-user strategy: it logs in as the user and changes
# its own password (sending its hash, never the password). Its layer (PyMySQL) comes from
# `make layer`; plan says so if missing.
module "function" {
  source = "../../modules/rotation-function"

  name               = local.function_name
  description        = "Rotates the MySQL password in ${var.name}."
  rotation_strategy  = "mysql-single-user"
  vpc_config         = var.vpc_config
  driver_layer_dir   = var.driver_layer_dir
  database_ca_bundle = var.database_ca_bundle

  # Passwords the server and every client library accept without quoting surprises.
  password_policy = {
    length             = 32
    exclude_characters = "/@\"'\\:"
  }

  tags = var.tags
}

module "secret" {
  source = "../../modules/rotating-secret"

  name        = var.name
  description = "Credentials of MySQL user ${var.db_username} on ${var.db_host}, rotated every 30 days."

  # AWS's JSON shape for database secrets. Write-only: the password never lands in plan or state,
  # and the first rotation, right after apply, replaces it.
  secret_string_wo = jsonencode(merge(
    {
      engine   = var.engine
      host     = var.db_host
      port     = var.db_port
      username = var.db_username
      password = var.db_password
    },
    # "ssl" only when set: absent means TLS, verified.
    { for key, value in { ssl = var.db_ssl } : key => value if value != null },
  ))
  secret_string_wo_version = 1

  rotation_function_arn    = module.function.rotation_function_arn
  rotation_role_name       = module.function.rotation_role_name
  create_lambda_permission = true

  rotation_rules = {
    automatically_after_days = 30
  }
  rotate_immediately = true

  tags = var.tags
}
