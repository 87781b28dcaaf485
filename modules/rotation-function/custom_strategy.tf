# A strategy written by the user (rotator/STRATEGIES.md), packed beside the rotator: its files go
# under custom_strategy/ in the function's zip (package.tf) and CUSTOM_STRATEGY names its class.
locals {
  # ROTATION_STRATEGY for a user's class: rotator/strategies restates it as CUSTOM, and
  # tests/modules/test_custom_strategy.py keeps the two, and the class pattern, in step.
  custom_strategy_name = "custom"
  # Tests of a custom strategy never ship (the rotator's files follow package.tf's rule).
  test_file_pattern = "(^|/)(tests?|__pycache__)/|(^|/)(test_[^/]*|[^/]*_test|conftest)\\.py$"
  # A dotted module path, a colon, a class name, as the rotator checks CUSTOM_STRATEGY.
  custom_class_pattern = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$"

  # Every file under source_dir, so that what a library reads at runtime besides its code (its
  # *.dist-info metadata, data files) reaches the zip as pip install --target left it. Left out:
  # tests (test/ and tests/ folders, test_*.py, *_test.py, conftest.py: test_file_pattern),
  # caches and compiled files (__pycache__/, *.pyc), hidden files and folders (.git/, .venv/,
  # .DS_Store), and everything inside a virtualenv (a folder holding
  # pyvenv.cfg: its packages are built for this machine, not for Lambda).
  custom_strategy_all_files = var.custom_strategy == null ? [] : fileset(var.custom_strategy.source_dir, "**")
  custom_strategy_virtualenvs = [
    for file in local.custom_strategy_all_files : dirname(file) if basename(file) == "pyvenv.cfg"
  ]
  custom_strategy_left_out = "(^|/)\\.[^/]*(/|$)|\\.py[co]$"
  custom_strategy_kept = [
    for file in local.custom_strategy_all_files : file
    if !can(regex(local.test_file_pattern, file)) && !can(regex(local.custom_strategy_left_out, file))
  ]
  custom_strategy_candidates = [
    for file in local.custom_strategy_kept : file
    if alltrue([for venv in local.custom_strategy_virtualenvs : venv != "." && !startswith(file, "${venv}/")])
  ]
  # Packed as content (package.tf), which file() reads as UTF-8 text: a file that is not (a
  # compiled extension) cannot be packed, and check.custom_strategy_files says so at plan.
  custom_strategy_files = [
    for file in local.custom_strategy_candidates : file
    if can(file("${var.custom_strategy.source_dir}/${file}"))
  ]
  custom_strategy_unpackable = setsubtract(local.custom_strategy_candidates, local.custom_strategy_files)

  custom_strategy_environment = var.custom_strategy == null ? {} : {
    CUSTOM_STRATEGY = var.custom_strategy.class
  }
}

# Warnings at plan (a check does not stop the plan): what source_dir holds that the zip will not.
check "custom_strategy_files" {
  assert {
    condition     = length(local.custom_strategy_virtualenvs) == 0
    error_message = "custom_strategy.source_dir holds a virtualenv (${join(", ", local.custom_strategy_virtualenvs)}), which is not packed: the function would not have what is installed in it. Install the strategy's dependencies into source_dir itself with `pip install --target <source_dir> <package>` (pure Python), or into a layer listed in layers, and keep the virtualenv outside source_dir."
  }

  assert {
    condition     = length(local.custom_strategy_unpackable) == 0
    error_message = "custom_strategy.source_dir holds files that are not UTF-8 text, which the module cannot pack (it packs text only): ${join(", ", slice(sort(local.custom_strategy_unpackable), 0, min(5, length(local.custom_strategy_unpackable))))}${length(local.custom_strategy_unpackable) > 5 ? ", ..." : ""}. A compiled extension must be built for Lambda's runtime and architecture anyway: ship it in a layer (layers input) and remove it from source_dir."
  }
}
