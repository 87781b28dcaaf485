# The database strategies' drivers as Lambda layers, one per driver. Three ways, chosen from
# inputs known at plan:
#   - driver_layer_arn: a layer the org published once (modules/driver-layer, or
#     `scripts/build_layer.py <driver> --zip` and `aws lambda publish-layer-version`); nothing is
#     built here. For accounts whose Terraform cannot reach a package index.
#   - driver_layer_dir: a directory built beforehand (`make layer`), zipped here (archive_file).
#   - neither (the default): modules/driver-layer installs the pinned wheels with pip during the
#     apply that publishes the layer. Works from a git source with no build step.
# https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
locals {
  # Each driver: its requirements are scripts/layers/<driver>.txt, `package` is what a layer
  # built into driver_layer_dir must hold, `strategies` the rotation strategies that import it.
  # A new driver is one line here and its requirements file.
  drivers = {
    postgres = { package = "pg8000", strategies = ["postgres-single-user", "postgres-multi-user"] }
    mysql    = { package = "pymysql", strategies = ["mysql-single-user", "mysql-multi-user"] }
  }
  # Every strategy that logs in to a database (the TLS policy, the master binding and their alarm).
  database_strategies = flatten([for driver in local.drivers : driver.strategies])
  driver              = one([for name, driver in local.drivers : name if contains(driver.strategies, var.rotation_strategy)])
  driver_package      = try(local.drivers[local.driver].package, null)

  needs_driver_layer   = var.create && local.driver != null
  use_driver_layer_dir = local.needs_driver_layer && var.driver_layer_arn == null && var.driver_layer_dir != null
  build_driver_layer   = local.needs_driver_layer && var.driver_layer_arn == null && var.driver_layer_dir == null
  # What the function gets (function.tf): at most one of the three.
  driver_layer_arns = concat(
    local.needs_driver_layer && var.driver_layer_arn != null ? [var.driver_layer_arn] : [],
    aws_lambda_layer_version.driver[*].arn,
    module.driver_layer[*].layer_version_arn,
  )

  driver_layer_dir = coalesce(var.driver_layer_dir, "-")
  # What the layer zip holds, as archive_file.driver_layer packs it (same excludes).
  driver_layer_files = local.use_driver_layer_dir ? [
    for file in fileset(local.driver_layer_dir, "**") : file
    if !can(regex("(^|/)__pycache__(/|$)|\\.pyc$", file))
  ] : []
}

module "driver_layer" {
  source = "../driver-layer"
  count  = local.build_driver_layer ? 1 : 0

  name          = "${var.name}-${local.driver_package}"
  driver        = local.driver
  runtime       = var.runtime
  python        = var.driver_layer_python
  artifacts_dir = local.artifacts_dir
}

# Everything that makes AWS read the layer zip again, known at plan. archive_file.driver_layer
# packs a directory, and new files in a directory do not replace it (only its path is an
# argument): its refresh would report a new hash, the layer version would be replaced, and the
# apply of a saved plan in a fresh checkout would find no zip. A change here replaces the archive
# instead, so that apply writes the zip before it publishes the new version. The runtime is here
# because a new runtime replaces the layer version (all its arguments force a new version).
resource "terraform_data" "driver_layer_inputs" {
  count = local.use_driver_layer_dir ? 1 : 0

  input = {
    runtime = var.runtime
    files   = sha256(jsonencode({ for file in local.driver_layer_files : file => filesha256("${local.driver_layer_dir}/${file}") }))
  }

  lifecycle {
    # Checked before the archive's refresh, which would otherwise fail on a missing directory.
    precondition {
      condition     = fileexists("${local.driver_layer_dir}/python/${local.driver_package}/__init__.py")
      error_message = "rotation_strategy \"${var.rotation_strategy}\" needs the ${local.driver} driver layer, and driver_layer_dir ${local.driver_layer_dir} holds none (no python/${local.driver_package}/). Build it with `python scripts/build_layer.py ${local.driver} --output DIR` (`make layer` for postgres) and point driver_layer_dir at DIR/${local.driver}, or leave driver_layer_dir null to have the module build the layer with pip at apply. In CI, build it in the plan job and in the apply job."
    }
  }
}

resource "archive_file" "driver_layer" {
  count = local.use_driver_layer_dir ? 1 : 0

  type        = "zip"
  source_dir  = local.driver_layer_dir
  output_path = "${local.artifacts_dir}/${var.name}-${local.driver}-layer.zip"
  # Entries in lexical order with zeroed times; fixed modes make the hash the same on every
  # machine for the same versions (scripts/build_layer.py writes no .pyc; excluded in case).
  output_file_mode = "0644"
  excludes         = ["**/__pycache__", "**/__pycache__/**", "**/*.pyc"]

  lifecycle {
    replace_triggered_by = [terraform_data.driver_layer_inputs[count.index]]
  }
}

resource "aws_lambda_layer_version" "driver" {
  count = local.use_driver_layer_dir ? 1 : 0

  layer_name               = "${var.name}-${local.driver_package}"
  description              = "${local.driver} driver for the database rotation strategies (scripts/layers/${local.driver}.txt)."
  filename                 = archive_file.driver_layer[0].output_path
  source_code_hash         = archive_file.driver_layer[0].output_base64sha256
  compatible_runtimes      = [var.runtime]
  compatible_architectures = ["arm64", "x86_64"]
}
