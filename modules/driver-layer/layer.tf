# A database driver as a Lambda layer, built from pinned, hash-checked wheels by pip during the
# apply that publishes it: no build step before Terraform, nothing committed.
# https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
#
# Why at apply, not at plan: a zip written while planning (a data source) is missing when a saved
# plan is applied in another checkout (CI with separate plan and apply jobs). terraform_data's
# provisioner runs in the apply job itself, just before the layer version that reads the zip.
# Nothing at plan needs the zip: the layer is tied to its inputs (the requirements file, whose
# hashes fix every byte pip installs, and the layer's own arguments), all known at plan, so a
# later plan anywhere, with no zip on disk, shows no changes.
locals {
  # This module lives at modules/driver-layer. A git source (`//modules/...`) downloads the whole
  # repository, so the script and the requirements resolve there as they do in a checkout.
  build_script = "${path.module}/../../scripts/build_layer.py"
  requirements = "${path.module}/../../scripts/layers/${var.driver}.txt"
  # Relative to the directory Terraform runs in (path.root is "."), like the function's zip.
  zip_path = "${coalesce(var.artifacts_dir, "${path.root}/builds")}/${var.name}.zip"

  # Every argument of aws_lambda_layer_version.this forces a new version, which reads the zip:
  # each is also a trigger of the build, so the apply that publishes always writes the zip first.
  layer = {
    layer_name          = var.name
    description         = "${var.driver} driver for the database rotation strategies (scripts/layers/${var.driver}.txt)."
    filename            = local.zip_path
    compatible_runtimes = [var.runtime]
  }
}

resource "terraform_data" "build" {
  triggers_replace = merge(local.layer, {
    requirements = fileexists(local.requirements) ? filesha256(local.requirements) : null
  })

  lifecycle {
    precondition {
      condition     = fileexists(local.requirements)
      error_message = "driver \"${var.driver}\" has no requirements file scripts/layers/${var.driver}.txt in this module's repository; use one of the drivers listed there."
    }
  }

  # No shell: the interpreter and its arguments, then the zip's path as the last argument. Pure
  # Python wheels only (--only-binary, no platform given), so one layer serves arm64 and x86_64.
  provisioner "local-exec" {
    interpreter = [
      var.python, local.build_script, var.driver,
      "--python-version", trimprefix(var.runtime, "python"),
      "--zip",
    ]
    command = local.zip_path
  }
}

resource "aws_lambda_layer_version" "this" {
  layer_name               = local.layer.layer_name
  description              = local.layer.description
  filename                 = local.layer.filename
  compatible_runtimes      = local.layer.compatible_runtimes
  compatible_architectures = ["arm64", "x86_64"]
  # No source_code_hash: its value would have to be known at plan, and the zip does not exist
  # then. A new build (new requirements) replaces the version instead.

  lifecycle {
    replace_triggered_by = [terraform_data.build]
  }

  depends_on = [terraform_data.build]
}
