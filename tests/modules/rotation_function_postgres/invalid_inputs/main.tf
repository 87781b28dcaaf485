# Each instance has an input of the wrong form; one plan reports them all.
provider "aws" {
  region = "us-east-1"
}

module "relative_ca_bundle" {
  source = "../../../../modules/rotation-function"

  name               = "relative-ca-bundle"
  database_ca_bundle = "certs/global-bundle.pem"
}

module "master_by_name" {
  source = "../../../../modules/rotation-function"

  name               = "master-by-name"
  master_secret_arns = ["orders/master"]
}

module "master_key_alias" {
  source = "../../../../modules/rotation-function"

  name                = "master-key-alias"
  master_secret_arns  = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/master-AbCdEf"]
  master_kms_key_arns = ["alias/orders"]
}

module "rds_instance_by_name" {
  source = "../../../../modules/rotation-function"

  name               = "rds-instance-by-name"
  master_secret_arns = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"]
  rds_managed_master = { db_instance_arns = ["orders"] }
}

module "rds_without_database" {
  source = "../../../../modules/rotation-function"

  name               = "rds-without-database"
  master_secret_arns = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"]
  rds_managed_master = {}
}
