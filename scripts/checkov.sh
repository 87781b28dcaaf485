#!/usr/bin/env bash
# Security scan of the Terraform in modules/ and examples/ with checkov's Terraform checks.
# Exit status: 0 when no check fails, non-zero on any failed finding (or when checkov cannot run).
#
# checkov pins many dependencies of its own, so it lives in a virtualenv of its own
# (.venv-checkov, created on first use, about a minute) and never touches .venv.
# Configuration (framework, output): .checkov.yaml at the repository root; the directories below.
# A check that does not apply is skipped inline, next to the resource, with the reason:
#   # checkov:skip=CKV_AWS_116: reason
#
# Usage: scripts/checkov.sh [extra checkov arguments, e.g. --compact or -d modules/rotation-function]
#        scripts/checkov.sh --install-only   (create the virtualenv and stop; `make` runs it
#                                             beside the creation of .venv)
set -euo pipefail

CHECKOV_VERSION="3.3.30"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CHECKOV_VENV:-$ROOT/.venv-checkov}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.checkov-$CHECKOV_VERSION"

if [[ ! -f "$STAMP" ]]; then
  echo "checkov: creating $VENV with checkov==$CHECKOV_VERSION (about a minute, once)" >&2
  "$PYTHON" -m venv "$VENV"
  # Like the .gitignore that Python 3.13's venv writes: keeps git, ruff and editors out of it.
  echo '*' >"$VENV/.gitignore"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  touch "$STAMP"
fi

if [[ "${1:-}" == "--install-only" ]]; then
  exit 0
fi

cd "$ROOT"
# No network: no policy download from the Prisma/Bridgecrew platform, no version check.
export BC_SKIP_MAPPING=TRUE
export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
export ANSIBLE_LOCAL_TEMP="${TMPDIR:-/tmp}"
# With directories of its own (-d/--directory/-f/--file), one run as asked.
for arg in "$@"; do
  case "$arg" in
    -d | --directory | -f | --file) exec "$VENV/bin/checkov" --config-file "$ROOT/.checkov.yaml" "$@" ;;
  esac
done
# Otherwise one run per directory: checkov 3.3.30 given `-d modules -d examples` reports the first
# directory twice and never scans the second, which hid every finding in examples/.
status=0
for directory in modules examples; do
  "$VENV/bin/checkov" --config-file "$ROOT/.checkov.yaml" --directory "$directory" "$@" || status=$?
done
exit "$status"
