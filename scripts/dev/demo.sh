#!/usr/bin/env bash
# Script: demo.sh
# Sudo Required: YES
# Description: The main job from a fresh machine: sets it up with `hv dev setup`,
#   then, as the unprivileged operator (no sudo), boots the tiny guest through
#   libvirt and lists it. Extra arguments go to `hv dev setup`.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="sets up the dev machine (packages, services, an operator account)"
readonly PROJECT_ROOT="${SCRIPT_DIR}/../.."
readonly HV=("node" "${PROJECT_ROOT}/cli/bin/run.js")

usage() {
  cat <<USAGE
Usage: $(basename "$0") [hv dev setup flags...]
Runs 'hv dev setup' as root, then 'hv dev demo' as the operator (${HV_OPERATOR}).
USAGE
}

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
  esac
  check_sudo_requirement
  require_commands node npm runuser
  "${SCRIPT_DIR}/build-cli.sh"
  "${HV[@]}" dev setup --operator "$HV_OPERATOR" "$@"
  require_readable_by "$HV_OPERATOR" "${PROJECT_ROOT}/cli/dist/entry.js" "${PROJECT_ROOT}/cli/node_modules/@oclif/core/package.json"
  log_info "as ${HV_OPERATOR}, without sudo: hv dev demo"
  runuser -u "$HV_OPERATOR" -- "${HV[@]}" dev demo
}

main "$@"
