#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: each argument is
# command:package, and the package is installed when the command is missing.
# Idempotent: does nothing when everything is there.
set -euo pipefail
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "deps: Go is required (expected at /usr/local/go)"; exit 1; }
missing=()
for pair in "$@"; do
  cmd=${pair%%:*} pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
go mod download
