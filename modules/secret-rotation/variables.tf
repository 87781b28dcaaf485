variable "create" {
  description = "Create the secret, its function and everything with them. false creates nothing (it reads only the account, partition and region; every output is null), for stacks that switch a secret on per environment; the other inputs are still validated."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name of the secret, for example \"prod/orders/api-key\". The rotation function is named after it unless function_name is set. Passed to rotating-secret, which validates it."
  type        = string
}

variable "description" {
  description = "Description of the secret."
  type        = string
  default     = null
}

variable "kms_key_id" {
  description = "Customer managed KMS key that encrypts the secret: key ARN, key ID, alias name or alias ARN. null uses the AWS managed key aws/secretsmanager. The rotation role is granted the key through Secrets Manager, for this secret only."
  type        = string
  default     = null
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can be restored: 0 (delete at once) or 7 to 30. null uses Secrets Manager's default (30)."
  type        = number
  default     = null
}

variable "secret_string_wo" {
  description = "Initial value of the secret, write-only: it never lands in plan or state. For a JSON secret, every key in rotate_keys must be present. Used only with secret_string_wo_version."
  type        = string
  default     = null
  ephemeral   = true
  sensitive   = true
}

variable "secret_string_wo_version" {
  description = "Version of secret_string_wo. Set it (1) to write the initial value, labelled terraform-initial; it is AWSCURRENT only until the first rotation. Raising it stores a new initial value under that label and never moves AWSCURRENT (rotate to replace the live value). null writes no value."
  type        = number
  default     = null
}

variable "rotation_rules" {
  description = "When to rotate: exactly one of automatically_after_days (1 to 1000) or schedule_expression (rate() or cron(), UTC), and optionally the window duration (\"Nh\"). See AWS docs, \"Rotation schedules\"."
  type = object({
    automatically_after_days = optional(number)
    schedule_expression      = optional(string)
    duration                 = optional(string)
  })
  nullable = false
}

variable "rotate_immediately" {
  description = "Rotate as soon as rotation is configured (and whenever its configuration changes). false waits for the first window."
  type        = bool
  default     = true
  nullable    = false
}

variable "rotate_keys" {
  description = "JSON keys of the secret that each rotation regenerates. Every other key is kept as it is. A secret that is not JSON is replaced whole."
  type        = list(string)
  default     = ["password"]
  nullable    = false
}

variable "password_policy" {
  description = "How new values are generated. Each field left null takes the default of AWS's rotation templates: length 32, exclude_characters :/@\"'\\ for the PostgreSQL strategies and /@\"'\\ for the others, no class excluded, no space, each included class required."
  type = object({
    length                     = optional(number)
    exclude_characters         = optional(string)
    exclude_numbers            = optional(bool)
    exclude_punctuation        = optional(bool)
    exclude_uppercase          = optional(bool)
    exclude_lowercase          = optional(bool)
    include_space              = optional(bool)
    require_each_included_type = optional(bool)
  })
  default  = {}
  nullable = false
}

