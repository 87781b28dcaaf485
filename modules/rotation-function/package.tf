locals {
  # This module lives at modules/rotation-function. A git source (`//modules/...`) downloads the
  # whole repository, so the relative path to the package resolves there as it does in a checkout.
  rotator_dir = "${path.module}/../../rotator"

  # Tests of a package (the rotator's or a custom strategy's) never ship.
  test_file_pattern = "(^|/)(tests?|__pycache__)/|(^|/)(test_[^/]*|[^/]*_test|conftest)\\.py$"

  # Only the package's Python files: no tests, caches or editor files, so the zip (and its hash, and
  # therefore the function) changes only when the code does.
  # The strategy test helper is a package of its own (rotation_testing/, beside rotator/), so a
  # change to it redeploys nothing.
  rotator_files = [
    for file in fileset(local.rotator_dir, "**/*.py") : file
    if !can(regex(local.test_file_pattern, file))
  ]

  # Relative to the directory Terraform runs in (path.root is "."), so a plan made in one checkout
  # names the same file in the checkout that applies it.
  artifacts_dir = coalesce(var.artifacts_dir, "${path.root}/builds")
}

# A resource, not the data source: the data source writes the zip while planning, so an apply of
# a saved plan in another job (a fresh checkout: CI with separate plan and apply jobs) finds no
# file (hashicorp/terraform-provider-archive#39). The resource writes the zip when it is created,
# in the apply that uploads it, and again at every refresh (each plan), from the contents in state.
#   - First apply, or rotator code changed: the `source` blocks change, which replaces this
#     resource (RequiresReplace in the provider's schema); the apply writes the zip, then uploads it.
#   - Nothing changed: every later plan rebuilds the same bytes at refresh (entries in order, zero
#     times, fixed modes), so the hash in state does not move and the function is not updated.
#   - Lambda also reads the file when `architectures` changes (the AWS provider then calls
#     UpdateFunctionCode with the zip) and when the function is created under a new name: both
#     are in output_path, so either replaces this resource and the apply writes the file first.
resource "archive_file" "this" {
  count = var.create ? 1 : 0

  type        = "zip"
  output_path = "${local.artifacts_dir}/${var.name}-${var.architecture}.zip"
  # File modes otherwise come from disk and differ between machines, changing the hash.
  output_file_mode = "0644"

  dynamic "source" {
    for_each = local.rotator_files

    content {
      filename = "rotator/${source.value}"
      content  = file("${local.rotator_dir}/${source.value}")
    }
  }

  # A custom strategy's files (custom_strategy.tf), beside the rotator: the rotator puts
  # custom_strategy/ on sys.path and imports the class from there. As content, like the
  # rotator's, so a change to them replaces this resource and the apply writes the new zip.
  dynamic "source" {
    for_each = local.custom_strategy_files

    content {
      filename = "custom_strategy/${source.value}"
      content  = file("${var.custom_strategy.source_dir}/${source.value}")
    }
  }
}

# `create` added a count: an object planned before it is instance zero now.
moved {
  from = archive_file.this
  to   = archive_file.this[0]
}
