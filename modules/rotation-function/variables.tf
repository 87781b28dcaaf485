variable "create" {
  description = "Create the function and everything with it. false creates nothing (it reads only the account, partition and region; every output is null or empty), for stacks that switch rotation on per environment; the other inputs are still validated."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name of the Lambda function. Also names its log group (/aws/lambda/ and the name) and, unless role_name is set, its IAM role."
  type        = string

  validation {
    # https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1 to 64 characters from A-Z, a-z, 0-9, hyphen and underscore, for example \"orders-db-rotation\"."
  }
}

variable "description" {
  description = "Description of the Lambda function."
  type        = string
  default     = "Rotates AWS Secrets Manager secrets (rotator.handler)."
  nullable    = false

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters; shorten it."
  }
}

variable "runtime" {
  description = "Lambda Python runtime. The rotator needs Python 3.11 or later."
  type        = string
  default     = "python3.12"
  nullable    = false

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be one of \"python3.11\", \"python3.12\" or \"python3.13\"."
  }
}

variable "architecture" {
  description = "Instruction set of the function. The package is pure Python, so both work; arm64 costs less per GB-second."
  type        = string
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "timeout" {
  description = "Seconds one rotation step may run. Each step makes a few Secrets Manager calls; database strategies also connect to the database."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.timeout >= 3 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 3 to 900, for example 30."
  }
}

variable "memory_size" {
  description = "Memory in MB for the function."
  type        = number
  default     = 128
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240, for example 128."
  }
}

variable "rotation_strategy" {
  description = "What setSecret and testSecret do (ROTATION_STRATEGY). \"generic\" regenerates the keys in rotate_keys and has no downstream system to update; \"custom\" runs your own class (custom_strategy)."
  type        = string
  default     = "generic"
  nullable    = false

  validation {
    condition     = contains(concat(local.rotation_strategies, [local.custom_strategy_name]), var.rotation_strategy)
    error_message = "rotation_strategy must be one of: ${join(", ", concat(local.rotation_strategies, [local.custom_strategy_name]))} (custom: your own class, see custom_strategy)."
  }

  validation {
    # Checked here rather than on custom_strategy (which this rule reads): two rules that read
    # each other's variable make a cycle.
    condition     = (var.rotation_strategy == local.custom_strategy_name) == (var.custom_strategy != null)
    error_message = "custom_strategy and rotation_strategy = \"custom\" go together: set both to use your own strategy (custom_strategy = { source_dir = \"$${path.root}/rotation\", class = \"vendor_x:VendorXKey\" }), or neither."
  }
}

variable "rotate_keys" {
  description = "JSON keys of the secret that each rotation regenerates (ROTATE_KEYS). Every other key is kept as it is."
  type        = list(string)
  default     = ["password"]
  nullable    = false

  validation {
    condition     = length(var.rotate_keys) > 0
    error_message = "rotate_keys must name at least one JSON key, for example [\"password\"]."
  }

  validation {
    # The rotator receives the list as one comma-separated environment variable.
    condition     = alltrue([for key in var.rotate_keys : length(key) > 0 && !strcontains(key, ",") && trimspace(key) == key])
    error_message = "Each entry of rotate_keys must be a non-empty JSON key with no comma and no leading or trailing space, for example \"api_key\"."
  }
}

