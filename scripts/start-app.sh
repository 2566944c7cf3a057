#!/usr/bin/env bash
# An app's `start` script: bundles the app (scripts/build-quiet.sh, tooling/bundle), then
# runs its built JavaScript with the arguments given. V8's young generation is capped at 2 MB a
# semi-space (its default grows to 32 MB, held in RSS for good by an app that allocated once),
# and its old generation grows by half its live size between full collections rather than up to
# 4x (a sender of 1,000,000 lines peaks at 136 MB instead of 170, at no measured CPU cost);
# the flags are in scripts/app-node-flags, which spawnApp (packages/app-kit/test-support) and the
# benchmark read too.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/build-quiet.sh" --filter="$(basename "$PWD")"
read -r -a flags < "$(dirname "${BASH_SOURCE[0]}")/app-node-flags"
exec node "${flags[@]}" dist/main.js "$@"
