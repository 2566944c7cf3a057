#!/usr/bin/env bash
# An app's `start` script: bundles the app (scripts/build-quiet.sh, tooling/bundle), then
# runs its built JavaScript with the arguments given, with the apps' memory settings:
# - scripts/app-node-flags: V8's young generation capped at 2 MB a semi-space (its default grows
#   to 32 MB, held in RSS for good by an app that allocated once); its old generation grown by
#   half its live size between full collections rather than up to 4x; WebAssembly (undici's HTTP
#   parser) compiled by Liftoff alone, since optimising it with TurboFan costs about 15 MB;
# - scripts/app-env: at most 2 glibc malloc arenas (one per thread by default, each holding on
#   to freed memory).
# An idle consumer holds about 76 MB instead of 95, a sender of 1,000,000 lines peaks at about
# 104 MB instead of 130, at no measured cost in speed. spawnApp (packages/app-kit/test-support)
# and the benchmark read the same two files.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/build-quiet.sh" --filter="$(basename "$PWD")"
read -r -a flags < "$(dirname "${BASH_SOURCE[0]}")/app-node-flags"
set -a
# shellcheck source=app-env
. "$(dirname "${BASH_SOURCE[0]}")/app-env"
set +a
exec node "${flags[@]}" dist/main.js "$@"