variable "password_policy" {
  description = "How the rotator generates new values (PASSWORD_LENGTH, EXCLUDE_*, INCLUDE_SPACE, REQUIRE_EACH_INCLUDED_TYPE). Defaults are those of AWS's rotation templates; exclude_characters defaults to :/@\"'\\ for the PostgreSQL strategies and /@\"'\\ for the others."
  type = object({
    length                     = optional(number, 32)
    exclude_characters         = optional(string)
    exclude_numbers            = optional(bool, false)
    exclude_punctuation        = optional(bool, false)
    exclude_uppercase          = optional(bool, false)
    exclude_lowercase          = optional(bool, false)
    include_space              = optional(bool, false)
    require_each_included_type = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.password_policy.length >= 4 && var.password_policy.length <= 4096 && floor(var.password_policy.length) == var.password_policy.length
    error_message = "password_policy.length must be a whole number from 4 to 4096, for example 32."
  }

  validation {
    condition = !(var.password_policy.exclude_numbers && var.password_policy.exclude_punctuation &&
    var.password_policy.exclude_uppercase && var.password_policy.exclude_lowercase && !var.password_policy.include_space)
    error_message = "password_policy excludes every character class: set at least one of exclude_numbers, exclude_punctuation, exclude_uppercase, exclude_lowercase to false."
  }

  validation {
    # With REQUIRE_EACH_INCLUDED_TYPE every included class needs at least one character.
    condition = !var.password_policy.require_each_included_type || var.password_policy.length >= length([
      for excluded in [
        var.password_policy.exclude_numbers, var.password_policy.exclude_punctuation,
        var.password_policy.exclude_uppercase, var.password_policy.exclude_lowercase, !var.password_policy.include_space,
      ] : excluded if !excluded
    ])
    error_message = "password_policy.length is shorter than the number of character classes it requires: raise length or set require_each_included_type = false."
  }
}

variable "log_level" {
  description = "Level of the rotator's JSON logs (LOG_LEVEL). Secret values are never logged at any level."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
  }
}

variable "secrets_manager_endpoint" {
  description = "Secrets Manager endpoint URL for the rotator's calls (SECRETS_MANAGER_ENDPOINT, honoured by AWS's rotation templates too), for an interface VPC endpoint without private DNS, e.g. https://vpce-0123456789abcdef0-abcdefgh.secretsmanager.eu-west-1.vpce.amazonaws.com. null uses the regional endpoint (or the endpoint's private DNS name)."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_manager_endpoint == null || can(regex("^https?://[A-Za-z0-9.-]+(:[0-9]+)?/?$", var.secrets_manager_endpoint))
    error_message = "secrets_manager_endpoint must be a URL with scheme and host only, for example \"https://vpce-0123456789abcdef0-abcdefgh.secretsmanager.eu-west-1.vpce.amazonaws.com\"."
  }
}

variable "secret_arns" {
  description = "ARNs of the secrets this function may rotate, granted in the function's own policy. An ARN may end in -?????? (six ?) for the random suffix, to name a secret before it exists. Leave empty when each secret grants access itself (modules/rotating-secret with rotation_role_name)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+(\\?{6})?$", arn))])
    error_message = "Each entry of secret_arns must be a secret ARN, or one ending in -?????? for the random suffix, for example \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/api-key-AbCdEf\" or \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/api-key-??????\"."
  }
}

variable "enrolled_secrets" {
  description = "Secrets this function may rotate however many there are, with a policy whose size does not grow with their number: those whose name starts with name_prefix and that carry the tag tag_key with the function's name as value (tag them with the secret_enrolment_tags output). null grants nothing this way. Use it for many secrets; secret_arns suits a few named ones."
  type = object({
    name_prefix = string
    tag_key     = optional(string, "rotation-function")
  })
  default = null

  validation {
    # A wildcard would widen the prefix; an empty prefix would leave only the tag to scope the grant.
    condition     = var.enrolled_secrets == null || can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.enrolled_secrets.name_prefix))
    error_message = "enrolled_secrets.name_prefix must be the start of the secrets' names, 1 to 512 characters from A-Z, a-z, 0-9 and /_+=.@- (no * or ?), for example \"team-payments/prod/\"."
  }

  validation {
    # Tag keys: 1 to 128 characters; the aws: prefix is reserved for AWS (Secrets Manager, TagResource).
    condition     = var.enrolled_secrets == null || can(regex("^[A-Za-z0-9 _.:/=+@-]{1,128}$", var.enrolled_secrets.tag_key)) && !startswith(lower(try(var.enrolled_secrets.tag_key, "")), "aws:")
    error_message = "enrolled_secrets.tag_key must be a tag key of 1 to 128 characters from letters, digits, spaces and _.:/=+@-, not starting with \"aws:\", for example \"rotation-function\"."
  }
}

