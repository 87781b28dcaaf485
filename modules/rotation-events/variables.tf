variable "name" {
  description = "What the rule is named after: the secret's name for one secret, or a name for the set (\"orders\"). Characters other than A-Z, a-z, 0-9, . _ - become -; the rule is \"<name>-rotated\", shortened with a hash past 64 characters."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.name) >= 1
    error_message = "name must not be empty: pass the secret's name, for example \"prod/orders/db\"."
  }
}

variable "secret_arns" {
  description = "ARNs of the secrets whose rotation events the rule matches (detail.additionalEventData.SecretId). May come from the same apply. Set this or secret_arn_prefix."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "secret_arn_prefix" {
  description = "Match every secret whose ARN starts with this, for a shared function's secrets under one name prefix (\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders/\"): the rule's pattern stays the same size however many secrets there are (a pattern holds 2,048 characters, about 20 ARNs). Set this or secret_arns."
  type        = string
  default     = null

  validation {
    condition     = var.secret_arn_prefix == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:", var.secret_arn_prefix))
    error_message = "secret_arn_prefix must start with a secret ARN's fixed part, for example \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders/\"."
  }

  validation {
    condition     = (var.secret_arn_prefix == null) != (length(var.secret_arns) == 0)
    error_message = "Set exactly one of secret_arns (a list of secret ARNs) and secret_arn_prefix."
  }
}

variable "include_failures" {
  description = "Also send RotationFailed and RotationAbandoned (the events modules/secret-rotation alerts on) to the targets, which tell them apart by detail.eventName. false sends RotationSucceeded only: the moment a new value is AWSCURRENT."
  type        = bool
  default     = false
  nullable    = false
}

variable "targets" {
  description = "Where the events go, by a key of your choice (1 to 32 of A-Z, a-z, 0-9, _ and -). type: lambda, sqs, sns, sfn (a Step Functions state machine) or ecs (arn: the cluster; ecs: the task to run). arn may come from the same apply; type and the flags must be known at plan. create_resource_policy (lambda, sqs, sns): a Lambda permission, or the queue's or topic's whole policy (SQS and SNS keep one policy per queue or topic: set false for one that other senders share, and add resource_policy_statements to it). sfn and ecs: EventBridge assumes role_arn, or a role created here (create_role null: whether role_arn is null; set it when role_arn comes from the same apply). ecs.pass_role_arns: the task's role and execution role, which the role must be allowed to pass."
  type = map(object({
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
  default  = {}
  nullable = false

  validation {
    # EventBridge quotas: five targets per rule.
    condition     = length(var.targets) <= 5
    error_message = "A rule takes at most 5 targets (EventBridge quota): fan out through an SNS topic or a Lambda function for more."
  }

  validation {
    condition     = alltrue([for key in keys(var.targets) : can(regex("^[A-Za-z0-9_-]{1,32}$", key))])
    error_message = "Each key of targets must be 1 to 32 of A-Z, a-z, 0-9, _ and - (it names the target and its permission), for example \"reload\"."
  }

  validation {
    condition     = alltrue([for target in values(var.targets) : contains(["lambda", "sqs", "sns", "sfn", "ecs"], target.type)])
    error_message = "Each target's type must be one of lambda, sqs, sns, sfn, ecs, for example { type = \"sqs\", arn = aws_sqs_queue.reload.arn }."
  }

  validation {
    # An ARN unknown at plan is checked at apply.
    condition = alltrue([
      for target in values(var.targets) :
      can(regex(lookup({
        lambda = "^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$"
        sqs    = "^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\\.fifo)?$"
        sns    = "^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\\.fifo)?$"
        sfn    = "^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]+$"
        ecs    = "^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9_-]+$"
      }, target.type, "^$"), target.arn))
    ])
    error_message = "Each target's arn must be of its type: a function ARN (lambda), queue ARN (sqs), topic ARN (sns), state machine ARN (sfn) or cluster ARN (ecs), for example \"arn:aws:sqs:eu-west-1:123456789012:orders-reload\"."
  }

  validation {
    condition     = alltrue([for target in values(var.targets) : (target.type == "ecs") == (target.ecs != null)])
    error_message = "An ecs target needs ecs = { task_definition_arn = ... } (the task to run), and only an ecs target takes it."
  }

  validation {
    condition     = alltrue([for target in values(var.targets) : contains(["sfn", "ecs"], target.type) || (target.role_arn == null && target.create_role == null)])
    error_message = "role_arn and create_role are for sfn and ecs targets: EventBridge reaches lambda, sqs and sns through their resource policies (create_resource_policy)."
  }

  validation {
    condition     = alltrue([for target in values(var.targets) : target.create_role != false || target.role_arn != null])
    error_message = "A target with create_role = false needs role_arn: the role EventBridge assumes to start the state machine or run the task."
  }
}

variable "tags" {
  description = "Tags for the rule and the roles created here."
  type        = map(string)
  default     = {}
  nullable    = false
}
