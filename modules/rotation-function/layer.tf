# The PostgreSQL strategies' driver (pg8000 and its pure-Python dependencies) as a Lambda layer,
# built by `make layer` into build/layers/postgres (never committed) and zipped here at apply.
# https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
locals {
  # Strategies that log in to PostgreSQL and so need the driver layer.
  postgres_strategies = ["postgres-single-user", "postgres-multi-user"]
  needs_driver_layer  = var.create && contains(local.postgres_strategies, var.rotation_strategy)

  driver_layer_dir = coalesce(var.driver_layer_dir, "${path.module}/../../build/layers/postgres")
  # What the layer zip holds, as archive_file.driver_layer packs it (same excludes).
  driver_layer_files = [
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
      condition     = fileexists("${local.driver_layer_dir}/python/pg8000/__init__.py")
      error_message = "rotation_strategy \"${var.rotation_strategy}\" needs the PostgreSQL driver layer, and ${local.driver_layer_dir} holds none. Build it at the root of the repository with `make layer` (or `python scripts/build_layer.py postgres`), or set driver_layer_dir to a directory built that way. In CI, build it in the plan job and in the apply job."
    }
  }
}

resource "archive_file" "driver_layer" {
  count = local.needs_driver_layer ? 1 : 0

  type        = "zip"
  source_dir  = local.driver_layer_dir
  output_path = "${local.artifacts_dir}/${var.name}-postgres-layer.zip"
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

  layer_name               = "${var.name}-pg8000"
  description              = "pg8000 and its dependencies for the PostgreSQL rotation strategies (scripts/layers/postgres.txt)."
  filename                 = archive_file.driver_layer[0].output_path
  source_code_hash         = archive_file.driver_layer[0].output_base64sha256
  compatible_runtimes      = [var.runtime]
  compatible_architectures = ["arm64", "x86_64"]
}
