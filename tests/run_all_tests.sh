#!/usr/bin/env bash
# Script: run_all_tests.sh
# Sudo Required: YES
# Description: The whole test suite from a fresh machine: `hv dev setup`, then
#   every layer (unit, project checks, integration on a real libvirtd with real
#   guests), ending with one line of counts. CI runs exactly this.
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
Usage: $(basename "$0") [vitest filters...]
Sets up this machine (hv dev setup), then runs the test suite. Results: ${RESULTS_DIR}.
USAGE
}

print_counts() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
    const skipped = r.numPendingTests + r.numTodoTests
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`)
  ' "${RESULTS_DIR}/results.json"
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
  local status=0
  (cd "${PROJECT_ROOT}/cli" && npx vitest run --reporter=default --reporter=json \
    --outputFile.json="${RESULTS_DIR}/results.json" --reporter=junit --outputFile.junit="${RESULTS_DIR}/junit.xml" "$@") || status=$?
  [[ -f "${RESULTS_DIR}/results.json" ]] || die "the test run produced no results (exit ${status})" "$EXIT_GENERAL_ERROR"
  print_counts
  return "$status"
}

main "$@"