variable "kms_key_arns" {
  description = "ARNs of customer managed KMS keys that encrypt the secrets in secret_arns or enrolled_secrets. The function may use them only through Secrets Manager, and only for those secrets (by encryption context)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    # IAM matches key ARNs only: an alias in Resource grants nothing.
    condition     = alltrue([for arn in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", arn))])
    error_message = "Each entry of kms_key_arns must be a KMS key ARN (not an alias), for example \"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\"."
  }
}

variable "vpc_config" {
  description = "Subnets and security groups to run the function in, for strategies that reach a database in a VPC. The function then needs a route to Secrets Manager (interface endpoint or NAT). null runs it outside any VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition     = var.vpc_config == null || try(length(var.vpc_config.subnet_ids) > 0 && alltrue([for id in var.vpc_config.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))]), false)
    error_message = "vpc_config.subnet_ids must list at least one subnet ID, for example [\"subnet-0123456789abcdef0\"]."
  }

  validation {
    condition     = var.vpc_config == null || try(length(var.vpc_config.security_group_ids) > 0 && alltrue([for id in var.vpc_config.security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))]), false)
    error_message = "vpc_config.security_group_ids must list at least one security group ID, for example [\"sg-0123456789abcdef0\"]."
  }
}

variable "log_retention_in_days" {
  description = "Days CloudWatch Logs keeps the function's logs. 0 keeps them forever."
  type        = number
  default     = 365
  nullable    = false

  validation {
    # https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key that encrypts the function's log group. null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN (CloudWatch Logs accepts no alias or key ID), for example \"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\"."
  }
}

variable "role_name" {
  description = "Name of the execution role. null derives it from name."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1 to 64 characters from A-Z, a-z, 0-9 and +=,.@_-, for example \"orders-db-rotation\"."
  }
}

variable "role_permissions_boundary" {
  description = "ARN of a managed policy to set as the execution role's permissions boundary, where the account requires one."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.role_permissions_boundary))
    error_message = "role_permissions_boundary must be an IAM policy ARN, for example \"arn:aws:iam::123456789012:policy/boundary\"."
  }
}

variable "restrict_assume_role_to_account" {
  description = "Add an aws:SourceAccount condition (this account) to the role's trust policy, against the confused-deputy problem."
  type        = bool
  default     = false
  nullable    = false
}

variable "artifacts_dir" {
  description = "Directory the function's zip (and the driver layer's) is written to, during the apply that uploads it and at each refresh. null uses builds/ under the directory Terraform runs in. Keep it relative, so that a plan made in one checkout applies in another, and out of version control (*.zip is in .gitignore)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the function, its role and its log group."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for the function, which also caps it. null reserves none (the account's unreserved pool). Each secret rotating at the same time takes one; a throttled step fails that rotation."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be a whole number, 0 or more (0 stops every invocation), for example 5, or null to reserve none."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing of the function: PassThrough (Lambda's default: only requests that arrive sampled) or Active (sample every invocation; the role gets xray:PutTraceSegments and xray:PutTelemetryRecords)."
  type        = string
  default     = "PassThrough"
  nullable    = false

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be \"PassThrough\" or \"Active\"."
  }
}

variable "environment_kms_key_arn" {
  description = "ARN of a customer managed KMS key that encrypts the function's environment variables. null uses Lambda's AWS managed key; the environment holds no secret."
  type        = string
  default     = null

  validation {
    condition     = var.environment_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.environment_kms_key_arn))
    error_message = "environment_kms_key_arn must be a KMS key ARN, for example \"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\"."
  }
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code signing configuration, where a pipeline signs the zip with AWS Signer. null deploys without signature checks."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:code-signing-config:csc-[a-z0-9]{17}$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code signing configuration ARN, for example \"arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0\"."
  }
}

