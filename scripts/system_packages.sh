#!/usr/bin/env bash
# The servers the tests start on loopback, installed when missing: `make test` runs this first.
# Arguments: package:command pairs (Debian package, the binary it provides). Where a binary is
# missing and this is root with apt-get (CI, a fresh machine of this kind), the package is
# installed, saying so; elsewhere the missing packages are named and the run stops.
set -euo pipefail
missing=()
for pair in "$@"; do
  package=${pair%%:*}
  command=${pair#*:}
  # Debian puts server binaries under sbin, which a non-login shell may not have on PATH.
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing ${missing[*]} (the tests start these servers on loopback)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts packaged servers at install where it can; the tests start their own.
  for package in "${missing[@]}"; do
    service "${package%-server}" stop >/dev/null 2>&1 || true
  done
  exit 0
fi
echo "make test needs ${missing[*]} (Debian/Ubuntu package names): install them and run again" >&2
exit 1
