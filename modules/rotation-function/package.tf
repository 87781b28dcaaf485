locals {
  # This module lives at modules/rotation-function. A git source (`//modules/...`) downloads the
  # whole repository, so the relative path to the package resolves there as it does in a checkout.
  rotator_dir = "${path.module}/../../rotator"

  # Only the package's Python files: no tests, caches or editor files, so the zip (and its hash, and
  # therefore the function) changes only when the code does.
  rotator_files = [
    for file in fileset(local.rotator_dir, "**/*.py") : file
    if !can(regex("(^|/)(tests?|__pycache__)/|(^|/)(test_[^/]*|[^/]*_test|conftest)\\.py$", file))
  ]

  artifacts_dir = coalesce(var.artifacts_dir, "${path.root}/builds")
}

data "archive_file" "this" {
  type        = "zip"
  output_path = "${local.artifacts_dir}/${var.name}.zip"
  # File modes otherwise come from disk and differ between machines, changing the hash.
  output_file_mode = "0644"

  dynamic "source" {
    for_each = local.rotator_files

    content {
      filename = "rotator/${source.value}"
      content  = file("${local.rotator_dir}/${source.value}")
    }
  }
}
