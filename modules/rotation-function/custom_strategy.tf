# A strategy written by the user (rotator/STRATEGIES.md), packed beside the rotator: its files go
# under custom_strategy/ in the function's zip (package.tf) and CUSTOM_STRATEGY names its class.
locals {
  # ROTATION_STRATEGY for a user's class: rotator/strategies restates it as CUSTOM, and
  # tests/modules/test_custom_strategy.py keeps the two, and the class pattern, in step.
  custom_strategy_name = "custom"
  # A dotted module path, a colon, a class name, as the rotator checks CUSTOM_STRATEGY.
  custom_class_pattern = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$"

  # The module's Python files, tests left out as for the rotator. Python only: file() reads
  # UTF-8 text, and the function's runtime needs nothing else from a pure-Python package.
  custom_strategy_files = var.custom_strategy == null ? [] : [
    for file in fileset(var.custom_strategy.source_dir, "**/*.py") : file
    if !can(regex(local.test_file_pattern, file))
  ]

  custom_strategy_environment = var.custom_strategy == null ? {} : {
    CUSTOM_STRATEGY = var.custom_strategy.class
  }
}
