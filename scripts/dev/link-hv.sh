#!/usr/bin/env bash
# Script: link-hv.sh
# Sudo Required: YES
# Description: Links ${HV_BIN_DIR}/hv (default /usr/local/bin/hv) to this checkout's
#   CLI so every account can run `hv`. Never replaces an hv that is not a link.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
source "${SCRIPT_DIR}/../lib/common.sh"
# shellcheck source=../lib/exit_codes.sh
source "${SCRIPT_DIR}/../lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="writes a symbolic link in a system bin directory"
: "${HV_BIN_DIR:=/usr/local/bin}"

usage() {
  cat <<USAGE
Usage: $(basename "$0")
Points ${HV_BIN_DIR}/hv at $(cd "${SCRIPT_DIR}/../.." && pwd)/cli/bin/run.js.
USAGE
}

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
    "") ;;
    *) usage >&2; return "$EXIT_INVALID_ARGUMENT" ;;
  esac
  check_sudo_requirement
  local target link="${HV_BIN_DIR}/hv"
  target="$(cd "${SCRIPT_DIR}/../.." && pwd)/cli/bin/run.js"
  if [[ -e "$link" && ! -L "$link" ]]; then
    log_warn "${link} exists and is not a link (an installed hv?): left alone"
    return "$EXIT_OK"
  fi
  if [[ "$(readlink "$link" 2>/dev/null)" == "$target" ]]; then
    log_step "${link} already points at this checkout"
  else
    log_step "linking ${link} -> ${target}"
    mkdir -p "$HV_BIN_DIR"
    ln -sfn "$target" "$link"
  fi
}

main "$@"
