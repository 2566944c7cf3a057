#!/usr/bin/env bash
# Type checks, lint and all tests of every package, then one total line for all of them.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rm -f packages/*/.vitest/results.json apps/*/.vitest/results.json bench/.vitest/results.json
biome check scripts tooling || exit 1
node scripts/check-changesets.ts || exit 1
turbo run typecheck lint test --continue --output-logs=errors-only
status=$?
node scripts/test-summary.ts || status=1
exit $status
