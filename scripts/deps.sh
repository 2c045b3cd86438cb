#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: each argument is
# command:package (a command name or a path), and the package is installed
# when the command is missing. Debian's awscli is the aws CLI v2, checked by
# path: a pip-installed v1 elsewhere on the PATH does not stand in for it.
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