variable "tags" {
  description = "Tags for the secret, the function, its role and its log group."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "function_name" {
  description = "Name of the rotation function (and its role). null derives it from name: the name followed by \"-rotation\", every character other than A-Z, a-z, 0-9, - and _ replaced by -, shortened with a hash past 64 characters (\"prod/orders/api-key\" gives \"prod-orders-api-key-rotation\")."
  type        = string
  default     = null
}

variable "rotation_strategy" {
  description = "What setSecret and testSecret do. \"generic\" regenerates the keys in rotate_keys and has no downstream system to update."
  type        = string
  default     = "generic"
  nullable    = false
}

variable "log_level" {
  description = "Level of the rotator's JSON logs: DEBUG, INFO, WARNING, ERROR or CRITICAL. Secret values are never logged."
  type        = string
  default     = "INFO"
  nullable    = false
}

variable "secrets_manager_endpoint" {
  description = "Secrets Manager endpoint URL for the rotator's calls (SECRETS_MANAGER_ENDPOINT), for an interface VPC endpoint without private DNS. null uses the regional endpoint."
  type        = string
  default     = null
}

variable "log_retention_in_days" {
  description = "Days CloudWatch Logs keeps the function's logs. 0 keeps them forever."
  type        = number
  default     = 365
  nullable    = false
}

variable "log_kms_key_arn" {
  description = "ARN of a KMS key that encrypts the function's log group. null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "runtime" {
  description = "Lambda Python runtime (python3.11 or later)."
  type        = string
  default     = "python3.12"
  nullable    = false
}

variable "architecture" {
  description = "Instruction set of the function: arm64 or x86_64."
  type        = string
  default     = "arm64"
  nullable    = false
}

variable "timeout" {
  description = "Seconds one rotation step may run."
  type        = number
  default     = 30
  nullable    = false
}

variable "memory_size" {
  description = "Memory in MB for the function."
  type        = number
  default     = 128
  nullable    = false
}

variable "vpc_config" {
  description = "Subnets and security groups to run the function in; it then needs a route to Secrets Manager (interface endpoint or NAT). null runs it outside any VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "role_permissions_boundary" {
  description = "ARN of a managed policy to set as the execution role's permissions boundary."
  type        = string
  default     = null
}

variable "role_name" {
  description = "Name of the function's execution role. null derives it from the function's name. Passed to rotation-function, which validates it."
  type        = string
  default     = null
}

variable "restrict_assume_role_to_account" {
  description = "Add an aws:SourceAccount condition (this account) to the execution role's trust policy, against the confused-deputy problem."
  type        = bool
  default     = false
  nullable    = false
}

variable "artifacts_dir" {
  description = "Directory the function's zip is written to, during the apply that uploads it and at each refresh. null uses builds/ under the directory Terraform runs in. Keep it relative, so that a plan made in one checkout applies in another."
  type        = string
  default     = null
}

variable "notifications" {
  description = "Alerts to an SNS topic: an EventBridge rule for this secret's RotationFailed and RotationAbandoned events, and an alarm on the function's Errors metric. sns_topic_arn uses an existing topic (its policy must let events.amazonaws.com and cloudwatch.amazonaws.com publish); null creates one, encrypted with kms_key_arn or, when null, a new customer managed key. { enabled = false } (the default) creates nothing. create_topic and create_kms_key (null: whether sns_topic_arn, kms_key_arn is null) must be set to false when that ARN comes from a resource in the same apply, unknown at plan."
  type = object({
    enabled        = optional(bool, true)
    sns_topic_arn  = optional(string)
    kms_key_arn    = optional(string)
    errors_alarm   = optional(bool, true)
    create_topic   = optional(bool)
    create_kms_key = optional(bool)
  })
  default  = { enabled = false }
  nullable = false

  validation {
    condition     = var.notifications.sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.notifications.sns_topic_arn))
    error_message = "notifications.sns_topic_arn must be an SNS topic ARN, for example \"arn:aws:sns:eu-west-1:123456789012:rotation-alerts\", or null to create a topic."
  }

  validation {
    condition     = var.notifications.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.notifications.kms_key_arn))
    error_message = "notifications.kms_key_arn must be a customer managed KMS key ARN whose key policy lets events.amazonaws.com and cloudwatch.amazonaws.com use it (the AWS managed alias/aws/sns does not), or null to create one."
  }

  validation {
    condition     = var.notifications.create_topic != true || var.notifications.sns_topic_arn == null
    error_message = "notifications.create_topic = true creates a topic: leave sns_topic_arn null, or set create_topic = false to use that topic."
  }

  validation {
    condition     = var.notifications.create_topic != false || var.notifications.sns_topic_arn != null
    error_message = "notifications.create_topic = false uses an existing topic: set sns_topic_arn to its ARN."
  }

  validation {
    condition     = var.notifications.create_kms_key != false || var.notifications.kms_key_arn != null || var.notifications.sns_topic_arn != null || var.notifications.create_topic == false
    error_message = "notifications.create_kms_key = false encrypts the created topic with an existing key: set kms_key_arn to its ARN."
  }

  validation {
    condition     = var.notifications.sns_topic_arn == null || var.notifications.kms_key_arn == null
    error_message = "notifications.kms_key_arn encrypts a topic this module creates: with an existing sns_topic_arn, leave it null (the topic keeps its own encryption)."
  }
}

