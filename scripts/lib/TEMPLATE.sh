#!/usr/bin/env bash
# Script: TEMPLATE.sh
# Sudo Required: NO
# Description: The Script Pattern. Copy this file to start a new script, then set
#   the header, REQUIRES_SUDO and OPERATION_TYPE to match what the script does.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
source "${SCRIPT_DIR}/common.sh"
# shellcheck source=exit_codes.sh
source "${SCRIPT_DIR}/exit_codes.sh"

readonly REQUIRES_SUDO=false
readonly OPERATION_TYPE="read-only example"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [--help]
Explain what the script does and what it changes.
USAGE
}

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
  esac
  check_sudo_requirement
  log_info "hypervisor configuration lives in ${HYPERVISOR_ROOT}"
}

main "$@"
