#!/usr/bin/env bash
# `turbo run build` with the given turbo arguments (e.g. --filter=consumer), silent unless the
# build fails. Cached: when nothing changed it takes well under a second.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! log=$(node_modules/.bin/turbo run build --output-logs=errors-only "$@" 2>&1); then
  printf '%s\n' "$log" >&2
  exit 1
fi
