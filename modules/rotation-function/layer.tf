# The database strategies' driver (pg8000 or PyMySQL, and their pure-Python dependencies) as a
# Lambda layer, built by `make layer` into build/layers/<driver> (never committed) and zipped here
# at apply. One definition for every driver: scripts/layers/<driver>.txt pins each.
# https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
locals {
  # Strategies that log in to a database and so need a driver layer, and which one.
  driver_layers = {
    postgres = {
      strategies  = ["postgres-single-user", "postgres-multi-user"]
      probe       = "pg8000/__init__.py"
      layer_name  = "pg8000"
      engine_name = "PostgreSQL"
    }
    mysql = {
      strategies  = ["mysql-single-user", "mysql-multi-user"]
      probe       = "pymysql/__init__.py"
      layer_name  = "pymysql"
      engine_name = "MySQL"
    }
  }
  driver             = one([for name, layer in local.driver_layers : name if contains(layer.strategies, var.rotation_strategy)])
  needs_driver_layer = var.create && local.driver != null

  driver_layer_dir = coalesce(var.driver_layer_dir, "${path.module}/../../build/layers/${coalesce(local.driver, "postgres")}")
  # What the layer zip holds, as archive_file.driver_layer packs it (same excludes).
  driver_layer_files = local.driver == null ? [] : [
    for file in fileset(local.driver_layer_dir, "**") : file
    if !can(regex("(^|/)__pycache__(/|$)|\\.pyc$", file))
  ]
}

# Everything that makes AWS read the layer zip again, known at plan. archive_file.driver_layer
# packs a directory, and new files in a directory do not replace it (only its path is an
# argument): its refresh would report a new hash, the layer version would be replaced, and the
# apply of a saved plan in a fresh checkout would find no zip. A change here replaces the archive
# instead, so that apply writes the zip before it publishes the new version. The runtime is here
# because a new runtime replaces the layer version (all its arguments force a new version).
resource "terraform_data" "driver_layer_inputs" {
  count = local.needs_driver_layer ? 1 : 0

  input = {
    runtime = var.runtime
    files   = sha256(jsonencode({ for file in local.driver_layer_files : file => filesha256("${local.driver_layer_dir}/${file}") }))
  }

  lifecycle {
    # Checked before the archive's refresh, which would otherwise fail on a missing directory.
    precondition {
      condition     = fileexists("${local.driver_layer_dir}/python/${local.driver_layers[local.driver].probe}")
      error_message = "rotation_strategy \"${var.rotation_strategy}\" needs the ${local.driver_layers[local.driver].engine_name} driver layer, and ${local.driver_layer_dir} holds none. Build it at the root of the repository with `make layer` (or `python scripts/build_layer.py ${local.driver}`), or set driver_layer_dir to a directory built that way. In CI, build it in the plan job and in the apply job."
    }
  }
}

resource "archive_file" "driver_layer" {
  count = local.needs_driver_layer ? 1 : 0

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
  count = local.needs_driver_layer ? 1 : 0

  layer_name               = "${var.name}-${local.driver_layers[local.driver].layer_name}"
  description              = "${local.driver_layers[local.driver].layer_name} and its dependencies for the ${local.driver_layers[local.driver].engine_name} rotation strategies (scripts/layers/${local.driver}.txt)."
  filename                 = archive_file.driver_layer[0].output_path
  source_code_hash         = archive_file.driver_layer[0].output_base64sha256
  compatible_runtimes      = [var.runtime]
  compatible_architectures = ["arm64", "x86_64"]
}
