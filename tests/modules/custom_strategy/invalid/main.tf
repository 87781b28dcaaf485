# Each module call breaks one rule of custom_strategy, policy_statements or policy_arns; one plan
# reports them all (tests/modules/test_custom_strategy.py). The rule that compares two inputs is
# checked in a later phase, which these errors stop: it has its own fixture, invalid_pairing.
provider "aws" {
  region = "us-east-1"
}

module "bad_class" {
  source = "../../../../modules/rotation-function"

  name              = "bad-class"
  rotation_strategy = "custom"
  custom_strategy   = { source_dir = "${path.root}/../fixture/strategy", class = "vendor_x.VendorXKey" }
}

module "missing_module" {
  source = "../../../../modules/rotation-function"

  name              = "missing-module"
  rotation_strategy = "custom"
  custom_strategy   = { source_dir = "${path.root}/../fixture/strategy", class = "vendor_y:VendorYKey" }
}

module "any_action" {
  source = "../../../../modules/rotation-function"

  name              = "any-action"
  policy_statements = { Everything = { actions = ["*"], resources = ["*"] } }
}

module "bad_sid" {
  source = "../../../../modules/rotation-function"

  name              = "bad-sid"
  policy_statements = { "read-parameters" = { actions = ["ssm:GetParameter"], resources = ["*"] } }
}

module "too_many_policies" {
  source = "../../../../modules/rotation-function"

  name        = "too-many-policies"
  policy_arns = { for i in range(11) : "p${i}" => "arn:aws:iam::123456789012:policy/p${i}" }
}

module "bad_layer" {
  source = "../../../../modules/rotation-function"

  name   = "bad-layer"
  layers = ["arn:aws:lambda:us-east-1:123456789012:layer:redis-py"]
}
