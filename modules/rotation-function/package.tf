locals {
  # This module lives at modules/rotation-function. A git source (`//modules/...`) downloads the
  # whole repository, so the relative path to the package resolves there as it does in a checkout.
  rotator_dir = "${path.module}/../../rotator"
  # What archive_file packs by directory: package/rotator is a symlink to rotator_dir (a zip made
  # from a directory holds its contents, and the handler needs them under rotator/). archive 2.4+
  # follows symlinked directories; a checkout made without symlinks has a file there instead, which
  # terraform_data.rotator_package's precondition reports.
  package_dir = "${path.module}/package"

  # The rotator's files the zip holds: the package's Python files and nothing else (no tests,
  # caches, documents or hidden files), so the zip (and its hash, and therefore the function)
  # changes only when the code does. Two spellings of one rule: rotator_excludes is what
  # archive_file leaves out of the directory, rotator_files what is left (they must agree, or a
  # saved plan applied elsewhere would miss a zip; tests/modules/test_rotation_function.py checks
  # them against each other). The strategy test helper is a package of its own
  # (rotation_testing/, beside rotator/), so a change to it redeploys nothing.
  rotator_excludes = [
    "**/__pycache__", "**/tests", "**/test", "**/.*",
    "**/test_*.py", "**/*_test.py", "**/conftest.py", "**/*.md", "**/*.pyc",
  ]
  rotator_left_out = "(^|/)(__pycache__|tests?|\\.[^/]*)(/|$)|(^|/)(test_[^/]*|[^/]*_test|conftest)\\.py$|\\.(md|pyc)$"
  rotator_files = [
    for file in fileset(local.rotator_dir, "**") : file
    if !can(regex(local.rotator_left_out, file))
  ]

  # The files the user adds (database_ca_bundle_file, custom_strategy) go in as `source` blocks,
  # which the provider does not combine with source_dir: with them, the rotator's files are
  # `source` blocks too. Without them (most functions) the rotator is packed from its directory,
  # so its 240 KB of source stays out of the configuration, plan, state and plan output: Terraform
  # planned a stack of 12 functions in half the CPU time.
  pack_by_content = var.database_ca_bundle_file != null || var.custom_strategy != null

  # Relative to the directory Terraform runs in (path.root is "."), so a plan made in one checkout
  # names the same file in the checkout that applies it.
  artifacts_dir = coalesce(var.artifacts_dir, "${path.root}/builds")

  # Where database_ca_bundle_file goes in the zip (Lambda unpacks it under /var/task).
  packed_ca_bundle = "ca/database-ca-bundle.pem"
}

# What the zip holds, as a digest known at plan. Packed from a directory, the archive's arguments
# do not change when a file in it does (only its path is an argument), so its refresh would report
# a new hash, the function would be updated, and the apply of a saved plan in a fresh checkout
# would find no zip. A change here replaces the archive instead, and that apply writes the zip
# before the function uploads it (as archive_file.driver_layer does, layer.tf).
resource "terraform_data" "rotator_package" {
  count = var.create ? 1 : 0

  input = sha256(jsonencode({ for file in local.rotator_files : file => filesha256("${local.rotator_dir}/${file}") }))

  lifecycle {
    # Checked before the archive's refresh, which would otherwise pack a file named rotator.
    precondition {
      condition     = try(fileexists("${local.package_dir}/rotator/handler.py"), false)
      error_message = "${local.package_dir}/rotator must be the symlink to ../../../rotator that the repository holds, and is not: the checkout was made without symlinks (on Windows, git config core.symlinks true, then check the module out again)."
    }
  }
}

# A resource, not the data source: the data source writes the zip while planning, so an apply of
# a saved plan in another job (a fresh checkout: CI with separate plan and apply jobs) finds no
# file (hashicorp/terraform-provider-archive#39). The resource writes the zip when it is created,
# in the apply that uploads it, and again at every refresh (each plan), from the contents in state.
#   - First apply, or rotator code changed: terraform_data.rotator_package changes (and, when
#     packed as content, the `source` blocks, RequiresReplace in the provider's schema), which
#     replaces this resource; the apply writes the zip, then uploads it.
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

  # Without the user's files: the rotator's directory. With them: every file as content.
  source_dir = local.pack_by_content ? null : local.package_dir
  excludes   = local.pack_by_content ? null : local.rotator_excludes

  dynamic "source" {
    for_each = local.pack_by_content ? local.rotator_files : []

    content {
      filename = "rotator/${source.value}"
      content  = file("${local.rotator_dir}/${source.value}")
    }
  }

  # The database CA bundle the user supplied (database_ca_bundle_file), as content like the rest.
  dynamic "source" {
    for_each = var.database_ca_bundle_file != null ? [var.database_ca_bundle_file] : []

    content {
      filename = local.packed_ca_bundle
      content  = file(source.value)
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

  lifecycle {
    replace_triggered_by = [terraform_data.rotator_package[count.index]]
  }
}

# `create` added a count: an object planned before it is instance zero now.
moved {
  from = archive_file.this
  to   = archive_file.this[0]
}
