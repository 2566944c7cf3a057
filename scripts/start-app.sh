#!/usr/bin/env bash
# An app's `start` script: builds the app and the packages it uses (scripts/build-quiet.sh), then
# runs its built JavaScript with the arguments given.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/build-quiet.sh" --filter="$(basename "$PWD")"
exec node dist/main.js "$@"
