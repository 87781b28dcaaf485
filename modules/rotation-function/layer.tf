# The PostgreSQL strategies' driver (pg8000 and its pure-Python dependencies) as a Lambda layer,
# built by `make layer` into build/layers/postgres (never committed) and zipped here at plan.
# https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
locals {
  # Strategies that log in to PostgreSQL and so need the driver layer.
  postgres_strategies = ["postgres-single-user", "postgres-multi-user"]
  needs_driver_layer  = contains(local.postgres_strategies, var.rotation_strategy)

  driver_layer_dir = coalesce(var.driver_layer_dir, "${path.module}/../../build/layers/postgres")
}

data "archive_file" "driver_layer" {
  count = local.needs_driver_layer ? 1 : 0

  type        = "zip"
  source_dir  = local.driver_layer_dir
  output_path = "${local.artifacts_dir}/${var.name}-postgres-layer.zip"
  # Entries in lexical order with zeroed times; fixed modes make the hash the same on every
  # machine for the same versions (scripts/build_layer.py writes no .pyc; excluded in case).
  output_file_mode = "0644"
  excludes         = ["**/__pycache__", "**/__pycache__/**", "**/*.pyc"]

  lifecycle {
    precondition {
      condition     = fileexists("${local.driver_layer_dir}/python/pg8000/__init__.py")
      error_message = "rotation_strategy \"${var.rotation_strategy}\" needs the PostgreSQL driver layer, and ${local.driver_layer_dir} holds none. Build it at the root of the repository with `make layer` (or `python scripts/build_layer.py postgres`), or set driver_layer_dir to a directory built that way."
    }
  }
}

resource "aws_lambda_layer_version" "driver" {
  count = local.needs_driver_layer ? 1 : 0

  layer_name               = "${var.name}-pg8000"
  description              = "pg8000 and its dependencies for the PostgreSQL rotation strategies (scripts/layers/postgres.txt)."
  filename                 = data.archive_file.driver_layer[0].output_path
  source_code_hash         = data.archive_file.driver_layer[0].output_base64sha256
  compatible_runtimes      = [var.runtime]
  compatible_architectures = ["arm64", "x86_64"]
}

locals {
  # PG_CA_BUNDLE only when set: the rotator then uses the Lambda runtime's bundle.
  database_environment = { for name, value in { PG_CA_BUNDLE = var.database_ca_bundle } : name => value if value != null }
}