variable "replica_regions" {
  description = "Regions to replicate the secret to, each with an optional customer managed key ARN in that region (null uses aws/secretsmanager there). Rotation runs in this region; Secrets Manager copies each new version to the replicas, and the rotation role is granted the replica keys."
  type = map(object({
    kms_key_id = optional(string)
  }))
  default  = {}
  nullable = false
}

variable "resource_policy" {
  description = "A resource policy on the secret that denies secretsmanager:GetSecretValue to every principal except the rotation role and read_principal_arns (wildcards allowed), with block_public_policy. null attaches none. List the role Terraform runs as: the provider reads the secret's versions."
  type = object({
    read_principal_arns = list(string)
    block_public_policy = optional(bool, true)
  })
  default = null
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for the rotation function. null reserves none."
  type        = number
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing of the rotation function: PassThrough (Lambda's default) or Active (the role gets the X-Ray write permissions)."
  type        = string
  default     = "PassThrough"
  nullable    = false
}

variable "environment_kms_key_arn" {
  description = "ARN of a customer managed KMS key that encrypts the function's environment variables. null uses Lambda's AWS managed key; the environment holds no secret. Passed to rotation-function, which validates it."
  type        = string
  default     = null
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code signing configuration, where a pipeline signs the zip with AWS Signer. null deploys without signature checks. Passed to rotation-function, which validates it."
  type        = string
  default     = null
}

variable "driver_layer_dir" {
  description = "Database strategies only: directory of a driver layer built beforehand (`make layer`). null, with driver_layer_arn null, builds the layer with pip during apply. Passed to rotation-function, which validates it."
  type        = string
  default     = null
}

variable "driver_layer_arn" {
  description = "Database strategies only: ARN of a driver layer version published beforehand (modules/driver-layer), for accounts whose Terraform cannot reach a package index; nothing is built then. Passed to rotation-function, which validates it."
  type        = string
  default     = null
}

variable "driver_layer_python" {
  description = "Database strategies only: Python interpreter (with pip) that builds the driver layer during apply when driver_layer_arn and driver_layer_dir are null; needs HTTPS access to PyPI or the org's package index (pip's own configuration applies)."
  type        = string
  default     = "python3"
  nullable    = false
}

variable "database_ca_bundle" {
  description = "Database strategies only: path, inside the function, of the PEM CA bundle that database certificates are verified against (PG_CA_BUNDLE), for example \"/opt/certs/global-bundle.pem\". null uses the Lambda runtime's bundle."
  type        = string
  default     = null
}

variable "database_ca_bundle_file" {
  description = "Database strategies only: path, on the machine running Terraform, of a PEM CA bundle packed into the function and used to verify database certificates (for RDS, the downloaded global-bundle.pem). See modules/rotation-function."
  type        = string
  default     = null
}

variable "database_tls_default" {
  description = "Database strategies only: TLS mode of a secret without \"ssl\": \"verify\" (default) or \"try\". See modules/rotation-function."
  type        = string
  default     = "verify"
  nullable    = false
}

variable "iam_user_secret_tag_key" {
  description = "iam-access-key only: the tag key that binds an IAM user to a secret (value: the secret's ARN). This module binds its user to its secret in the function's configuration, so the user needs no tag; one with this key naming another secret is refused. See modules/rotation-function."
  type        = string
  default     = "rotation-secret-arn"
  nullable    = false
}

variable "database_clone_set_role" {
  description = "postgres-multi-user only: when true, the clone's sessions act as the original user (ALTER ROLE <user>_clone SET role = <user>; PG_CLONE_SET_ROLE), so what it creates belongs to the original user. false: the clone owns what it creates, as with AWS's template."
  type        = bool
  default     = false
  nullable    = false
}

variable "mysql_dual_password" {
  description = "mysql-single-user only, MySQL 8.0.14 and later: keep the previous password working until the next rotation (RETAIN CURRENT PASSWORD; MYSQL_DUAL_PASSWORD). See modules/rotation-function."
  type        = bool
  default     = false
  nullable    = false
}

variable "master_secret_arns" {
  description = "ARNs of the administrator secrets named by this secret's masterarn, for postgres-multi-user, mysql-multi-user or a custom strategy that reads its master through masterarn (ctx.other_secret). The function may read them and never changes them."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "master_kms_key_arns" {
  description = "ARNs of customer managed KMS keys that encrypt the secrets in master_secret_arns (any strategy that reads a master through masterarn)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "rds_managed_master" {
  description = "postgres-multi-user with an RDS-managed master secret (manage_master_user_password): the DB instances and Aurora clusters the secrets in master_secret_arns belong to; the function may then look up their hosts. null: the master secret names its own host. Passed to rotation-function, which validates it."
  type = object({
    db_instance_arns = optional(list(string), [])
    db_cluster_arns  = optional(list(string), [])
  })
  default = null
}

variable "iam_user_arns" {
  description = "iam-access-key only: the ARN of the one IAM user whose access keys the function rotates (exactly one, no wildcard, e.g. aws_iam_user.x.arn). The function may list, create and delete access keys of this user only, and its configuration binds the user (named by the ARN's last path segment) to this secret, so the user needs no tag. See modules/rotation-function."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    # One secret, one user: the binding (rotation-function's iam_user_bindings) names one user.
    condition     = var.rotation_strategy != "iam-access-key" || (length(var.iam_user_arns) == 1 && alltrue([for arn in var.iam_user_arns : !strcontains(arn, "*") && !strcontains(arn, "?")]))
    error_message = "rotation_strategy \"iam-access-key\" rotates the key of one IAM user: set iam_user_arns to exactly one user ARN without wildcards, for example [aws_iam_user.deployer.arn] or [\"arn:aws:iam::123456789012:user/ci/ci-deployer\"]. For several users, use modules/rotation-function and modules/rotating-secret."
  }
}

variable "custom_strategy" {
  description = "Your own strategy, with rotation_strategy = \"custom\": class is \"module:Class\" (e.g. \"vendor_x:VendorXKey\") and source_dir the directory holding the module (e.g. \"$${path.root}/rotation\"), packed beside the rotator (see modules/rotation-function and rotator/STRATEGIES.md). null: a built-in strategy."
  type = object({
    source_dir = string
    class      = string
  })
  default = null
}

variable "layers" {
  description = "ARNs of Lambda layer versions of your own to attach to the function, e.g. a custom strategy's dependencies (Python packages under python/ in the layer). At most five (see modules/rotation-function)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "policy_statements" {
  description = "Extra IAM statements for the function's role, by statement id, for what the strategy calls beyond Secrets Manager: effect (default Allow), actions, resources, optional conditions. Their own inline policy on the role (see modules/rotation-function)."
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
}

variable "policy_arns" {
  description = "Managed IAM policies to attach to the function's role, by a name of your choice. At most 10 (IAM's default per role)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "rotation_events" {
  description = "Send this secret's RotationSucceeded events (with include_failures, RotationFailed and RotationAbandoned too) to your targets, so that consumers reload or redeploy when a new value is AWSCURRENT: an EventBridge rule for this secret and, per target, the permission it needs (see modules/rotation-events for each target's fields). null creates nothing."
  type = object({
    include_failures = optional(bool, false)
    targets = map(object({
      type                   = string
      arn                    = string
      create_resource_policy = optional(bool, true)
      queue_url              = optional(string)
      message_group_id       = optional(string)
      role_arn               = optional(string)
      create_role            = optional(bool)
      dead_letter_queue_arn  = optional(string)
      ecs = optional(object({
        task_definition_arn = string
        launch_type         = optional(string, "FARGATE")
        task_count          = optional(number, 1)
        subnets             = optional(list(string), [])
        security_groups     = optional(list(string), [])
        assign_public_ip    = optional(bool, false)
        pass_role_arns      = optional(list(string), [])
      }))
    }))
  })
  default = null
}