variable "errors_alarm" {
  description = "A CloudWatch alarm on the function's Errors metric that notifies an SNS topic (sns_topic_arn) when errors reach threshold in period seconds. null creates no alarm. The topic's policy must let cloudwatch.amazonaws.com publish; with KMS, its key policy too."
  type = object({
    sns_topic_arn      = string
    threshold          = optional(number, 1)
    period             = optional(number, 300)
    evaluation_periods = optional(number, 1)
  })
  default = null

  validation {
    condition     = var.errors_alarm == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.errors_alarm.sns_topic_arn))
    error_message = "errors_alarm.sns_topic_arn must be an SNS topic ARN, for example \"arn:aws:sns:eu-west-1:123456789012:rotation-alerts\"."
  }

  validation {
    # CloudWatch accepts 10, 30 or any multiple of 60 seconds; Lambda metrics are per minute.
    condition     = var.errors_alarm == null || try(var.errors_alarm.period >= 60 && var.errors_alarm.period % 60 == 0 && var.errors_alarm.threshold >= 1 && var.errors_alarm.evaluation_periods >= 1, false)
    error_message = "errors_alarm.period must be a multiple of 60 seconds (Lambda publishes its metrics per minute), threshold and evaluation_periods at least 1, for example { sns_topic_arn = \"...\", period = 300, threshold = 1 }."
  }
}

variable "driver_layer_dir" {
  description = "Directory of a driver layer built beforehand (python/ inside), for example build/layers/postgres from `make layer`: zipped and attached when rotation_strategy needs a database driver, and plan fails with the command to run if it holds no driver. null (with driver_layer_arn null) has the module build the layer with pip during apply (modules/driver-layer)."
  type        = string
  default     = null
}

variable "driver_layer_arn" {
  description = "ARN of a driver layer version published beforehand (modules/driver-layer, or `scripts/build_layer.py <driver> --zip` and `aws lambda publish-layer-version`), for accounts whose Terraform cannot reach a package index. Used when rotation_strategy needs a database driver; nothing is built then. null builds the layer (see driver_layer_dir)."
  type        = string
  default     = null

  validation {
    condition     = var.driver_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.driver_layer_arn))
    error_message = "driver_layer_arn must be a layer version ARN, for example \"arn:aws:lambda:eu-west-1:123456789012:layer:orders-db-rotation-pg8000:3\" (with the version number)."
  }

  validation {
    condition     = var.driver_layer_arn == null || var.driver_layer_dir == null
    error_message = "driver_layer_arn and driver_layer_dir exclude each other: set one (or neither, to build the layer with pip at apply)."
  }
}

variable "driver_layer_python" {
  description = "Python interpreter (with pip) that builds the driver layer during apply when driver_layer_arn and driver_layer_dir are null. pip runs with the configuration of the machine that runs Terraform (pip.conf, PIP_INDEX_URL, proxy variables), so that machine needs HTTPS access to PyPI or to the org's package index."
  type        = string
  default     = "python3"
  nullable    = false
}

variable "database_ca_bundle" {
  description = "Path, inside the function, of a PEM CA bundle that database TLS certificates are verified against (PG_CA_BUNDLE), for example \"/opt/certs/global-bundle.pem\" for the RDS bundle built into the layer with `scripts/build_layer.py postgres --ca-bundle global-bundle.pem`. null uses the Lambda runtime's bundle, which does not include the RDS CAs."
  type        = string
  default     = null

  validation {
    condition     = var.database_ca_bundle == null || can(regex("^/[^\\s]+$", var.database_ca_bundle))
    error_message = "database_ca_bundle must be an absolute path inside the function without spaces, for example \"/opt/certs/global-bundle.pem\" (layers are mounted under /opt, the zip under /var/task)."
  }
}

variable "database_tls_default" {
  description = "Database strategies: the TLS mode of a secret without \"ssl\" (DATABASE_TLS_DEFAULT). \"verify\" requires TLS with a certificate that chains to the CA bundle and names the host; \"try\" is AWS's templates' behaviour, tightened (verify, else TLS without verification but with channel binding, never plaintext), and raises the tls_fallback alarm when it falls back. Weaker modes (\"unverified\", \"plaintext\") only per secret, written in its \"ssl\" key."
  type        = string
  default     = "verify"
  nullable    = false

  validation {
    condition     = contains(["verify", "try"], var.database_tls_default)
    error_message = "database_tls_default must be \"verify\" or \"try\"; write \"ssl\": \"unverified\" or false into a secret that needs less."
  }
}

