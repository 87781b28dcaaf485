# Each instance is wrong in a way checked against other inputs or the disk; one plan reports all.
provider "aws" {
  region = "us-east-1"
}

module "no_layer" {
  source = "../../../../modules/rotation-function"

  name              = "no-layer"
  rotation_strategy = "postgres-single-user"
  driver_layer_dir  = "${path.root}/layer-never-built"
}

module "multi_without_master" {
  source = "../../../../modules/rotation-function"

  name              = "multi-without-master"
  rotation_strategy = "postgres-multi-user"
  driver_layer_dir  = "${path.root}/../stand_in_layer"
}

module "key_without_master" {
  source = "../../../../modules/rotation-function"

  name                = "key-without-master"
  master_kms_key_arns = ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
}

module "rds_without_master_secret" {
  source = "../../../../modules/rotation-function"

  name               = "rds-without-master-secret"
  rds_managed_master = { db_cluster_arns = ["arn:aws:rds:us-east-1:123456789012:cluster:orders"] }
}

module "clone_set_role_generic" {
  source = "../../../../modules/rotation-function"

  name                    = "clone-set-role-generic"
  database_clone_set_role = true
}
