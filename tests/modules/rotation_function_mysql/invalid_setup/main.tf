# Each instance is wrong in a way checked against other inputs or the disk; one plan reports all.
provider "aws" {
  region = "us-east-1"
}

module "no_layer" {
  source = "../../../../modules/rotation-function"

  name              = "no-layer"
  rotation_strategy = "mysql-single-user"
  driver_layer_dir  = "${path.root}/layer-never-built"
}

module "multi_without_master" {
  source = "../../../../modules/rotation-function"

  name              = "multi-without-master"
  rotation_strategy = "mysql-multi-user"
  driver_layer_dir  = "${path.root}/../stand_in_layer"
}

module "dual_password_multi" {
  source = "../../../../modules/rotation-function"

  name                = "dual-password-multi"
  rotation_strategy   = "mysql-multi-user"
  driver_layer_dir    = "${path.root}/../stand_in_layer"
  master_secret_arns  = ["arn:aws:secretsmanager:us-east-1:123456789012:secret:m-AbCdEf"]
  mysql_dual_password = true
}
