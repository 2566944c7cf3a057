#!/usr/bin/env bash
# An app's `start` script: bundles the app (scripts/build-quiet.sh, tooling/bundle), then
# runs its built JavaScript with the arguments given. V8's young generation is capped at 2 MB a
# semi-space (its default grows to 32 MB, held in RSS for good by an app that allocated once),
# its old generation grows by half its live size between full collections rather than up to 4x,
# and WebAssembly (undici's HTTP parser) is compiled by Liftoff alone: optimising it with
# TurboFan costs about 15 MB of resident memory and no measured speed. An idle consumer holds
# about 81 MB instead of 95, a sender of 1,000,000 lines peaks at about 113 MB instead of 120.
# The flags are in scripts/app-node-flags, which spawnApp (packages/app-kit/test-support) and the
# benchmark read too.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/build-quiet.sh" --filter="$(basename "$PWD")"
read -r -a flags < "$(dirname "${BASH_SOURCE[0]}")/app-node-flags"
exec node "${flags[@]}" dist/main.js "$@"
