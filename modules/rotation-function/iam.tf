data "aws_iam_policy_document" "assume_role" {
  count = var.create ? 1 : 0

  statement {
    sid     = "LambdaAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    dynamic "condition" {
      for_each = var.restrict_assume_role_to_account ? [local.account_id] : []

      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = local.role_name
  description          = "Execution role of the rotation function ${var.name}."
  assume_role_policy   = data.aws_iam_policy_document.assume_role[0].json
  permissions_boundary = var.role_permissions_boundary
  tags                 = var.tags
}

locals {
  # Every secret whose name starts with the prefix (the random suffix included). Known at plan.
  enrolled_secret_arns = var.enrolled_secrets == null ? null : "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${var.enrolled_secrets.name_prefix}*"
  # The list's length is known at plan even when its elements are not (rule: no count on content).
  kms_secret_arns = concat(var.secret_arns, var.enrolled_secrets != null ? [local.enrolled_secret_arns] : [])

  secretsmanager_via_service = "secretsmanager.${local.region}.${data.aws_partition.current.dns_suffix}"
  ec2_arn_prefix             = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"
}

# Least privilege, following "Permissions for rotation functions" in the Secrets Manager user guide:
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
# No secretsmanager:GetRandomPassword: the rotator generates values itself.
data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0

  statement {
    sid     = "WriteOwnLogs"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # The form AWS documents for a function's own log group (covers the group and its streams).
    resources = ["${local.log_group_arn}:*"]
  }

  # Secrets granted here rather than by each secret (modules/rotating-secret): one statement for
  # many secrets keeps the role under IAM's 10,240-character limit on inline policies per role.
  dynamic "statement" {
    for_each = length(var.secret_arns) > 0 ? [var.secret_arns] : []

    content {
      sid = "RotateSecrets"
      actions = [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
      ]
      resources = statement.value
    }
  }

  # Secrets enrolled by name prefix and tag (ABAC): one statement of constant size however many
  # secrets there are. A secret is rotatable only when its name is under the prefix AND it carries
  # the tag naming this function. The service authorization reference for Secrets Manager lists
  # aws:ResourceTag/${TagKey} (and secretsmanager:ResourceTag/tag-key) among the condition keys of
  # DescribeSecret, GetSecretValue, PutSecretValue and UpdateSecretVersionStage on a secret:
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
  dynamic "statement" {
    for_each = var.enrolled_secrets != null ? [var.enrolled_secrets] : []

    content {
      sid = "RotateEnrolledSecrets"
      actions = [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
      ]
      resources = [local.enrolled_secret_arns]

      condition {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${statement.value.tag_key}"
        values   = [var.name]
      }
    }
  }

  # Secrets encrypted with a customer managed key: the key only through Secrets Manager, and, when
  # the secrets are known, only for them (Secrets Manager sets SecretARN as encryption context).
  # Enrolled secrets count by their ARN pattern (the prefix): KMS sees no secret tag.
  # https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
  dynamic "statement" {
    for_each = length(var.kms_key_arns) > 0 ? [var.kms_key_arns] : []

    content {
      sid       = "UseSecretKeysThroughSecretsManager"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = statement.value

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.secretsmanager_via_service]
      }

      dynamic "condition" {
        for_each = length(local.kms_secret_arns) > 0 ? [local.kms_secret_arns] : []

        content {
          # StringLike: secret_arns may end in -?????? for the random suffix, enrolled secrets in *.
          test     = "StringLike"
          variable = "kms:EncryptionContext:SecretARN"
          values   = condition.value
        }
      }
    }
  }

  # DescribeKey carries no encryption context, so it gets the service condition only.
  dynamic "statement" {
    for_each = length(var.kms_key_arns) > 0 ? [var.kms_key_arns] : []

    content {
      sid       = "DescribeSecretKeysThroughSecretsManager"
      actions   = ["kms:DescribeKey"]
      resources = statement.value

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.secretsmanager_via_service]
      }
    }
  }

  # postgres-multi-user and mysql-multi-user log in as the administrator whose credentials are AWSCURRENT of the
  # secret named by "masterarn": read only (GetSecretValue; the rotator never describes or writes
  # it). AWS docs, "Permissions for rotation functions", alternating users strategy.
  dynamic "statement" {
    for_each = length(var.master_secret_arns) > 0 ? [var.master_secret_arns] : []

    content {
      sid       = "ReadMasterSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(var.master_kms_key_arns) > 0 ? [var.master_kms_key_arns] : []

    content {
      sid       = "DecryptMasterSecretsThroughSecretsManager"
      actions   = ["kms:Decrypt"]
      resources = statement.value

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.secretsmanager_via_service]
      }

      condition {
        test     = "StringLike"
        variable = "kms:EncryptionContext:SecretARN"
        values   = var.master_secret_arns
      }
    }
  }

  # In a VPC, Lambda manages the function's network interfaces with this role. Lambda's guide
  # lists ec2:DescribeSubnets among the execution role's required permissions next to the ENI
  # actions, as AWSLambdaVPCAccessExecutionRole has since its v3 (January 2024):
  # https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
  # Describe actions support no resource-level permissions, hence "*"; they only read metadata.
  dynamic "statement" {
    for_each = var.vpc_config != null ? [1] : []

    content {
      sid       = "DescribeNetworkInterfacesAndSubnets"
      actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
      resources = ["*"]
    }
  }

  # Network interfaces only in the given subnets with the given security groups.
  dynamic "statement" {
    for_each = var.vpc_config != null ? [var.vpc_config] : []

    content {
      sid     = "CreateNetworkInterfacesInOwnSubnets"
      actions = ["ec2:CreateNetworkInterface"]
      resources = concat(
        ["${local.ec2_arn_prefix}:network-interface/*"],
        [for id in statement.value.subnet_ids : "${local.ec2_arn_prefix}:subnet/${id}"],
        [for id in statement.value.security_group_ids : "${local.ec2_arn_prefix}:security-group/${id}"],
      )
    }
  }

  dynamic "statement" {
    for_each = var.vpc_config != null ? [1] : []

    content {
      sid = "ManageNetworkInterfaces"
      actions = [
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["${local.ec2_arn_prefix}:network-interface/*"]
    }
  }
}


resource "aws_iam_role_policy" "this" {
  count = var.create ? 1 : 0

  name   = "rotation-function"
  role   = aws_iam_role.this[0].name
  policy = data.aws_iam_policy_document.this[0].json
}

# `create` added a count: an object planned before it is instance zero now.
moved {
  from = aws_iam_role.this
  to   = aws_iam_role.this[0]
}

# `create` added a count: an object planned before it is instance zero now.
moved {
  from = aws_iam_role_policy.this
  to   = aws_iam_role_policy.this[0]
}
