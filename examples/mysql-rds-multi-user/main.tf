# No endpoint settings: against real AWS this block works as it is, and the local sandbox points it
# elsewhere through AWS_ENDPOINT_URL.
provider "aws" {
  region = var.region
}

locals {
  function_name = "${replace(var.name, "/[^A-Za-z0-9_-]/", "-")}-rotation"
  # The secret RDS creates and manages for the master user (manage_master_user_password).
  master_secret = aws_db_instance.this.master_user_secret[0]
}

# The database. RDS keeps the master credentials in a Secrets Manager secret of its own (only
# username and password, tagged aws:rds:primaryDBInstanceArn) and rotates it itself: the default
# AWS recommends, and nothing here copies or maintains it. Examples are copied into production, so
# the instance has what a production database should (checkov's RDS checks pass, none skipped).
resource "aws_db_instance" "this" {
  # checkov:skip=CKV_AWS_354: Performance Insights data is encrypted with the aws/rds key; set performance_insights_kms_key_id where a customer managed key is required (its key policy must then allow RDS)
  identifier        = var.db_identifier
  engine            = var.engine
  engine_version    = var.engine_version
  instance_class    = var.instance_class
  allocated_storage = 20
  storage_encrypted = true
  port              = var.db_port
  db_name           = var.db_name
  username          = var.master_username

  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.master_kms_key_arn

  db_subnet_group_name = var.db_subnet_group_name
  # null, not [], when none are given: RDS then attaches the VPC's default security group, and an
  # empty list would show as a change on every plan.
  vpc_security_group_ids    = length(var.db_security_group_ids) > 0 ? var.db_security_group_ids : null
  publicly_accessible       = false
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${var.db_identifier}-final"
  copy_tags_to_snapshot     = true
  # Set deletion_protection = false and apply before `terraform destroy`.
  deletion_protection = var.deletion_protection

  # A standby in another Availability Zone; a failover keeps the endpoint, so the secret's host holds.
  multi_az                   = true
  auto_minor_version_upgrade = true

  # IAM database authentication is allowed beside passwords (the rotated user keeps its password).
  iam_database_authentication_enabled = true

  # The server's log (with the statements below) and the upgrade log in CloudWatch Logs; load and
  # OS metrics through Performance Insights (7 days, no charge) and enhanced monitoring.
  parameter_group_name            = aws_db_parameter_group.this.name
  enabled_cloudwatch_logs_exports = ["error", "slowquery"]
  performance_insights_enabled    = true
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.monitoring.arn

  tags = var.tags
}

# TLS only (the secret says "ssl": true, so the rotation verifies the server), and statement
# logging: DDL (CREATE/ALTER/DROP, GRANT: who changed which role, including each
# rotation, which sends a SCRAM verifier and never a password) and statements slower than a second.
resource "aws_db_parameter_group" "this" {
  name   = "${var.db_identifier}-logging"
  family = "${var.engine}${var.engine_version}"

  # TLS only: the rotation's "ssl": true, and every other client too.
  parameter {
    name  = "require_secure_transport"
    value = "1"
  }

  parameter {
    name  = "slow_query_log"
    value = "1"
  }

  parameter {
    name  = "long_query_time"
    value = "1"
  }

  tags = var.tags
}

# Enhanced monitoring: RDS's agent publishes OS metrics with this role (AWS managed policy).
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html
data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.db_identifier}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

data "aws_partition" "current" {}

# Alternating users, logged in as the master from the RDS-managed secret. Every ARN comes from the
# database above in the same apply; which statements the role gets depends only on which inputs
# are set (rds_managed_master, and master_kms_key_arn for the key).
module "function" {
  source = "../../modules/rotation-function"

  name               = local.function_name
  description        = "Rotates ${var.db_username} and ${var.db_username}_clone on ${var.db_identifier}."
  rotation_strategy  = "mysql-multi-user"
  vpc_config         = var.vpc_config
  driver_layer_dir   = var.driver_layer_dir
  database_ca_bundle = var.database_ca_bundle

  password_policy = {
    length = 32
    # The MySQL default (rotator/strategy_registry.py), spelled out: / @ split URIs, quotes and
    # backslash need escaping in option files and shells, : splits user and password in URIs.
    exclude_characters = "/@\"'\\:"
  }

  master_secret_arns  = [local.master_secret.secret_arn]
  master_kms_key_arns = var.master_kms_key_arn != null ? [local.master_secret.kms_key_id] : []
  rds_managed_master = {
    db_instance_arns = [aws_db_instance.this.arn]
  }

  tags = var.tags
}

module "secret" {
  source = "../../modules/rotating-secret"

  name        = var.name
  description = "Credentials of ${var.engine == "mariadb" ? "MariaDB" : "MySQL"} user ${var.db_username} (alternating with ${var.db_username}_clone) on ${var.db_identifier}."

  # AWS's JSON shape for database secrets; masterarn names the RDS-managed secret. Write-only: the
  # password never lands in plan or state.
  secret_string_wo = jsonencode({
    engine    = var.engine
    host      = aws_db_instance.this.address
    port      = aws_db_instance.this.port
    username  = var.db_username
    password  = var.db_password
    dbname    = var.db_name
    ssl       = true
    masterarn = local.master_secret.secret_arn
  })
  secret_string_wo_version = 1

  rotation_function_arn    = module.function.rotation_function_arn
  rotation_role_name       = module.function.rotation_role_name
  create_lambda_permission = true

  rotation_rules = {
    automatically_after_days = 30
  }
  rotate_immediately = var.rotate_immediately

  tags = var.tags
}
