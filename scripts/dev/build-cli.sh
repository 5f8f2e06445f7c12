#!/usr/bin/env bash
# Script: build-cli.sh
# Sudo Required: NO
# Description: Makes cli/ ready to run: installs its npm dependencies when
#   package-lock.json changed and rebuilds dist/ when a source changed. Cheap
#   when nothing changed, so every entry point can call it.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=false
readonly OPERATION_TYPE="runs npm ci and the CLI build inside the checkout"
readonly CLI_DIR="${SCRIPT_DIR}/../../cli"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [--force]
Runs 'npm ci' in cli/ when package-lock.json differs from what is installed, and
'npm run build' when src/, the build script or package.json changed.
USAGE
}

tree_hash() {
  (cd "$CLI_DIR" && find "$@" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

main() {
  local force=false
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
    --force) force=true ;;
    "") ;;
    *) usage >&2; return "$EXIT_INVALID_ARGUMENT" ;;
  esac
  check_sudo_requirement
  require_commands node npm

  local lock_hash installed_hash=""
  lock_hash="$(tree_hash package-lock.json)"
  [[ -f "$CLI_DIR/node_modules/.hv-lock-hash" ]] && installed_hash="$(cat "$CLI_DIR/node_modules/.hv-lock-hash")"
  if [[ "$force" == true || "$lock_hash" != "$installed_hash" ]]; then
    log_step "installing the CLI's npm dependencies (npm ci)"
    (cd "$CLI_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    printf '%s\n' "$lock_hash" >"$CLI_DIR/node_modules/.hv-lock-hash"
  fi

  local source_hash built_hash=""
  source_hash="$(tree_hash src bin package.json tsconfig.json)"
  [[ -f "$CLI_DIR/dist/.build-hash" ]] && built_hash="$(cat "$CLI_DIR/dist/.build-hash")"
  if [[ "$force" == true || "$source_hash" != "$built_hash" ]]; then
    log_step "building the CLI (cli/dist)"
    (cd "$CLI_DIR" && npm run --silent build)
    printf '%s\n' "$source_hash" >"$CLI_DIR/dist/.build-hash"
  fi
}

main "$@"