variable "database_ca_bundle_file" {
  description = "Database strategies: path, on the machine running Terraform, of a PEM CA bundle to pack into the function's zip (ca/database-ca-bundle.pem) and verify database certificates against (DATABASE_CA_BUNDLE). The Lambda Python runtime's trust store does not hold the RDS CAs: for RDS and Aurora, download https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem (or your region's bundle) next to your stack and pass \"$${path.root}/global-bundle.pem\". null: database_ca_bundle, else the runtime's store."
  type        = string
  default     = null

  validation {
    condition     = var.database_ca_bundle_file == null || can(regex("-----BEGIN CERTIFICATE-----", file(var.database_ca_bundle_file)))
    error_message = "database_ca_bundle_file must name a readable PEM file with at least one CERTIFICATE block, for example \"$${path.root}/global-bundle.pem\" downloaded from https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem."
  }
}

variable "database_clone_set_role" {
  description = "postgres-multi-user only: when true, the clone (<user>_clone) is made to act as the original user in every session (ALTER ROLE <user>_clone SET role = <user>; PG_CLONE_SET_ROLE), so the tables and other objects it creates belong to the original user. false keeps AWS's behaviour: the clone owns what it creates."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !var.database_clone_set_role || var.rotation_strategy == "postgres-multi-user"
    error_message = "database_clone_set_role applies to rotation_strategy = \"postgres-multi-user\" only: set it to false or change rotation_strategy."
  }
}

variable "mysql_dual_password" {
  description = "mysql-single-user only, MySQL 8.0.14 and later: change the password with RETAIN CURRENT PASSWORD (MYSQL_DUAL_PASSWORD), so AWSPREVIOUS keeps logging in until the next rotation. MySQL offers this only with the password itself in the statement: it is sent over TLS with a verified certificate only, and MySQL rewrites it out of its logs. The user needs APPLICATION_PASSWORD_ADMIN. Tested only on the statements' text (no MySQL 8 in the tests). false: the hashed form, no secondary password."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !var.mysql_dual_password || var.rotation_strategy == "mysql-single-user"
    error_message = "mysql_dual_password applies to rotation_strategy = \"mysql-single-user\" only: set it to false or change rotation_strategy."
  }
}

variable "master_secret_arns" {
  description = "ARNs of the administrator secrets the strategy logs in with: the masterarn of each secret it rotates, read by postgres-multi-user, mysql-multi-user (MASTER_SECRET_ARNS: a secret naming any other is refused) or a custom strategy (ctx.other_secret). The function may read them (GetSecretValue) and never changes them. Required with postgres-multi-user and mysql-multi-user; with a custom strategy, list the secrets it reads through masterarn."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    # "!": RDS names the master secrets it manages rds!db-<id> and rds!cluster-<id>.
    condition     = alltrue([for arn in var.master_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+(\\?{6})?$", arn))])
    error_message = "Each entry of master_secret_arns must be a secret ARN, or one ending in -?????? for the random suffix, for example \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/master-AbCdEf\"."
  }

  validation {
    condition     = !contains(["postgres-multi-user", "mysql-multi-user"], var.rotation_strategy) || length(var.master_secret_arns) > 0
    error_message = "rotation_strategy \"${var.rotation_strategy}\" logs in as an administrator: set master_secret_arns to the ARN of the secret each rotated secret names in \"masterarn\"."
  }
}

variable "master_kms_key_arns" {
  description = "ARNs of customer managed KMS keys that encrypt the secrets in master_secret_arns (any strategy that reads a master through masterarn). The function may decrypt with them only through Secrets Manager and only for those secrets."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.master_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", arn))])
    error_message = "Each entry of master_kms_key_arns must be a KMS key ARN (not an alias), for example \"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\"."
  }

  validation {
    # The key is granted for the master secrets only (kms:EncryptionContext:SecretARN).
    condition     = length(var.master_kms_key_arns) == 0 || length(var.master_secret_arns) > 0
    error_message = "master_kms_key_arns is set without master_secret_arns: list the master secrets those keys encrypt."
  }
}

