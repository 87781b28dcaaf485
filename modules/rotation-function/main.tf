data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  # Strategies the rotator registers (rotator/strategies). Keep this list in step with it.
  rotation_strategies = ["generic", "postgres-single-user", "postgres-multi-user", "mysql-single-user", "mysql-multi-user", "iam-access-key"]
  # EXCLUDE_CHARACTERS when password_policy.exclude_characters is null, per strategy, as
  # rotator/strategies sets it: AWS's PostgreSQL templates also exclude ":" (.pgpass, URIs); the
  # MySQL strategies exclude it too (mysql:// URIs, Go's DSN "user:password@tcp(host)").
  # tests/modules/test_strategy_names.py keeps this map in step with the rotator.
  default_exclude_characters = {
    "generic"              = "/@\"'\\"
    "postgres-single-user" = ":/@\"'\\"
    "postgres-multi-user"  = ":/@\"'\\"
    "mysql-single-user"    = ":/@\"'\\"
    "mysql-multi-user"     = ":/@\"'\\"
    "iam-access-key"       = "/@\"'\\"
  }
  # Not coalesce(): an empty string is a choice ("exclude nothing"), not a missing value.
  exclude_characters = (var.password_policy.exclude_characters != null ? var.password_policy.exclude_characters
  : lookup(local.default_exclude_characters, var.rotation_strategy, local.default_exclude_characters["generic"]))

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # `id` is the region's name in hashicorp/aws 5 and 6; `name` is deprecated in 6 (in favour of
  # `region`, which 5 lacks), and the modules accept both majors.
  region = data.aws_region.current.id

  # A function name is also a valid role name (a subset of the characters, same 64-character cap).
  role_name      = coalesce(var.role_name, var.name)
  log_group_name = "/aws/lambda/${var.name}"
  # Built rather than read from the log group so the policy is known at plan and can be reviewed.
  log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  # The rotator's configuration, with the names of AWS's rotation templates (rotator/README.md).
  environment = merge({
    PASSWORD_LENGTH            = tostring(var.password_policy.length)
    EXCLUDE_CHARACTERS         = local.exclude_characters
    EXCLUDE_NUMBERS            = tostring(var.password_policy.exclude_numbers)
    EXCLUDE_PUNCTUATION        = tostring(var.password_policy.exclude_punctuation)
    EXCLUDE_UPPERCASE          = tostring(var.password_policy.exclude_uppercase)
    EXCLUDE_LOWERCASE          = tostring(var.password_policy.exclude_lowercase)
    INCLUDE_SPACE              = tostring(var.password_policy.include_space)
    REQUIRE_EACH_INCLUDED_TYPE = tostring(var.password_policy.require_each_included_type)
    ROTATE_KEYS                = join(",", var.rotate_keys)
    ROTATION_STRATEGY          = var.rotation_strategy
    LOG_LEVEL                  = var.log_level
    }, var.secrets_manager_endpoint == null ? {} : {
    # A VPC endpoint without private DNS has its own name; AWS's templates read this variable.
    SECRETS_MANAGER_ENDPOINT = var.secrets_manager_endpoint
  })
}
