#!/usr/bin/env bash
# Script: run_all_tests.sh
# Sudo Required: YES
# Description: The whole test suite from a fresh machine: `hv dev setup`, then
#   `hv dev test` (unit, eval, integration on a real libvirtd with real guests,
#   NixOS VM tests where nixpkgs is reachable, validate, docs): one summary table,
#   a JUnit file, and a last line of counts. CI runs exactly this (CI=true).
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../scripts/lib/common.sh
source "${SCRIPT_DIR}/../scripts/lib/common.sh"
# shellcheck source=../scripts/lib/exit_codes.sh
source "${SCRIPT_DIR}/../scripts/lib/exit_codes.sh"

readonly REQUIRES_SUDO=true
readonly OPERATION_TYPE="sets up the dev machine (hv dev setup) and boots test guests"
readonly PROJECT_ROOT="${SCRIPT_DIR}/.."
readonly RESULTS_DIR="${PROJECT_ROOT}/cli/test-results"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [hv dev test flags...]
Sets up this machine (hv dev setup), then runs the test suite with hv dev test
(e.g. --layer unit, --component security). JUnit results: ${RESULTS_DIR}/junit.xml.
USAGE
}

main() {
  case "${1:-}" in
    -h | --help) usage; return "$EXIT_OK" ;;
  esac
  check_sudo_requirement
  require_commands node npm runuser
  "${PROJECT_ROOT}/scripts/dev/build-cli.sh"
  node "${PROJECT_ROOT}/cli/bin/run.js" dev setup --operator "$HV_OPERATOR"
  require_readable_by "$HV_OPERATOR" "${PROJECT_ROOT}/cli/dist/entry.js"

  log_info "running the test suite"
  mkdir -p "$RESULTS_DIR"
  rm -f "${RESULTS_DIR}/junit.xml"
  local status=0
  # hv dev test ends its output with "tests: N passed, N failed, N skipped".
  node "${PROJECT_ROOT}/cli/bin/run.js" dev test \
    --junit "${RESULTS_DIR}/junit.xml" "$@" || status=$?
  [[ -f "${RESULTS_DIR}/junit.xml" ]] || die "the test run produced no results (exit ${status})" "$EXIT_GENERAL_ERROR"
  return "$status"
}

main "$@"