variable "rds_managed_master" {
  description = "postgres-multi-user or mysql-multi-user with RDS-managed master secrets (manage_master_user_password): the DB instances and Aurora clusters those secrets in master_secret_arns belong to. The function may then describe the master secrets (their aws:rds: tags) and call DescribeDBInstances or DescribeDBClusters on exactly these databases. null: every master secret names its own host."
  type = object({
    db_instance_arns = optional(list(string), [])
    db_cluster_arns  = optional(list(string), [])
  })
  default = null

  validation {
    condition     = var.rds_managed_master == null || alltrue([for arn in try(var.rds_managed_master.db_instance_arns, []) : can(regex("^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:db:[a-z][a-z0-9-]*$", arn))])
    error_message = "Each entry of rds_managed_master.db_instance_arns must be a DB instance ARN, for example \"arn:aws:rds:eu-west-1:123456789012:db:orders\" (aws_db_instance.x.arn)."
  }

  validation {
    condition     = var.rds_managed_master == null || alltrue([for arn in try(var.rds_managed_master.db_cluster_arns, []) : can(regex("^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:cluster:[a-z][a-z0-9-]*$", arn))])
    error_message = "Each entry of rds_managed_master.db_cluster_arns must be a DB cluster ARN, for example \"arn:aws:rds:eu-west-1:123456789012:cluster:orders\" (aws_rds_cluster.x.arn)."
  }

  validation {
    condition     = var.rds_managed_master == null || (length(try(var.rds_managed_master.db_instance_arns, [])) + length(try(var.rds_managed_master.db_cluster_arns, []))) > 0
    error_message = "rds_managed_master names no database: list the DB instance (db_instance_arns) or Aurora cluster (db_cluster_arns) each RDS-managed master secret belongs to, or set it to null."
  }

  validation {
    condition     = var.rds_managed_master == null || length(var.master_secret_arns) > 0
    error_message = "rds_managed_master is set without master_secret_arns: list the RDS-managed master secrets (aws_db_instance.x.master_user_secret[0].secret_arn)."
  }
}

variable "iam_user_arns" {
  description = "iam-access-key only: ARNs of the IAM users whose access keys the function rotates, or a path wildcard (arn:aws:iam::123456789012:user/ci/*). The function may list, create and delete access keys of these users only. Required with iam-access-key."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.iam_user_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:user/.+$", arn))])
    error_message = "Each entry of iam_user_arns must be an IAM user ARN or a path wildcard, for example \"arn:aws:iam::123456789012:user/ci-deployer\" or \"arn:aws:iam::123456789012:user/ci/*\"."
  }

  validation {
    condition     = var.rotation_strategy != "iam-access-key" || length(var.iam_user_arns) > 0
    error_message = "rotation_strategy \"iam-access-key\" creates and deletes access keys: set iam_user_arns to the ARNs of the users (or a path wildcard such as arn:aws:iam::123456789012:user/ci/*)."
  }

  validation {
    # Whoever may create and tag a secret under the enrolment prefix could name any user in
    # iam_user_arns; the user's tag refuses that at rotation, but a grant that wide is refused here.
    condition     = length(var.iam_user_arns) == 0 || var.rotation_strategy != "iam-access-key" || var.enrolled_secrets == null
    error_message = "rotation_strategy \"iam-access-key\" cannot be combined with enrolled_secrets: list the key-pair secrets in secret_arns instead (and tag each IAM user with iam_user_secret_tag_key = the secret's ARN)."
  }
}

variable "iam_user_secret_tag_key" {
  description = "iam-access-key only: the tag key an administrator sets on each IAM user, with the ARN of the one secret that holds the user's key pair as value (IAM_USER_SECRET_TAG_KEY). The function rotates a user's keys only for the secret its tag names, so the \"UserName\" a secret's writer stores cannot steer it to another user."
  type        = string
  default     = "rotation-secret-arn"
  nullable    = false

  validation {
    # IAM tag keys: 1 to 128 characters; aws: is reserved.
    condition     = can(regex("^[A-Za-z0-9 _.:/=+@-]{1,128}$", var.iam_user_secret_tag_key)) && !startswith(lower(var.iam_user_secret_tag_key), "aws:")
    error_message = "iam_user_secret_tag_key must be a tag key of 1 to 128 characters from letters, digits, spaces and _.:/=+@-, not starting with \"aws:\", for example \"rotation-secret-arn\"."
  }
}

