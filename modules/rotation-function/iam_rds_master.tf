# postgres-multi-user and mysql-multi-user with RDS-managed master secrets
# (rotator/strategies/postgres/rds.py, used by both): the
# master secret holds only username and password, so the function reads its aws:rds: tags
# (DescribeSecret) and asks RDS for that database's endpoint. A policy of its own, created only
# with rds_managed_master, so the main policy (iam.tf) is unchanged without it.
#
# Resource-level permissions: DescribeDBInstances takes the "db" resource type and
# DescribeDBClusters the "cluster" type, so each is granted on exactly the databases given.
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html
# Decrypting the master secret needs nothing here: RDS encrypts it with aws/secretsmanager unless
# master_user_secret_kms_key_id names a customer key, which goes in master_kms_key_arns (iam.tf).
data "aws_iam_policy_document" "rds_managed_master" {
  count = var.create && var.rds_managed_master != null ? 1 : 0

  statement {
    sid       = "DescribeRdsManagedMasterSecrets"
    actions   = ["secretsmanager:DescribeSecret"]
    resources = var.master_secret_arns
  }

  dynamic "statement" {
    for_each = length(var.rds_managed_master.db_instance_arns) > 0 ? [var.rds_managed_master.db_instance_arns] : []

    content {
      sid       = "DescribeMasterDbInstances"
      actions   = ["rds:DescribeDBInstances"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(var.rds_managed_master.db_cluster_arns) > 0 ? [var.rds_managed_master.db_cluster_arns] : []

    content {
      sid       = "DescribeMasterDbClusters"
      actions   = ["rds:DescribeDBClusters"]
      resources = statement.value
    }
  }
}

resource "aws_iam_role_policy" "rds_managed_master" {
  count = var.create && var.rds_managed_master != null ? 1 : 0

  name   = "rds-managed-master"
  role   = aws_iam_role.this[0].name
  policy = data.aws_iam_policy_document.rds_managed_master[0].json
}