variable "iam_user_bindings" {
  description = "iam-access-key only: secret ARN => the name of the IAM user whose keys the function rotates for that secret (IAM_USER_BINDINGS, JSON). A secret listed here needs no iam_user_secret_tag_key tag on its user (a tag naming another secret is refused), and a user listed here is refused to every other secret; changing it takes a change of the function, not of the secret. Values (and keys) may be unknown until apply, e.g. aws_iam_user.x.name and aws_secretsmanager_secret.y.arn. For a few secrets: Lambda caps a function's environment at 4 KB, so bind many secrets with the tag instead. modules/secret-rotation sets it for its one secret."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for arn in keys(var.iam_user_bindings) : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+$", arn))])
    error_message = "Each key of iam_user_bindings must be a whole secret ARN (no wildcard), for example \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/deployer-AbCdEf\" (aws_secretsmanager_secret.x.arn)."
  }

  validation {
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html (UserName)
    condition     = alltrue([for user in values(var.iam_user_bindings) : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", user))])
    error_message = "Each value of iam_user_bindings must be an IAM user name (1 to 64 of letters, digits and +=,.@_-), not an ARN, for example \"ci-deployer\" (aws_iam_user.x.name)."
  }

  validation {
    condition     = length(distinct(values(var.iam_user_bindings))) == length(var.iam_user_bindings)
    error_message = "iam_user_bindings binds one IAM user to more than one secret: a user has one key pair, so bind each user to one secret."
  }

  validation {
    condition     = length(var.iam_user_bindings) == 0 || var.rotation_strategy == "iam-access-key"
    error_message = "iam_user_bindings is for rotation_strategy \"iam-access-key\": remove it, or set rotation_strategy = \"iam-access-key\"."
  }

  validation {
    # Lambda: "The total size of all environment variables doesn't exceed 4 KB"; leave room for
    # the rotator's other settings (about 500 bytes).
    condition     = length(jsonencode(var.iam_user_bindings)) <= 3000
    error_message = "iam_user_bindings is too long for the function's environment (Lambda allows 4 KB in all): bind the users of the other secrets with their iam_user_secret_tag_key tag instead."
  }
}

variable "custom_strategy" {
  description = "Your own strategy, with rotation_strategy = \"custom\": class is \"module:Class\" (e.g. \"vendor_x:VendorXKey\" for the class VendorXKey in vendor_x.py) and source_dir the directory holding the module (e.g. the rotation/ directory of your stack, under path.root). Its .py files, tests left out, are packed under custom_strategy/ in the function's zip and the function loads the class (CUSTOM_STRATEGY). The interface: rotator/STRATEGIES.md. null: a built-in strategy."
  type = object({
    source_dir = string
    class      = string
  })
  default = null

  validation {
    condition     = var.custom_strategy == null || can(regex(local.custom_class_pattern, var.custom_strategy.class))
    error_message = "custom_strategy.class must be a module path, a colon and a class name, for example \"vendor_x:VendorXKey\" (the class VendorXKey in vendor_x.py) or \"acme.keys:Rotating\" (acme/keys.py)."
  }

  validation {
    # Only for a well-formed class: the rule above reports the others.
    condition = var.custom_strategy == null || !can(regex(local.custom_class_pattern, try(var.custom_strategy.class, ""))) || try(
      fileexists("${var.custom_strategy.source_dir}/${replace(split(":", var.custom_strategy.class)[0], ".", "/")}.py") ||
      fileexists("${var.custom_strategy.source_dir}/${replace(split(":", var.custom_strategy.class)[0], ".", "/")}/__init__.py"),
    false)
    error_message = "custom_strategy.source_dir holds no file for the module that custom_strategy.class names: put the module there (vendor_x:VendorXKey needs vendor_x.py in source_dir), or point source_dir at the directory holding it (relative to the stack: \"$${path.root}/rotation\")."
  }
}

variable "layers" {
  description = "ARNs of Lambda layer versions of your own to attach to the function (after the PostgreSQL driver layer, in this order), e.g. a custom strategy's dependencies that do not belong in source_dir (compiled, or shared). Python packages go under python/ in the layer. Lambda attaches at most five layers to a function."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.layers : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", arn))])
    error_message = "Each entry of layers must be a layer version ARN, ending in the version number, for example \"arn:aws:lambda:eu-west-1:123456789012:layer:redis-py:3\" (aws_lambda_layer_version.x.arn)."
  }

  validation {
    condition     = length(var.layers) <= 5
    error_message = "layers lists more than five layers: Lambda attaches at most five to a function (the PostgreSQL strategies use one of them for the driver)."
  }
}

variable "policy_statements" {
  description = "Extra IAM statements for the function's role, by statement id (letters and digits), for what a strategy calls beyond Secrets Manager (a custom strategy's service, parameters, keys). Each is effect (default Allow), actions, resources and optional conditions ({ test, variable, values }). They go into their own inline policy, rotation-function-additional, which counts toward IAM's 10,240-character limit on a role's inline policies; use policy_arns for large grants."
  type = map(object({
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default  = {}
  nullable = false

  validation {
    # IAM statement ids: "The Sid element supports ASCII uppercase letters (A-Z), lowercase letters (a-z), and numbers (0-9)".
    condition     = alltrue([for sid in keys(var.policy_statements) : can(regex("^[A-Za-z0-9]+$", sid))])
    error_message = "Each key of policy_statements is the statement id: letters and digits only, for example \"CallVendorApi\"."
  }

  validation {
    condition     = alltrue([for s in values(var.policy_statements) : contains(["Allow", "Deny"], s.effect)])
    error_message = "Each policy_statements entry's effect must be \"Allow\" or \"Deny\"."
  }

  validation {
    # Least privilege: name the actions and the resources.
    condition     = alltrue([for s in values(var.policy_statements) : length(s.actions) > 0 && length(s.resources) > 0 && !contains(s.actions, "*")])
    error_message = "Each policy_statements entry needs actions and resources, and no action \"*\": name the actions the strategy calls, for example actions = [\"ssm:GetParameter\"], resources = [\"arn:aws:ssm:eu-west-1:123456789012:parameter/vendor-x/*\"]."
  }

  validation {
    # The role already reads every secret it rotates and the master secrets: a service-wide
    # wildcard over every resource of the services that hold or hand out credentials would let
    # a strategy (or whoever controls its code) become anyone.
    condition = alltrue([for s in values(var.policy_statements) : s.effect == "Deny" || !anytrue([
      for a in s.actions : can(regex("^\\*:\\*$", a)) || (contains(s.resources, "*") && can(regex("^(?i)(iam|kms|sts|secretsmanager|lambda):\\*$", a)))
    ])])
    error_message = "policy_statements may not allow \"*:*\", nor iam:*, kms:*, sts:*, secretsmanager:* or lambda:* on resources = [\"*\"]: name the actions (e.g. \"kms:Decrypt\") and the resources (the key's or secret's ARN) the strategy needs."
  }
}

variable "policy_arns" {
  description = "Managed IAM policies to attach to the function's role, by a name of your choice (the key keeps the attachment's address stable; the ARN may come from the same apply). At most 10: IAM's default quota of managed policies per role, of which this module uses none."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: "Managed policies attached to an IAM role: 10" (default).
    condition     = length(var.policy_arns) <= 10
    error_message = "policy_arns attaches more than 10 managed policies, IAM's default quota per role: merge policies, or move statements into policy_statements."
  }

  validation {
    condition     = alltrue([for arn in values(var.policy_arns) : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", arn))])
    error_message = "Each value of policy_arns must be an IAM policy ARN, for example \"arn:aws:iam::123456789012:policy/vendor-x-api\"."
  }

  validation {
    condition     = !anytrue([for arn in values(var.policy_arns) : can(regex("^arn:aws[a-z-]*:iam::aws:policy/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$", arn))])
    error_message = "policy_arns may not attach AdministratorAccess, PowerUserAccess or IAMFullAccess: the function runs whatever code its strategy is, for every secret it rotates. Write a policy with the actions and resources the strategy calls and attach that."
  }
}
